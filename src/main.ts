/**
 * The `twg` executable: runs the command tree and maps every outcome to the
 * contract's exit codes. The only place that exits.
 *
 * @module
 */
import type { Env } from "./env.ts";
import { createProcessEnv, exitProcess, permissionDenialOf, processArgs } from "./env_deno.ts";
import { findPermissionDenial, permissionDenialError } from "./permission_denial.ts";
import {
  ExitCode,
  isAbortError,
  PassedThroughExit,
  ReportedError,
  TwgError,
  UsageError,
} from "./errors.ts";
import { StoreNotWritableError } from "./credentials/preflight.ts";
import { styleFor } from "./ui/style.ts";
import { terminalSafeLines, terminalSafeOutput } from "./ui/terminal_text.ts";
import { withoutHeaderValues } from "./oauth/token_syntax.ts";
import { commandOf, jsonDocument, type JsonError, schemaVersion } from "./json_documents.ts";
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
export async function runCli(processEnv: Env, args: string[]): Promise<number> {
  let env = withSafeOutput(processEnv, args);
  try {
    ({ env, args } = await selectProfile(env, args));
    const fastPath = isFastPath(args) ? fastPaths[args.join(" ")] : undefined;
    if (fastPath) {
      await fastPath(env);
    } else {
      const { buildCli } = await import("./cli.ts");
      if (args[0] === "__complete") {
        // Each Tab of a completion script: the part of the tree the typed
        // words reach, but not the parser's errors.
        const { runComplete } = await import("./completion/complete.ts");
        const typed = args.slice(2, 2 + Math.max(0, Number(args[1]) || 0));
        await runComplete(env, await buildCli(env, typed), args.slice(1));
      } else {
        await (await buildCli(env, args)).parseAsync(args, { from: "user" });
      }
    }
    return ExitCode.ok;
  } catch (error) {
    return await reportError(env, error, jsonOutputOf(args), commandOf(args));
  } finally {
    await showPendingUpdateNotice(env, args);
  }
}

/** Commands that read no store, so need no profile chosen (the version's fast paths). */
const storeFreeCommands = new Set(["--version", "-v", "version"]);

/**
 * Takes `--profile NAME` (or `--profile=NAME`, anywhere before `--`) out of
 * `args` and fixes the chosen profile on `env` (`src/config/profiles.ts`),
 * so every command, the fast paths included, sees the same store. Only the
 * choice itself is loaded here: the hot path stays small.
 */
async function selectProfile(env: Env, args: string[]): Promise<{ env: Env; args: string[] }> {
  const end = args.indexOf("--");
  const scanned = end < 0 ? args.length : end;
  let flag: string | null = null;
  const rest: string[] = [];
  // `auth switch --profile NAME` also reads the flag: it changes the choice.
  const isSwitch = args[0] === "auth" && args[1] === "switch";
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (index < scanned && arg === "--profile") {
      const value = args[index + 1];
      if (value === undefined || index + 1 >= scanned || value.startsWith("-")) {
        throw new UsageError(
          "option '--profile <name>' argument missing",
          'Run "twg --help" for usage',
        );
      }
      flag = value;
      index++;
      if (isSwitch) rest.push(arg, value);
    } else if (index < scanned && arg.startsWith("--profile=")) {
      flag = arg.slice("--profile=".length);
      if (isSwitch) rest.push(arg);
    } else rest.push(arg);
  }
  // The version touches no store: no choice to make, and nothing more to load.
  if (flag === null && storeFreeCommands.has(rest.join(" "))) return { env, args: rest };
  // The saved choices are read only when neither the flag nor TWG_PROFILE chose.
  const { chooseProfile, withProfile } = await import("./config/profiles.ts");
  const chosen = await chooseProfile(env, flag);
  return { env: withProfile(env, chosen.name), args: rest };
}

/**
 * `env` whose stderr, and stdout unless it carries data, pass the one
 * sanitiser (`src/ui/terminal_text.ts`): whatever a server said reaches no
 * terminal, log or completion menu with its control characters. The
 * prototype keeps the lazy members of `env` lazy.
 */
