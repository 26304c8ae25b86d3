/**
 * The command tree. Only mounts commands; each lives in `src/commands/`.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Help } from "@commander-js/extra-typings";
import type { Env } from "./env.ts";
import { UsageError } from "./errors.ts";
import { styleFor } from "./ui/style.ts";
import { nearest } from "./ui/suggest.ts";
import { versionLine } from "./version.ts";
import { renderHelp } from "./tree/render_help.ts";
import { shapeOf, takeNotes } from "./tree/shape_of.ts";

/** A command of the tree, declared by a module loaded only when it is needed. */
interface CommandEntry {
  /** Its words after `twg`, e.g. `["auth", "status"]`: the tree nests one level. */
  path: [string] | [string, string];
  /** Loads its module and declares it; `program` is the tree it joins. */
  load: (env: Env, program: CommandUnknownOpts) => Promise<CommandUnknownOpts>;
  /** Left out of help and completion: another spelling of a listed command (gh's). */
  hidden?: boolean;
}

/**
 * Every command, in the order help lists them. Each loader imports its module
 * only when that command runs (or the whole tree is needed: help, an unknown
 * word, completion of the first word), so `twg login` never evaluates the
 * api command's modules. The specifiers are string literals so that
 * `deno compile` and esbuild still see every module.
 */
const commandTable: CommandEntry[] = [
  { path: ["login"], load: async (env) => (await import("./commands/login.ts")).loginCommand(env) },
  {
    path: ["logout"],
    load: async (env) => (await import("./commands/logout.ts")).logoutCommand(env),
  },
  {
    path: ["doctor"],
    load: async (env) => (await import("./commands/doctor.ts")).doctorCommand(env),
  },
  {
    path: ["auth", "status"],
    load: async (env) => (await import("./commands/auth_status_command.ts")).authStatusCommand(env),
  },
  {
    path: ["auth", "token"],
    load: async (env) => (await import("./commands/auth_token.ts")).authTokenCommand(env),
  },
  {
    path: ["auth", "refresh"],
    load: async (env) => (await import("./commands/auth_refresh.ts")).authRefreshCommand(env),
  },
  {
    path: ["auth", "switch"],
    load: async (env) => (await import("./commands/auth_switch.ts")).authSwitchCommand(env),
  },
  {
    path: ["auth", "backend"],
    load: async (env) => (await import("./commands/auth_backend.ts")).authBackendCommand(env),
  },
  {
    path: ["auth", "serve"],
    load: async (env) => (await import("./commands/auth_serve.ts")).authServeCommand(env),
  },
  // gh's spellings (`gh auth login`, `gh auth logout`), hidden: the same commands.
  {
    path: ["auth", "login"],
    load: async (env) => (await import("./commands/login.ts")).loginCommand(env),
    hidden: true,
  },
  {
    path: ["auth", "logout"],
    load: async (env) => (await import("./commands/logout.ts")).logoutCommand(env),
    hidden: true,
  },
  { path: ["api"], load: async (env) => (await import("./commands/api.ts")).apiCommand(env) },
  { path: ["exec"], load: async (env) => (await import("./commands/exec.ts")).execCommand(env) },
  {
    path: ["setup"],
    load: async (env) => {
      const [{ setupCommand }, { setupBitbucketCommand }] = await Promise.all([
        import("./commands/setup.ts"),
        import("./commands/setup_bitbucket.ts"),
      ]);
      return setupCommand(env).addCommand(setupBitbucketCommand(env));
    },
  },
  {
    path: ["upkeep"],
    load: async (env) => (await import("./commands/upkeep.ts")).upkeepCommand(env),
  },
  {
    path: ["update"],
    load: async (env) => (await import("./commands/update.ts")).updateCommand(env),
  },
  {
    path: ["uninstall"],
    load: async (env) => (await import("./commands/uninstall.ts")).uninstallCommand(env),
  },
  {
    path: ["config"],
    load: async (env) => (await import("./commands/config.ts")).configCommand(env),
  },
  {
    path: ["version"],
    load: (env) =>
      Promise.resolve(
        new Command("version").description("Print the version and the runtime").action(() => {
          env.stdout.write(`${versionLine(env)}\n`);
        }),
      ),
  },
  {
    path: ["help"],
    load: (env, program) =>
      Promise.resolve(
        new Command("help")
          .description("Show the help of a command")
          .argument("[command...]", "the command, e.g. auth status")
          .action(async (words: string[]) => {
            // A help topic, as `gh help environment`; not a command.
            if (words.length === 1 && words[0] === "environment") {
              const { environmentHelp } = await import("./help_environment.ts");
              env.stdout.write(environmentHelp(env.stdout.columns?.() ?? 80));
              return;
            }
            helpCommandFor(program, words).outputHelp();
          }),
      ),
  },
  {
    path: ["completion"],
    load: async (env) => (await import("./commands/completion.ts")).completionCommand(env),
  },
];

/**
 * The entries `words` (what follows `twg`) can reach: only the command they
 * name when they name one (the group's one subcommand, or all of the group's
 * when the second word names none), else all (help, flags first, an unknown
 * word that needs the nearest name).
 */
function entriesFor(words: string[]): CommandEntry[] {
  const [first, second] = words;
  const named = commandTable.filter((entry) => entry.path[0] === first);
  if (named.length === 0 || first === "help") return commandTable;
  const exact = named.filter((entry) => entry.path[1] === second);
  // Hidden spellings (auth login, auth logout) only when named: help and
  // completion list the others without loading login's modules.
  return exact.length > 0 ? exact : named.filter((entry) => !entry.hidden);
}

