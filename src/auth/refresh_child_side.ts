/**
 * The child's side of a detached refresh (the parent's is
 * `refresh_parent_side.ts`): `twg __refresh-child` reads its request on
 * stdin, runs the transaction under the lock its parent handed over, and
 * writes its typed answer on stdout (`refresh_child_message.ts`). Apart from
 * the parent's module so that the refresh path and the child do not import
 * each other. It never ends the process itself: `src/main.ts` bounds it with
 * the watchdog and exits.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { TwgError } from "../errors.ts";
import { refreshTransaction } from "./refresh_transaction.ts";
import {
  type ChildAnswer,
  doneAnswer,
  failedAnswer,
  parseChildRequest,
} from "./refresh_child_message.ts";

/** The child side: `twg __refresh-child`, its request on stdin, its answer on stdout. */
export async function runRefreshChild(env: Env): Promise<void> {
  // Whoever signals it, the save is finished first; main's watchdog bounds it.
  env.shieldFromSignals?.();
  const request = parseChildRequest(await env.readLine(""));
  if (!request) {
    throw new TwgError("The refresh child got no request it understands; nothing was sent");
  }
  let answer: ChildAnswer;
  try {
    const result = await refreshTransaction(env, request.paths, {
      force: request.force,
      dueWithinMs: request.dueWithinMs,
      lockNonce: request.lockNonce,
    });
    answer = doneAnswer(result.refreshed, result.reason);
  } catch (error) {
    answer = failedAnswer(error);
  }
  // The parent may be gone (killed): its pipe is then closed and the write
  // fails, which changes nothing, the save is done.
  try {
    env.stdout.write(JSON.stringify(answer) + "\n");
  } catch {
    // Nobody is listening.
  }
}
