/**
 * `twg __complete`: the candidates for the word being completed, computed
 * from the command tree (never a second list of commands and flags), as
 * cobra's `__complete` does for gh: its shape (`src/tree/shape.ts`), read
 * from the generated snapshot so that a Tab loads neither commander nor any
 * command. Every shell script that
 * `twg completion <shell>` prints calls it on each Tab:
 *
 * ```sh
 * twg __complete <n> <word 1> … <word n> [<current word>]
 * ```
 *
 * `n` counts the words typed after `twg` before the current one, which may be
 * left out when empty (PowerShell 5 drops empty arguments). One candidate a
 * line, `value<TAB>description`.
 *
 * @module
 */
import { configPaths, profileVariable } from "../config/paths.ts";
import type { Site } from "../credentials/auth_conf.ts";
import type { Env } from "../env.ts";
import type { CommandShape, OptionShape } from "../tree/shape.ts";

/** One completion candidate. */
export interface Candidate {
  value: string;
  description: string;
}

/**
 * `--profile NAME`, which `src/main.ts` takes before the tree sees the words:
 * a flag of every command, and one that chooses the store `--site` offers.
 */
const profileOption: OptionShape = {
  term: "--profile <name>",
  description: "use this profile's sign-in",
  helpDescription: "use this profile's sign-in",
  long: "--profile",
  short: null,
  value: "required",
  choices: null,
};

/**
 * Values twg knows at completion time but that are not in the tree:
 * `--site` completes the sites of the stored sign-in (of the profile typed
 * with `--profile`, else the one twg would choose), `--profile` the profiles. Choices declared with
 * commander's `.choices()` (`--os`, `completion <shell>`) are in the shape
 * and need no entry here.
 */
const dynamicValues: Record<
  string,
  (env: Env, typedProfile: string | null) => Promise<Candidate[]>
> = {
  "--site": storedSites,
  "--profile": profileCandidates,
  "--backend": () => Promise.resolve(backendCandidates),
};

const backendCandidates: Candidate[] = [
  { value: "file", description: "the refresh token in auth.conf (0600)" },
  { value: "keyring", description: "sealed, its key in the OS keyring" },
];

/**
 * Values of a command's positional arguments that commander does not know
 * as choices (the command checks them itself, with its own error), by
 * command path and argument position.
 */
const argumentValues: Record<
  string,
  (program: CommandShape, before: string[]) => Candidate[] | null | Promise<Candidate[] | null>
> = {
  "auth backend": (_, before) => before.length === 0 ? backendCandidates : null,
  // `help auth status`: the command tree below what is typed so far, and the topics.
  help: (program, before) => {
    let command = program;
    for (const word of before) {
      const child = findSubcommand(command, word);
      if (!child) return [];
      command = child;
    }
    const children = visibleCommands(command)
      .filter((child) => child.name !== "help")
      .map((child) => ({ value: child.name, description: child.description }));
    return before.length === 0
      ? [...children, { value: "environment", description: "every variable twg reads" }]
      : children;
  },
  "config get": (_, before) => before.length === 0 ? configCandidates() : null,
  "config set": (_, before) => before.length === 0 ? configCandidates() : null,
  "config unset": (_, before) => before.length === 0 ? configCandidates() : null,
};

/** The settings' names, from the module that reads them: loaded only for `twg config` words. */
async function configCandidates(): Promise<Candidate[]> {
  const { configNames } = await import("../config/setting_names.ts");
  return configNames.map((name) => ({ value: name, description: "setting" }));
}

/** Options whose value is a file or directory: the shell completes paths there, nowhere else. */
const pathOptions = new Set(["--input", "--output-dir"]);

/** Candidates, and whether the shell should offer paths (alone or beside them). */
export interface Completion {
  candidates: Candidate[];
  wantsPaths: boolean;
}

async function storedSites(env: Env, typedProfile: string | null): Promise<Candidate[]> {
  // Chosen here, as every command chooses it: a Tab that offers no sites chooses none.
  const { chooseProfile } = await import("../config/profiles.ts");
  const profile = await chooseProfile(env, typedProfile).catch(() => null);
  if (!profile) return [];
  const authConf = configPaths(env, profile.name).authConf;
  const { readCredentials } = await import("../credentials/store.ts");
  const credentials = await readCredentials(env, authConf).catch(() => null);
  // `sites` is the list `auth switch` chooses from, where the store has it.
  const listed = (credentials as { sites?: Site[] } | null)?.sites ?? [];
  const sites = [...(credentials?.site ? [credentials.site] : []), ...listed];
  const unique = new Map(sites.map((site) => [site.id, site]));
  return [...unique.values()].map((site) => ({ value: site.id, description: site.name }));
}

async function profileCandidates(env: Env): Promise<Candidate[]> {
  const { listProfiles } = await import("../config/profiles.ts");
  const active = env.getVar(profileVariable);
  return (await listProfiles(env)).map((name) => ({
    value: name,
    description: name === active ? `profile (${profileVariable})` : "profile",
  }));
}

/** The candidates for `current`, after `words` (the words typed after `twg`). */
export async function completeWords(
  env: Env,
  program: CommandShape,
  words: string[],
  current: string,
): Promise<Candidate[]> {
  return (await complete(env, program, words, current)).candidates;
}

