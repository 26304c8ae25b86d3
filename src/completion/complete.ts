/**
 * `twg __complete`: the candidates for the word being completed, computed
 * from commander's own command tree (never a second list of commands and
 * flags), as cobra's `__complete` does for gh. Every shell script that
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
import type { CommandUnknownOpts, Option } from "@commander-js/extra-typings";
import { configPaths } from "../config/paths.ts";
import type { Site } from "../credentials/auth_conf.ts";
import { readCredentials } from "../credentials/store.ts";
import type { Env } from "../env.ts";

/** One completion candidate. */
export interface Candidate {
  value: string;
  description: string;
}

/**
 * Values twg knows at completion time but that are not in the tree:
 * `--site` completes the sites of the stored sign-in. Choices declared with
 * commander's `.choices()` (`--os`, `completion <shell>`) need no entry here.
 */
const dynamicValues: Record<string, (env: Env) => Promise<Candidate[]>> = {
  "--site": storedSites,
};

async function storedSites(env: Env): Promise<Candidate[]> {
  const credentials = await readCredentials(env, configPaths(env).authConf).catch(() => null);
  // `sites` is the list `auth switch` chooses from, where the store has it.
  const listed = (credentials as { sites?: Site[] } | null)?.sites ?? [];
  const sites = [...(credentials?.site ? [credentials.site] : []), ...listed];
  const unique = new Map(sites.map((site) => [site.id, site]));
  return [...unique.values()].map((site) => ({ value: site.id, description: site.name }));
}

/** The candidates for `current`, after `words` (the words typed after `twg`). */
export async function completeWords(
  env: Env,
  program: CommandUnknownOpts,
  words: string[],
  current: string,
): Promise<Candidate[]> {
  let command = program;
  let awaitingValue: Option | null = null;
  let positionals = 0;
  let isAfterDashDash = false;
  for (const word of words) {
    if (awaitingValue) {
      // bash splits `--os=linux` at COMP_WORDBREAKS' "=" into three words.
      if (word !== "=") awaitingValue = null;
      continue;
    }
    if (!isAfterDashDash && word === "--") {
      isAfterDashDash = true;
    } else if (!isAfterDashDash && word.startsWith("-") && word !== "-") {
      const option = word.includes("=") ? null : findOption(command, word);
      if (option && (option.required || option.optional)) awaitingValue = option;
    } else {
      const subcommand = positionals === 0 ? findSubcommand(command, word) : undefined;
      if (subcommand) command = subcommand;
      else positionals++;
    }
  }
  if (awaitingValue) return startingWith(await optionValues(env, awaitingValue), current);
  if (!isAfterDashDash && current.startsWith("--") && current.includes("=")) {
    const equals = current.indexOf("=");
    const option = findOption(command, current.slice(0, equals));
    if (!option) return [];
    const values = await optionValues(env, option);
    return startingWith(
      values.map((value) => ({ ...value, value: `${current.slice(0, equals + 1)}${value.value}` })),
      current,
    );
  }
  const help = command.createHelp();
  if (!isAfterDashDash && current.startsWith("-")) {
    const flags = help.visibleOptions(command).flatMap((option) =>
      [option.long, option.short].filter((flag): flag is string => Boolean(flag)).map((flag) => ({
        value: flag,
        description: option.description,
      }))
    );
    return startingWith(flags, current);
  }
  const candidates: Candidate[] = [];
  if (positionals === 0) {
    for (const subcommand of help.visibleCommands(command)) {
      candidates.push({ value: subcommand.name(), description: subcommand.description() });
    }
  }
  const argument = command.registeredArguments[positionals] ??
    (command.registeredArguments.at(-1)?.variadic ? command.registeredArguments.at(-1) : undefined);
  for (const choice of argument?.argChoices ?? []) {
    candidates.push({ value: choice, description: argument!.description });
  }
  return startingWith(candidates, current);
}

function findOption(command: CommandUnknownOpts, flag: string): Option | null {
  for (let at: CommandUnknownOpts | null = command; at; at = at.parent) {
    const help = at.createHelp();
    const option = help.visibleOptions(at).find((option) =>
      option.long === flag || option.short === flag
    );
    if (option) return option;
  }
  return null;
}

function findSubcommand(
  command: CommandUnknownOpts,
  name: string,
): CommandUnknownOpts | undefined {
  return command.commands.find((child) => child.name() === name || child.aliases().includes(name));
}

async function optionValues(env: Env, option: Option): Promise<Candidate[]> {
  if (option.argChoices) {
    return option.argChoices.map((choice) => ({ value: choice, description: option.description }));
  }
  const dynamic = option.long ? dynamicValues[option.long] : undefined;
  return dynamic ? await dynamic(env) : [];
}

function startingWith(candidates: Candidate[], current: string): Candidate[] {
  return candidates.filter((candidate) => candidate.value.startsWith(current));
}

/**
 * `twg __complete …`: prints the candidates from `program` (twg's command
 * tree, built by the caller); prints nothing rather than fail.
 */
export async function runComplete(
  env: Env,
  program: CommandUnknownOpts,
  args: string[],
): Promise<void> {
  const count = Number(args[0]);
  if (!Number.isInteger(count) || count < 0) return;
  const words = args.slice(1, 1 + count);
  const current = args[1 + count] ?? "";
  let candidates: Candidate[];
  try {
    candidates = await completeWords(env, program, words, current);
  } catch {
    // A Tab never shows an error; the shell falls back to file names.
    return;
  }
  env.stdout.write(
    candidates.map((candidate) =>
      `${candidate.value}\t${candidate.description.replace(/\s+/g, " ")}\n`
    ).join(""),
  );
}