/**
 * Builds the `twg` command tree bound to `env`: the commands `words` (the
 * argv after `twg`) can reach, or every command when `words` is left out.
 */
export async function buildCli(env: Env, words?: string[]): Promise<CommandUnknownOpts> {
  const entries = words ? entriesFor(words) : commandTable;
  const program = new Command("twg")
    .description(
      "Sign in to your OAuth server once; stay signed in, safely, from terminals, scripts and coding agents",
    )
    // --version only: gh has no -v, and -v reads as "verbose" to many.
    .version(versionLine(env), "--version", "Show twg's version and runtime")
    // Program options only before a command: `twg upgrade --version 1.2.0`
    // is upgrade's own --version, not the program's.
    .enablePositionalOptions()
    // Our own `help [command...]` below: commander's takes one word only
    // (`twg help auth status` showed `auth`'s help) and suggests nothing.
    .helpCommand(false);
  const commands = await Promise.all(entries.map((entry) => entry.load(env, program)));
  let auth: CommandUnknownOpts | undefined;
  for (const [index, entry] of entries.entries()) {
    const command = commands[index]!;
    if (entry.path.length === 1) {
      program.addCommand(command);
      continue;
    }
    if (!auth) {
      auth = new Command("auth").description("Inspect and use the stored sign-in");
      program.addCommand(auth);
    }
    auth.addCommand(command, entry.hidden ? { hidden: true } : {});
  }
  configureTree(program, env, []);
  return program;
}

/** The command `words` name (`["auth", "status"]`), or a usage error with the nearest name. */
function helpCommandFor(program: CommandUnknownOpts, words: string[]): CommandUnknownOpts {
  let command = program;
  const path: string[] = [];
  for (const word of words) {
    const names = command.commands.map((child) => child.name());
    const child = command.commands.find((candidate) => candidate.name() === word);
    if (!child) {
      const suggestion = nearest(word, names);
      const parent = ["twg", ...path].join(" ");
      throw new UsageError(
        `unknown command '${[...path, word].join(" ")}'${
          suggestion ? ` (Did you mean ${[...path, suggestion].join(" ")}?)` : ""
        }`,
        `Run "${parent} --help" to see the commands`,
      );
    }
    command = child;
    path.push(word);
  }
  return command;
}

/**
 * On every command: output through `env`, errors thrown instead of exiting,
 * commander's own errors in twg's style (`✖ message` and the next step, as
 * `src/main.ts` prints twg's), help laid out by twg's renderer, and no
 * `(default: [])` on repeatable options.
 */
function configureTree(command: CommandUnknownOpts, env: Env, path: string[]): void {
  const shownPath = ["twg", ...path].join(" ");
  const hint = `Run "${shownPath} --help" for usage`;
  // The command's own paragraphs join its shape; the renderer prints them.
  takeNotes(command);
  command
    // One voice in every help: commander's own lines in twg's capitalised style.
    .helpOption("-h, --help", "Show help for this command")
    .exitOverride((error) => {
      // main puts the hint into the --json document.
      throw Object.assign(error, { hint });
    })
    .configureHelp({
      // twg's one layout (src/tree/render_help.ts), also used without commander.
      formatHelp: (shown, helper) =>
        renderHelp(shapeOf(shown), pathOf(shown), helper.helpWidth ?? 80),
      optionDescription(option) {
        const isEmptyList = Array.isArray(option.defaultValue) && option.defaultValue.length === 0;
        const shown = isEmptyList
          ? Object.assign(Object.create(option), { defaultValue: undefined })
          : option;
        return Help.prototype.optionDescription.call(this, shown);
      },
    })
    .configureOutput({
      // The terminal's real width: help is laid out for it.
      getOutHelpWidth: () => env.stdout.columns?.() ?? 80,
      getErrHelpWidth: () => env.stderr.columns?.() ?? 80,
      writeOut: (text) => env.stdout.write(text),
      writeErr: (text) => env.stderr.write(text),
      outputError: (text) => {
        const [message = "", ...rest] = text.replace(/^error: /, "").trimEnd().split("\n");
        const suggestion = rest.join(" ").trim();
        env.stderr.write(
          `${styleFor(env, env.stderr).error("✖")} ${message}${
            suggestion ? ` ${suggestion}` : ""
          }\n` +
            `${hint}\n`,
        );
      },
    });
  // A group run alone (`twg`, `twg auth`) shows its help on stdout and
  // succeeds, as gh does; commander would print it on stderr as an error.
  if (command.commands.length > 0 && !Reflect.get(command, "_actionHandler")) {
    command.allowExcessArguments(true).action(() => {
      const [word] = command.args;
      if (word === undefined) return command.outputHelp();
      const suggestion = nearest(word, command.commands.map((child) => child.name()));
      throw new UsageError(
        `unknown command '${word}'${suggestion ? ` (Did you mean ${suggestion}?)` : ""}`,
        hint,
      );
    });
  }
  if (command.commands.length > 0 && path.length > 0) {
    command.helpCommand("help [command]", "Show help for a command");
  }
  for (const child of command.commands) configureTree(child, env, [...path, child.name()]);
}

/** `command`'s path from the program: `["twg", "auth", "token"]`. */
function pathOf(command: CommandUnknownOpts): string[] {
  const path: string[] = [];
  for (let at: CommandUnknownOpts | null = command; at; at = at.parent) path.unshift(at.name());
  return path;
}
