/**
 * How a failure is answered: the message and the next step on stderr, the
 * error document or event on stdout under `--json`, and the contract's exit
 * code. Loaded by `src/main.ts` only when a command fails.
 *
 * @module
 */
import type { Env } from "./env.ts";
import { permissionDenialOf } from "./env_deno.ts";
import { findPermissionDenial, permissionDenialError } from "./permission_denial.ts";
import { ExitCode, isAbortError, PassedThroughExit, ReportedError, TwgError } from "./errors.ts";
import { StoreNotWritableError } from "./credentials/preflight.ts";
import { styleFor } from "./ui/style.ts";
import { terminalSafeLines } from "./ui/terminal_text.ts";
import { withoutHeaderValues } from "./oauth/token_syntax.ts";
import { writeJsonError } from "./json_documents.ts";

/** commander's own errors (unknown option, help shown, …) carry a `commander.*` code. */
function isCommanderError(
  error: unknown,
): error is Error & { code: string; exitCode: number; hint?: string } {
  return error instanceof Error &&
    String((error as { code?: unknown }).code).startsWith("commander.");
}

/**
 * Reports `error`, thrown by the command `args` ran, and returns its exit
 * code.
 */
export async function reportError(env: Env, error: unknown, args: string[]): Promise<number> {
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
      args,
      {
        code: "usage",
        message: suggestion ? `${message} ${suggestion}` : message,
        hint: error.hint ?? 'Run "twg --help" for usage',
      },
    );
    return ExitCode.usage;
  }
  if (isAbortError(error)) {
    env.stderr.write("\nInterrupted; nothing was saved.\n");
    writeJsonError(
      env,
      args,
      {
        code: "interrupted",
        message: "Interrupted; nothing was saved",
        hint: null,
      },
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
      args,
      { code: error.code, message: error.message, hint },
      error.jsonDocument,
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
    args,
    {
      code: "unexpected",
      message: `Unexpected error: ${message}`,
      hint: "Run again with TWG_DEBUG=1 for details, and please report it",
    },
  );
  return ExitCode.failure;
}

function isDebug(env: Env): boolean {
  return env.getVar("TWG_DEBUG") === "1";
}
