/**
 * The `twg` executable: runs the command tree and maps every outcome to the
 * contract's exit codes. The only place that exits.
 *
 * @module
 */
import type { Env } from "./env.ts";
import { createProcessEnv, exitProcess, processArgs, unreadableOwnDirectory } from "./env_deno.ts";
import { ExitCode, UsageError } from "./errors.ts";
import { type PermissionDenial, permissionDenialError } from "./permission_denial.ts";
import { writeJsonError } from "./json_documents.ts";
import { terminalSafeOutput } from "./ui/terminal_text.ts";
import { versionLine } from "./version.ts";

/**
 * Commands run without loading the parser and the command tree: `auth token`
 * is in the hot path of every script and agent, `upkeep run` runs 120 times a
 * day, `--version` and `auth status` are what people type, and the parser is
 * most of their start-up (under Deno, commander is CommonJS and starts the
 * Node compatibility layer: see bench/README.md). Only the exact argv
 * matches; anything else, other flags and `--help` included, goes through the
 * tree. Each is imported when run, so that none loads another's modules (the
 * update check stays off the token path).
 */
const fastPaths: Record<string, (env: Env) => Promise<void>> = {
  "auth token": async (env) => (await import("./auth/token.ts")).runAuthToken(env),
  "auth token --json": async (env) =>
    (await import("./auth/token.ts")).runAuthToken(env, { format: "json" }),
  "auth token --format env": async (env) =>
    (await import("./auth/token.ts")).runAuthToken(env, { format: "env" }),
  "auth status": async (env) =>
    (await import("./commands/auth_status.ts")).runAuthStatus(env, { json: false }),
  "auth status --json": async (env) =>
    (await import("./commands/auth_status.ts")).runAuthStatus(env, { json: true }),
  "--version": printVersion,
  "-v": printVersion,
  "version": printVersion,
  "upkeep run": async (env) => (await import("./upkeep/run.ts")).runScheduledUpkeep(env),
  // Hidden: the detached half of a refresh (src/auth/refresh_child_side.ts).
  "__refresh-child": runRefreshChildBounded,
};

/**
 * Whether `args` run without the command tree. The npm build starts a small
 * bundle without the tree for these, and the whole CLI for anything else.
 */
export function isFastPath(args: string[]): boolean {
  return Object.hasOwn(fastPaths, args.join(" "));
}

function printVersion(env: Env): Promise<void> {
  env.stdout.write(`${versionLine(env)}\n`);
  return Promise.resolve();
}

/**
 * The refresh child, ended here after `childLimitMs` whatever it waits for
 * (a hung keyring, a stalled disk): main is the one place that exits.
 */
async function runRefreshChildBounded(env: Env): Promise<void> {
  const [{ runRefreshChild }, { childLimitMs }] = await Promise.all([
    import("./auth/refresh_child_side.ts"),
    import("./auth/refresh_parent_side.ts"),
  ]);
  const watchdog = setTimeout(() => void exitProcess(1), childLimitMs);
  try {
    await runRefreshChild(env);
  } finally {
    clearTimeout(watchdog);
  }
}

/**
 * Runs `args` and returns the exit code; prints errors on stderr. Never
 * exits: the caller decides what the code means (the `twg` executable exits
 * with it).
 *
 * @example
 * ```ts
 * import { createProcessEnv, runCli } from "@twg/cli";
 *
 * const code = await runCli(createProcessEnv(), ["--version"]); // prints "twg 0.1.0 (deno …)"
 * if (code !== 0) throw new Error(`twg --version exited ${code}`);
 * ```
 */
export async function runCli(processEnv: Env, argv: string[]): Promise<number> {
  const { profile, args, problem } = takeProfileFlag(argv);
  // Fixed on it below once a profile is chosen: the error report names that profile's files.
  let env = withSafeOutput(processEnv, args);
  // Said before any module is loaded: loading the error report would fail too.
  const unreadable = unreadableOwnDirectory();
  if (unreadable) return refuseUnreadableSelf(env, unreadable, args);
  try {
    if (problem) throw problem;
    const fastPath = isFastPath(args) ? fastPaths[args.join(" ")] : undefined;
    if (fastPath) {
      env = await selectProfile(env, profile, args);
      await fastPath(env);
    } else if (!(await (await import("./snapshot_answers.ts")).answerFromSnapshot(env, args))) {
      // Help and each Tab were answered from the generated tree, without
      // commander and without choosing a profile (completion chooses one
      // only to offer a store's sites).
      const { buildCli } = await import("./cli.ts");
      env = await selectProfile(env, profile, args);
      await (await buildCli(env, args)).parseAsync(args, { from: "user" });
    }
    return ExitCode.ok;
  } catch (error) {
    // Loaded only on failure: no command that succeeds pays for the report.
    const { reportError } = await import("./report_error.ts");
    return await reportError(env, error, args);
  } finally {
    await showPendingUpdateNotice(env, args);
  }
}

