/**
 * The `twg` executable: runs the command tree and maps every outcome to the
 * contract's exit codes. The only place that exits.
 *
 * @module
 */
import { runAuthToken } from "./auth/token.ts";
import { createProcessEnv, type Env, exitProcess, processArgs } from "./env.ts";
import { ExitCode, isAbortError, ReportedError, TwgError } from "./errors.ts";
import { StoreNotWritableError } from "./credentials/preflight.ts";
import { styleFor } from "./ui/style.ts";

/**
 * Commands run without loading the parser and the command tree: `auth token`
 * is in the hot path of every script and agent, `upkeep run` runs 120 times a
 * day, and the parser is most of their start-up (see bench/). Only the exact
 * argv matches; anything else, flags and `--help` included, goes through the
 * full tree. `upkeep run` is imported when run, keeping the update check's
 * modules off the token path.
 */
const fastPaths: Record<string, (env: Env) => Promise<void>> = {
  "auth token": runAuthToken,
  "upkeep run": async (env) => (await import("./upkeep/run.ts")).runScheduledUpkeep(env),
  // Hidden: the detached half of a refresh (src/auth/refresh_child.ts).
  "__refresh-child": async (env) => (await import("./auth/refresh_child.ts")).runRefreshChild(env),
};

/** Runs `args` and returns the exit code; prints errors on stderr. */
export async function runCli(env: Env, args: string[]): Promise<number> {
  try {
    const fastPath = fastPaths[args.join(" ")];
    if (fastPath) {
      await fastPath(env);
    } else {
      const { buildCli } = await import("./cli.ts");
      await buildCli(env).parseAsync(args, { from: "user" });
    }
    return ExitCode.ok;
  } catch (error) {
    return await reportError(env, error);
  } finally {
    await showPendingUpdateNotice(env, args);
  }
}

/**
 * An update notification that upkeep could not show natively is shown once,
 * here, on a person's terminal (the module checks agents, `--json` and
 * `NO_UPDATE_NOTIFIER`); scripts never load it.
 */
async function showPendingUpdateNotice(env: Env, args: string[]): Promise<void> {
  if (
    !env.stdout.isTerminal || !env.stderr.isTerminal ||
    ["update", "uninstall"].includes(args[0] ?? "")
  ) return;
  const { pendingUpdateNotice } = await import("./update/notice.ts");
  const notice = await pendingUpdateNotice(env, { json: args.includes("--json") });
  if (notice) env.stderr.write(`${notice}\n`);
}

/** commander's own errors (unknown option, help shown, …) carry a `commander.*` code. */
function isCommanderError(error: unknown): error is Error & { code: string; exitCode: number } {
  return error instanceof Error &&
    String((error as { code?: unknown }).code).startsWith("commander.");
}

async function reportError(env: Env, error: unknown): Promise<number> {
  if (isCommanderError(error)) {
    // Help and version end here too, successfully.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (isAbortError(error)) {
    env.stderr.write("\nInterrupted; nothing was saved.\n");
    return ExitCode.interrupted;
  }
  const style = styleFor(env, env.stderr);
  if (error instanceof ReportedError) return error.exitCode;
  if (error instanceof TwgError) {
    env.stderr.write(`${style.error("✖")} ${error.message}\n`);
    if (error instanceof StoreNotWritableError) {
      const { storeNotWritableGuidance } = await import("./auth/store_guidance.ts");
      env.stderr.write(await storeNotWritableGuidance(env, error));
    }
    if (error.hint) env.stderr.write(`${error.hint}\n`);
    if (isDebug(env) && error.cause) {
      env.stderr.write(`${String((error.cause as Error).stack ?? error.cause)}\n`);
    }
    return error.exitCode;
  }
  // A programmer mistake: say so, with the stack only when asked.
  env.stderr.write(
    `${style.error("✖")} Unexpected error: ${(error as Error)?.message ?? String(error)}\n`,
  );
  if (isDebug(env)) env.stderr.write(`${(error as Error)?.stack ?? ""}\n`);
  else env.stderr.write("Run again with TWG_DEBUG=1 for details, and please report it.\n");
  return ExitCode.failure;
}

function isDebug(env: Env): boolean {
  return env.getVar("TWG_DEBUG") === "1";
}

if (import.meta.main) {
  const env = createProcessEnv();
  await exitProcess(await runCli(env, processArgs()));
}
