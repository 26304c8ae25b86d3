/**
 * The `twg` executable: runs the command tree and maps every outcome to the
 * contract's exit codes. The only place that exits.
 *
 * @module
 */
import process from "node:process";
import { CommanderError } from "commander";
import { buildCli } from "./cli.ts";
import { createProcessEnv, type Env } from "./env.ts";
import { ExitCode, isAbortError, ReportedError, TwgError } from "./errors.ts";
import { StoreNotWritableError } from "./credentials/preflight.ts";
import { styleFor } from "./ui/style.ts";

/** Runs `args` and returns the exit code; prints errors on stderr. */
export async function runCli(env: Env, args: string[]): Promise<number> {
  try {
    await buildCli(env).parseAsync(args, { from: "user" });
    return ExitCode.ok;
  } catch (error) {
    return await reportError(env, error);
  }
}

async function reportError(env: Env, error: unknown): Promise<number> {
  if (error instanceof CommanderError) {
    // Help and version end here too, successfully.
    if (error.exitCode === 0) return ExitCode.ok;
    return ExitCode.usage;
  }
  if (isAbortError(error) || env.interrupt.aborted) {
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
  const code = await runCli(env, process.argv.slice(2));
  process.exit(code);
}