/** {@link completeWords}, and whether the word being completed is a path. */
export async function complete(
  env: Env,
  program: CommandShape,
  words: string[],
  current: string,
): Promise<Completion> {
  const none = (candidates: Candidate[], wantsPaths = false) => ({ candidates, wantsPaths });
  // The commands the words reached, the program first: a flag may be an ancestor's.
  const reached = [program];
  let command = program;
  const path: string[] = [];
  const operands: string[] = [];
  let awaitingValue: OptionShape | null = null;
  let typedProfile: string | null = null;
  let positionals = 0;
  let isAfterDashDash = false;
  for (const word of words) {
    if (awaitingValue) {
      // bash splits `--os=linux` at COMP_WORDBREAKS' "=" into three words.
      if (word === "=") continue;
      if (awaitingValue === profileOption) typedProfile = word;
      awaitingValue = null;
      continue;
    }
    if (!isAfterDashDash && word === "--") {
      isAfterDashDash = true;
    } else if (!isAfterDashDash && word.startsWith("--profile=")) {
      typedProfile = word.slice("--profile=".length);
    } else if (!isAfterDashDash && word.startsWith("-") && word !== "-") {
      const option = word.includes("=") ? null : findOption(reached, word);
      if (option?.value) awaitingValue = option;
    } else {
      const subcommand = positionals === 0 ? findSubcommand(command, word) : undefined;
      if (subcommand) {
        command = subcommand;
        reached.push(command);
        path.push(subcommand.name);
      } else {
        positionals++;
        operands.push(word);
      }
    }
  }
  if (awaitingValue) {
    return none(
      startingWith(await optionValues(env, awaitingValue, typedProfile), current),
      isPathOption(awaitingValue),
    );
  }
  if (!isAfterDashDash && current.startsWith("--") && current.includes("=")) {
    const equals = current.indexOf("=");
    const option = findOption(reached, current.slice(0, equals));
    if (!option) return none([]);
    const values = await optionValues(env, option, typedProfile);
    return none(
      startingWith(
        values.map((value) => ({
          ...value,
          value: `${current.slice(0, equals + 1)}${value.value}`,
        })),
        current,
      ),
      isPathOption(option),
    );
  }
  if (!isAfterDashDash && current.startsWith("-")) {
    const flags = [...command.options, profileOption].flatMap((option) =>
      [option.long, option.short].filter((flag): flag is string => Boolean(flag)).map((flag) => ({
        value: flag,
        description: option.description,
      }))
    );
    return none(startingWith(flags, current));
  }
  const candidates: Candidate[] = [];
  const known = await argumentValues[path.join(" ")]?.(program, operands);
  if (known) return none(startingWith(known, current));
  if (positionals === 0) {
    for (const subcommand of visibleCommands(command)) {
      candidates.push({ value: subcommand.name, description: subcommand.description });
    }
    // A group's own `help [command]`, as its help lists it.
    if (command.helpCommand) {
      candidates.push({
        value: command.helpCommand.name,
        description: command.helpCommand.summary,
      });
    }
  }
  const argument = command.arguments[positionals] ??
    (command.arguments.at(-1)?.variadic ? command.arguments.at(-1) : undefined);
  for (const choice of argument?.choices ?? []) {
    candidates.push({ value: choice, description: argument!.description });
  }
  return none(startingWith(candidates, current));
}

function isPathOption(option: OptionShape): boolean {
  return option.long !== null && pathOptions.has(option.long);
}

function visibleCommands(command: CommandShape): CommandShape[] {
  return command.commands.filter((child) => !child.hidden);
}

/** The flag `flag` of the innermost of `reached` that has it (`--profile`: every command's). */
function findOption(reached: CommandShape[], flag: string): OptionShape | null {
  if (flag === profileOption.long) return profileOption;
  for (const command of reached.toReversed()) {
    const option = command.options.find((option) => option.long === flag || option.short === flag);
    if (option) return option;
  }
  return null;
}

function findSubcommand(command: CommandShape, name: string): CommandShape | undefined {
  return command.commands.find((child) => child.name === name || child.aliases.includes(name));
}

async function optionValues(
  env: Env,
  option: OptionShape,
  typedProfile: string | null,
): Promise<Candidate[]> {
  if (option.choices) {
    return option.choices.map((choice) => ({ value: choice, description: option.description }));
  }
  const dynamic = option.long ? dynamicValues[option.long] : undefined;
  return dynamic ? await dynamic(env, typedProfile) : [];
}

function startingWith(candidates: Candidate[], current: string): Candidate[] {
  return candidates.filter((candidate) => candidate.value.startsWith(current));
}

/**
 * `twg __complete …`: prints the candidates from `program` (the command
 * tree's shape); prints nothing rather than fail.
 */
export async function runComplete(
  env: Env,
  program: CommandShape,
  args: string[],
): Promise<void> {
  const count = Number(args[0]);
  if (!Number.isInteger(count) || count < 0) return;
  const words = args.slice(1, 1 + count);
  const current = args[1 + count] ?? "";
  let completion: Completion;
  try {
    completion = await complete(env, program, words, current);
  } catch {
    // A Tab never shows an error.
    return;
  }
  env.stdout.write(
    completion.candidates.map((candidate) =>
      `${candidate.value}\t${candidate.description.replace(/\s+/g, " ")}\n`
    ).join("") +
      // A last line the scripts read as "complete paths here" (cobra's
      // ShellCompDirective does the same for gh); without it, no file names.
      (completion.wantsPaths ? ":paths\n" : ""),
  );
}
