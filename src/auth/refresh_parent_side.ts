/**
 * A refresh that outlives its caller. Once a refresh token is about to be
 * sent, the exchange and the save run in a child started in a session and
 * process group of its own (setsid), with stdin and stdout as pipes to this
 * process and stderr discarded: closing the terminal (SIGHUP), Ctrl-C, or an
 * agent killing the caller's whole process group at its timeout (SIGKILL)
 * does not reach it. The child holds the lock, sends, saves, writes one JSON
 * line of outcome (never a token) and exits; the caller waits for that line
 * and re-reads `auth.conf`.
 *
 * This is the parent's side. The child is `twg __refresh-child`
 * (`refresh_child_side.ts`), started the way this process was
 * (`Env.selfCommand`: the same runtime, entry and permission flags, never
 * more). It is bounded: the lock wait (30 s), three requests of 15 s at most
 * with their backoff, and a watchdog that ends it after {@link childLimitMs}.
 * Where no child can be started (no run permission, as under the upkeep
 * launcher), the transaction runs in-process.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import type { Env, SelfCommand } from "../env.ts";
import { TwgError } from "../errors.ts";
import {
  type ChildRequest,
  errorOfFailure,
  parseChildAnswer,
  refreshMessageVersion,
  type RefreshReason,
} from "./refresh_child_message.ts";

export type { RefreshReason };

/** The hidden argv that runs the child side; `src/main.ts` dispatches it. */
export const refreshChildCommand = "__refresh-child";

/** The child is ended after this long, whatever it is waiting for (by `src/main.ts`). */
export const childLimitMs = 150_000;

/**
 * Runs steps 4–6 of the refresh in a detached child and waits for it; the
 * caller re-reads `auth.conf` for the tokens. Resolves to null when no child
 * could be started (nothing was sent): the caller then runs the transaction
 * itself.
 */
export async function refreshInChild(
  env: Env,
  paths: ConfigPaths,
  self: SelfCommand,
  request: { force: boolean; dueWithinMs: number; lockNonce: string },
): Promise<{ refreshed: boolean; reason: RefreshReason } | null> {
  const input: ChildRequest = { version: refreshMessageVersion, paths, ...request };
  const result = await env.run(self.command, [...self.args, refreshChildCommand], {
    input: JSON.stringify(input) + "\n",
    newSession: true,
  });
  const answer = parseChildAnswer(result.stdout);
  if (!answer) {
    // 126/127: the program could not be started at all, so nothing was sent.
    if (result.code === 126 || result.code === 127) return null;
    throw new TwgError(
      `The refresh process ended without an answer (exit ${result.code}); ` +
        "whatever it saved is in auth.conf",
      { hint: 'Run the command again; "twg auth status" shows the stored sign-in' },
    );
  }
  if (answer.outcome === "failed") throw errorOfFailure(answer.failure);
  return { refreshed: answer.refreshed, reason: answer.reason };
}