function withSafeOutput(env: Env, argv: string[]): Env {
  // The command's words, whatever --profile stands before them.
  const args = argv.filter((arg, index) =>
    arg !== "--profile" && argv[index - 1] !== "--profile" && !arg.startsWith("--profile=")
  );
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

/** commander's own errors (unknown option, help shown, …) carry a `commander.*` code. */
function isCommanderError(
  error: unknown,
): error is Error & { code: string; exitCode: number; hint?: string } {
  return error instanceof Error &&
    String((error as { code?: unknown }).code).startsWith("commander.");
}

/**
 * How a failure must be answered on stdout: `"document"` when `--json` was
 * given (one JSON document), `"events"` for `login --json` (one more JSON
 * line, an `error` event), `null` otherwise. Read from the argv rather than
 * the parsed options because a parse error has no parsed options; anything
 * after `--` is an operand, not a flag.
 */
export function jsonOutputOf(args: string[]): "document" | "events" | null {
  const end = args.indexOf("--");
  if (!(end < 0 ? args : args.slice(0, end)).includes("--json")) return null;
  return args[0] === "login" ? "events" : "document";
}

export type { JsonError };

function writeJsonError(
  env: Env,
  mode: "document" | "events" | null,
  error: JsonError,
  document: Record<string, unknown> = {},
  command = "",
): void {
  if (mode === "events") {
    env.stdout.write(JSON.stringify({ schemaVersion, event: "error", error }) + "\n");
  } else if (mode === "document") {
    // The command's whole shape, as on success: a script reads the same fields either way.
    env.stdout.write(JSON.stringify(jsonDocument(command, document, error), null, 2) + "\n");
  }
}

async function reportError(
  env: Env,
  error: unknown,
  json: "document" | "events" | null,
  command: string,
): Promise<number> {
  // `twg exec`: the command's own status, nothing of twg's to say.
  if (error instanceof PassedThroughExit) return error.exitCode;
  if (isCommanderError(error)) {
    // Help and version end here too, successfully. The message itself was
    // printed by the tree's outputError, in twg's own style (see cli.ts).
    if (error.exitCode === 0) return ExitCode.ok;
    const [message = "", ...rest] = error.message.replace(/^error: /, "").split("\n");
    const suggestion = rest.join(" ").trim();
    writeJsonError(
      env,
      json,
      {
        code: "usage",
        message: suggestion ? `${message} ${suggestion}` : message,
        hint: error.hint ?? 'Run "twg --help" for usage',
      },
      {},
      command,
    );
    return ExitCode.usage;
  }
  if (isAbortError(error)) {
    env.stderr.write("\nInterrupted; nothing was saved.\n");
    writeJsonError(
      env,
      json,
      {
        code: "interrupted",
        message: "Interrupted; nothing was saved",
        hint: null,
      },
      {},
      command,
    );
    return ExitCode.interrupted;
  }
  const style = styleFor(env, env.stderr);
  if (error instanceof ReportedError) return error.exitCode;
  // A runtime permission twg was not given is expected under least-privilege
  // flags, wherever it surfaces: say which flag grants it.
  const denial = error instanceof TwgError ? null : findPermissionDenial(error, permissionDenialOf);
  if (denial) error = permissionDenialError(denial, error);
  if (error instanceof TwgError) {
    env.stderr.write(`${style.error("✖")} ${terminalSafeLines(error.message)}\n`);
    let hint = error.hint ?? null;
    if (error instanceof StoreNotWritableError) {
      const { storeNotWritableGuidance } = await import("./agents/store_guidance.ts");
      const guidance = await storeNotWritableGuidance(env, error);
      env.stderr.write(guidance);
      hint ??= guidance.trim() || null;
    }
    if (error.hint) env.stderr.write(`${terminalSafeLines(error.hint)}\n`);
    if (isDebug(env) && error.cause) {
      env.stderr.write(`${String((error.cause as Error).stack ?? error.cause)}\n`);
    }
    writeJsonError(
      env,
      json,
      { code: error.code, message: error.message, hint },
      error.jsonDocument,
      command,
    );
    return error.exitCode;
  }
  // A programmer mistake: say so, with the stack only when asked. A runtime
  // error about a header quotes its value (Deno: `Invalid header value:
  // "Bearer …"`; Node: `Headers.append: "Bearer …" is an invalid header
  // value.`, both checked here), so a message about a
  // header is never shown, whatever the cause.
  const message = withoutHeaderValues(
    terminalSafeLines((error as Error)?.message ?? String(error)),
  );
  env.stderr.write(`${style.error("✖")} Unexpected error: ${message}\n`);
  if (isDebug(env)) env.stderr.write(`${withoutHeaderValues((error as Error)?.stack ?? "")}\n`);
  else env.stderr.write("Run again with TWG_DEBUG=1 for details, and please report it.\n");
  writeJsonError(
    env,
    json,
    {
      code: "unexpected",
      message: `Unexpected error: ${message}`,
      hint: "Run again with TWG_DEBUG=1 for details, and please report it",
    },
    {},
    command,
  );
  return ExitCode.failure;
}

function isDebug(env: Env): boolean {
  return env.getVar("TWG_DEBUG") === "1";
}

if (import.meta.main) {
  const env = createProcessEnv();
  await exitProcess(await runCli(env, processArgs()));
}
