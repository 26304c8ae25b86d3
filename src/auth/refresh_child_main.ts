/**
 * The child side of `refreshInChild` (`refresh_child.ts`): `twg __refresh-child`, its
 * request on stdin, its answer on stdout. Apart from the caller's module so
 * that the refresh path and the child do not import each other.
 *
 * @module
 */
import { KeyringUnavailableError } from "../credentials/keyring.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import type { Env } from "../env.ts";
import { exitProcess } from "../env_deno.ts";
import { TwgError } from "../errors.ts";
import { refreshTransaction } from "./refresh.ts";
import { type ChildAnswer, childLimitMs, type ChildRequest } from "./refresh_child.ts";

/** The child side: `twg __refresh-child`, its request on stdin, its answer on stdout. */
export async function runRefreshChild(env: Env): Promise<void> {
  // Whoever signals it, the save is finished first; the watchdog bounds it.
  env.shieldFromSignals?.();
  const watchdog = setTimeout(() => void exitProcess(1), childLimitMs);
  try {
    const line = await env.readLine("");
    const request = JSON.parse(line ?? "") as ChildRequest;
    let answer: ChildAnswer;
    try {
      const result = await refreshTransaction(env, request.paths, {
        force: request.force,
        dueWithinMs: request.dueWithinMs,
        lockNonce: request.lockNonce,
      });
      answer = { ok: true, refreshed: result.refreshed, reason: result.reason };
    } catch (error) {
      answer = { ok: false, error: describe(error, request.paths.dir) };
    }
    // The caller may be gone (killed): its pipe is then closed and the write
    // fails, which changes nothing, the save is done.
    try {
      env.stdout.write(JSON.stringify(answer) + "\n");
    } catch {
      // Nobody is listening.
    }
  } finally {
    clearTimeout(watchdog);
  }
}

function describe(error: unknown, configDir: string): Extract<ChildAnswer, { ok: false }>["error"] {
  if (error instanceof TwgError) {
    return {
      name: error.name,
      message: error.message,
      exitCode: error.exitCode,
      code: error.code,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
      ...(error instanceof StoreNotWritableError ? { configDir } : {}),
      ...(error instanceof KeyringUnavailableError
        ? { keyring: { problem: error.problem, fix: error.fix } }
        : {}),
    };
  }
  return { name: "Error", message: (error as Error)?.message ?? String(error), exitCode: 1 };
}
