/**
 * The command tree. Only mounts commands; each lives in `src/commands/`.
 *
 * @module
 */
import { Command, type CommandUnknownOpts, Help } from "@commander-js/extra-typings";
import type { Env } from "./env.ts";
import { apiCommand } from "./commands/api.ts";
import { authRefreshCommand } from "./commands/auth_refresh.ts";
import { authServeCommand } from "./commands/auth_serve.ts";
import { authStatusCommand } from "./commands/auth_status.ts";
import { authSwitchCommand } from "./commands/auth_switch.ts";
import { authBackendCommand } from "./commands/auth_backend.ts";
import { authTokenCommand } from "./commands/auth_token.ts";
import { completionCommand } from "./commands/completion.ts";
import { configCommand } from "./commands/config.ts";
import { environmentHelp, wrap } from "./help_environment.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { execCommand } from "./commands/exec.ts";
import { loginCommand } from "./commands/login.ts";
import { logoutCommand } from "./commands/logout.ts";
import { setupCommand } from "./commands/setup.ts";
import { setupBitbucketCommand } from "./commands/setup_bitbucket.ts";
import { uninstallCommand } from "./commands/uninstall.ts";
import { updateCommand } from "./commands/update.ts";
import { upkeepCommand } from "./commands/upkeep.ts";
import { UsageError } from "./errors.ts";
import { formatExamples, helpExamples } from "./help_examples.ts";
import { styleFor } from "./ui/style.ts";
import { nearest } from "./ui/suggest.ts";
import { version } from "./version.ts";

/** Builds the whole `twg` command tree bound to `env`. */
export function buildCli(env: Env): CommandUnknownOpts {
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
    .helpCommand(false)
    // Before the examples, which configureTree adds last: every help ends with them.
    .addHelpText("after", () =>
      [
        "",
        "Exit codes: 0 ok, 1 failure, 2 usage, 3 login needed, 4 credential store not " +
        "writable, 5 network or server error, 77 sign in again (sign-in expired or " +
        "rejected), 130 interrupted.",
        "",
        'Learn more: "twg <command> --help" for a command, "twg help environment" for the ' +
        "variables; the README that comes with twg is the manual.",
      ].flatMap((paragraph) =>
        paragraph ? wrap(paragraph, (env.stdout.columns?.() ?? 80) - 1) : [""]
      ).join("\n"));
  program.addCommand(loginCommand(env));
  program.addCommand(logoutCommand(env));
  program.addCommand(doctorCommand(env));
  const auth = new Command("auth").description("Inspect and use the stored sign-in");
  auth.addCommand(authStatusCommand(env));
  auth.addCommand(authTokenCommand(env));
  auth.addCommand(authRefreshCommand(env));
  auth.addCommand(authSwitchCommand(env));
  auth.addCommand(authBackendCommand(env));
  auth.addCommand(authServeCommand(env));
  // gh's spellings (`gh auth login`, `gh auth logout`), hidden: the same commands.
  auth.addCommand(loginCommand(env), { hidden: true });
  auth.addCommand(logoutCommand(env), { hidden: true });
  program.addCommand(auth);
  program.addCommand(apiCommand(env));
  program.addCommand(execCommand(env));
  program.addCommand(setupCommand(env).addCommand(setupBitbucketCommand(env)));
  program.addCommand(upkeepCommand(env));
  program.addCommand(updateCommand(env));
  program.addCommand(uninstallCommand(env));
  program.addCommand(configCommand(env));
  program.addCommand(
    new Command("version").description("Print the version and the runtime").action(() => {
      env.stdout.write(`${versionLine(env)}\n`);
    }),
  );
  program.addCommand(
    new Command("help")
      .description("Show the help of a command")
      .argument("[command...]", "the command, e.g. auth status")
      .action((words: string[]) => {
        // A help topic, as `gh help environment`; not a command.
        if (words.length === 1 && words[0] === "environment") {
          env.stdout.write(environmentHelp(env.stdout.columns?.() ?? 80));
          return;
        }
        helpCommandFor(program, words).outputHelp();
      }),
  );
  program.addCommand(completionCommand(env));
  configureTree(program, env, []);
  return program;
}

/** `text` with each line wider than `columns` wrapped at its own indentation. */
function fitLines(text: string, columns: number): string {
  return text.split("\n").flatMap((line) => {
    if ([...line].length <= columns || line.startsWith("  $ ")) return [line];
    const indent = /^ */.exec(line)![0];
    return wrap(line.slice(indent.length), Math.max(10, columns - indent.length)).map((part) =>
      indent + part
    );
  }).join("\n");
}

function versionLine(env: Env): string {
  return `twg ${version} (${env.runtime})`;
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
 * `src/main.ts` prints twg's), examples at the end of the help, and no
 * `(default: [])` on repeatable options.
 */
function configureTree(command: CommandUnknownOpts, env: Env, path: string[]): void {
  const shownPath = ["twg", ...path].join(" ");
  const hint = `Run "${shownPath} --help" for usage`;
  command
    // One voice in every help: commander's own lines in twg's capitalised style.
    .helpOption("-h, --help", "Show help for this command")
    .exitOverride((error) => {
      // main puts the hint into the --json document.
      throw Object.assign(error, { hint });
    })
    .configureHelp({
      // Below 60 columns the two-column layout leaves no room (commander then
      // stops wrapping): each term on its own line, its description below.
      formatItem(term, termWidth, description, helper) {
        const width = helper.helpWidth ?? 80;
        if (width >= 60 || !description) {
          return Help.prototype.formatItem.call(this, term, termWidth, description, helper);
        }
        return `  ${term}\n${
          wrap(description, width - 7).map((line) => `      ${line}`).join("\n")
        }`;
      },
      optionDescription(option) {
        const isEmptyList = Array.isArray(option.defaultValue) && option.defaultValue.length === 0;
        const shown = isEmptyList
          ? Object.assign(Object.create(option), { defaultValue: undefined })
          : option;
        return Help.prototype.optionDescription.call(this, shown);
      },
    })
    .configureOutput({
      // The terminal's real width: commander wraps descriptions to it.
      getOutHelpWidth: () => env.stdout.columns?.() ?? 80,
      getErrHelpWidth: () => env.stderr.columns?.() ?? 80,
      // Help is all commander writes here: every line fits the terminal,
      // commands' own paragraphs included (an example's command line, copied
      // whole, is never broken).
      writeOut: (text) => env.stdout.write(fitLines(text, env.stdout.columns?.() ?? 80)),
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
  const examples = helpExamples[path.join(" ")];
  // Laid out when shown, for the width of the terminal it is shown on.
  if (examples) {
    command.addHelpText("after", () => formatExamples(examples, env.stdout.columns?.() ?? 80));
  }
  if (command.commands.length > 0 && path.length > 0) {
    command.helpCommand("help [command]", "Show help for a command");
  }
  for (const child of command.commands) configureTree(child, env, [...path, child.name()]);
}
