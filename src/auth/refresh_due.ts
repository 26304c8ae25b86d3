/**
 * Steps 2 and 3 of the refresh (see `refresh.ts`), once one is due: prove
 * the store can be replaced (permissions, a real probe, and for the keyring
 * backend the key), then hand the exchange to a detached child, or run it
 * in this process where no child can be started.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import type { OAuthTokens } from "../credentials/auth_conf.ts";
import { acquireLock } from "../credentials/lock.ts";
import { assertStoreWritable } from "../credentials/preflight.ts";
import { backendOf, readKeyOrFail } from "../credentials/keyring.ts";
import { refreshInChild } from "./refresh_parent_side.ts";
import {
  lockOptions,
  type RefreshOptions,
  type RefreshResult,
  refreshTransaction,
} from "./refresh_transaction.ts";
import { readSignedIn } from "./signed_in.ts";

/**
 * Refreshes `tokens`, due (or forced) as `refreshIfDue` found them; throws
 * `StoreNotWritableError` (exit 4) before any request when the result could
 * not be saved.
 */
export async function refreshDue(
  env: Env,
  paths: ConfigPaths,
  tokens: OAuthTokens,
  isDue: (tokens: OAuthTokens) => boolean,
  given: RefreshOptions,
): Promise<RefreshResult> {
  const options = given.signal || !given.interruptible
    ? given
    : { ...given, signal: env.interrupt };
  const force = options.force ?? false;
  await assertStoreWritable(env, paths.dir, paths.authConf);
  // The keyring backend: the addon, the service and the key, proven before a child starts.
  if (backendOf(tokens.refreshToken) === "keyring") {
    await readKeyOrFail(env, paths.dir);
  }
  if (!options.inProcess && !env.testHooks?.refreshInProcess) {
    const outcome = await handOff(env, paths, tokens, force, isDue, options);
    if (outcome) return { ...(await readSignedIn(env, paths)), ...outcome };
  }
  return await refreshTransaction(env, paths, options);
}

/**
 * Takes the lock here (waiters wait in their own process and start no child
 * when the holder's refresh makes theirs unneeded), re-reads, and hands the
 * lock and the rest of the transaction to a detached child. Null when no
 * child can be started: the lock is released and the caller goes on
 * in-process.
 */
async function handOff(
  env: Env,
  paths: ConfigPaths,
  tokens: OAuthTokens,
  force: boolean,
  isDue: (tokens: OAuthTokens) => boolean,
  options: RefreshOptions,
): Promise<RefreshResult | null> {
  const self = await env.selfCommand?.({
    dir: paths.dir,
    tokenHost: new URL(tokens.tokenEndpoint).host,
  });
  if (!self) return null;
  const ownerUid = (await env.fs.lstat(paths.authConf).catch(() => null))?.uid;
  const lock = await acquireLock(env, paths.lock, {
    ...lockOptions(env, options.signal),
    ...(ownerUid === undefined ? {} : { ownerUid }),
  });
  try {
    // Another process may have rotated while we waited for the lock.
    const current = await readSignedIn(env, paths);
    if (!force && !isDue(current.tokens)) return { ...current, refreshed: false, reason: "fresh" };
    const outcome = await refreshInChild(env, paths, self, {
      force,
      dueWithinMs: options.dueWithinMs ?? 0,
      lockNonce: lock.nonce,
    });
    if (outcome) return { ...(await readSignedIn(env, paths)), ...outcome };
  } finally {
    // Once the child took the lock over, the file names it, and this removes nothing.
    await lock.release();
  }
  return null;
}