/** The runtime may not read twg's own modules, which load as they are first needed: say which flag. */
function refuseUnreadableSelf(env: Env, denial: PermissionDenial, args: string[]): number {
  const error = permissionDenialError(denial);
  const message = `${error.message} (twg's own files)`;
  env.stderr.write(`✖ ${message}\n${error.hint}\n`);
  writeJsonError(env, args, { code: error.code, message, hint: error.hint ?? null });
  return ExitCode.failure;
}

/**
 * Commands that choose no profile: the version reads no store, and the
 * refresh child is handed its paths by its parent.
 */
const storeFreeCommands = new Set(["--version", "-v", "version", "__refresh-child"]);

/** `argv` without `--profile`, the profile it names, and what is wrong with the flag. */
interface ProfileFlag {
  profile: string | null;
  args: string[];
  problem: UsageError | null;
}

/**
 * Takes `--profile NAME` (or `--profile=NAME`, anywhere before `--`) out of
 * `argv`: every command, the fast paths included, then sees the same store.
 * `auth switch` keeps the flag too: it changes the choice. The words of a
 * Tab (`__complete`) are what was typed, the flag included: they stay.
 */
function takeProfileFlag(argv: string[]): ProfileFlag {
  if (argv[0] === "__complete") return { profile: null, args: argv, problem: null };
  const end = argv.indexOf("--");
  const scanned = end < 0 ? argv.length : end;
  let profile: string | null = null;
  const args: string[] = [];
  const isSwitch = argv[0] === "auth" && argv[1] === "switch";
  for (let index = 0; index < argv.length; index++) {
    const arg = argv[index]!;
    if (index < scanned && arg === "--profile") {
      const value = argv[index + 1];
      if (value === undefined || index + 1 >= scanned || value.startsWith("-")) {
        const problem = new UsageError(
          "option '--profile <name>' argument missing",
          'Run "twg --help" for usage',
        );
        return { profile: null, args: [...args, ...argv.slice(index + 1)], problem };
      }
      profile = value;
      index++;
      if (isSwitch) args.push(arg, value);
    } else if (index < scanned && arg.startsWith("--profile=")) {
      profile = arg.slice("--profile=".length);
      if (isSwitch) args.push(arg);
    } else args.push(arg);
  }
  return { profile, args, problem: null };
}

/**
 * `env` with the chosen profile fixed on it (`src/config/profiles.ts`). Only
 * the choice itself is loaded here: the hot path stays small.
 */
async function selectProfile(env: Env, flag: string | null, args: string[]): Promise<Env> {
  // No choice to make, and nothing more to load.
  if (flag === null && storeFreeCommands.has(args.join(" "))) return env;
  // The saved choices are read only when neither the flag nor TWG_PROFILE chose.
  const { chooseProfile, withProfile } = await import("./config/profiles.ts");
  const chosen = await chooseProfile(env, flag);
  return withProfile(env, chosen.name);
}

/**
 * `env` whose stderr, and stdout unless it carries data, pass the one
 * sanitiser (`src/ui/terminal_text.ts`): whatever a server said reaches no
 * terminal, log or completion menu with its control characters. The
 * prototype keeps the lazy members of `env` lazy.
 */
function withSafeOutput(env: Env, args: string[]): Env {
  const isData = args[0] === "api" || (args[0] === "auth" && args[1] === "token") ||
    args[0] === "exec" || args[0] === "__refresh-child";
  return Object.create(env, {
    stderr: { value: terminalSafeOutput(env.stderr), enumerable: true },
    stdout: { value: isData ? env.stdout : terminalSafeOutput(env.stdout), enumerable: true },
  });
}

/**
 * An update notification that upkeep could not show natively is shown once,
 * here, on a person's terminal (the module checks agents, `--json` and
 * `NO_UPDATE_NOTIFIER`); scripts never load it.
 */
async function showPendingUpdateNotice(env: Env, args: string[]): Promise<void> {
  if (
    !env.stdout.isTerminal || !env.stderr.isTerminal ||
    ["update", "upgrade", "uninstall"].includes(args[0] ?? "")
  ) return;
  const { pendingUpdateNotice } = await import("./update/notice.ts");
  const notice = await pendingUpdateNotice(env, { json: args.includes("--json") });
  if (notice) env.stderr.write(`${notice}\n`);
}

if (import.meta.main) {
  const env = createProcessEnv();
  await exitProcess(await runCli(env, processArgs()));
}
