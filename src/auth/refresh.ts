/**
 * The refresh path, the heart of twg: never spend a refresh token whose
 * replacement cannot be saved.
 *
 * 1. Read the credentials; rotate only when due (75% of the lifetime) or forced.
 * 2. Prove the store can be replaced atomically (permissions and a real probe).
 * 3. Hand the rest to a detached child (`refresh_parent_side.ts`) that outlives a
 *    kill of this process and its group, and wait for its answer.
 * 4. Take the cross-process lock; adopt a save a killed or failed run left
 *    behind; re-read: another process may have rotated.
 * 5. Reserve the temporary file (every byte and descriptor the save needs),
 *    then ask the token endpoint.
 * 6. Overwrite in place, flush, rename over `auth.conf`, flush the directory;
 *    release the lock.
 *
 * This module is the policy (steps 1 to 3: when, and where the exchange
 * runs); steps 4 to 6 are `refresh_transaction.ts`. The fault model behind
 * each step is in docs/fault-model.md.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { AuthExpiredError, AuthRequiredError } from "../errors.ts";
import {
  expiresAtMs,
  isExpired,
  isRefreshDue,
  type OAuthTokens,
} from "../credentials/auth_conf.ts";
import { acquireLock } from "../credentials/lock.ts";
import { assertStoreWritable } from "../credentials/preflight.ts";
import { backendOf, readKeyOrFail } from "../credentials/keyring.ts";
import { refreshInChild, type RefreshReason } from "./refresh_parent_side.ts";
import {
  lockOptions,
  readSignedIn,
  type RefreshOptions,
  type RefreshResult,
  refreshTransaction,
  type SignedIn,
} from "./refresh_transaction.ts";

export type { RefreshOptions, RefreshReason, RefreshResult, SignedIn };
export { readSignedIn, refreshTransaction };

/**
 * Returns usable credentials, rotating the refresh token first when a refresh
 * is due (or forced). Throws `StoreNotWritableError` (exit 4) before any
 * request when the result could not be saved.
 *
 * @example
 * ```ts ignore
 * import { configPaths, createProcessEnv, refreshIfDue, StoreNotWritableError } from "@twg/cli";
 *
 * const env = createProcessEnv();
 * try {
 *   const { tokens } = await refreshIfDue(env, configPaths(env));
 *   await fetch("https://api.example.com/me", {
 *     headers: { authorization: `Bearer ${tokens.accessToken}` },
 *   });
 * } catch (error) {
 *   if (!(error instanceof StoreNotWritableError)) throw error;
 *   // A sandbox that cannot write the config dir: nothing was sent.
 * }
 * ```
 */
export async function refreshIfDue(
  env: Env,
  paths: ConfigPaths,
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  const force = options.force ?? false;
  const initial = await readSignedIn(env, paths);
  if (initial.tokens.method === "token") return givenTokenAsIs(env, initial, force);
  const isDue = (tokens: OAuthTokens) =>
    isRefreshDue(tokens, env.now() + (options.dueWithinMs ?? 0));
  if (!force && !isDue(initial.tokens)) {
    return { ...initial, refreshed: false, reason: "fresh" };
  }
  await assertStoreWritable(env, paths.dir, paths.authConf);
  // The keyring backend: the addon, the service and the key, proven before a child starts.
  if (backendOf(initial.tokens.refreshToken) === "keyring") {
    await readKeyOrFail(env, paths.dir);
  }
  if (!options.inProcess && !env.testHooks?.refreshInProcess) {
    const outcome = await handOff(env, paths, initial.tokens, force, isDue, options);
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

/**
 * A token stored by `login --with-token` has no refresh token: it is used
 * until it expires (when that is known), and nothing is ever sent.
 */
function givenTokenAsIs(env: Env, signedIn: SignedIn, force: boolean): RefreshResult {
  const hint = 'Run "twg login" to sign in with a refresh token';
  if (force) {
    throw new AuthRequiredError(
      'The stored token was given with "twg login --with-token" and cannot be refreshed',
      hint,
    );
  }
  const { tokens } = signedIn;
  if (tokens.expiresIn > 0 && isExpired(tokens, env.now())) {
    throw new AuthExpiredError(
      `The token given with "twg login --with-token" expired at ${
        new Date(expiresAtMs(tokens)).toISOString()
      }`,
      hint,
    );
  }
  return { ...signedIn, refreshed: false, reason: "fresh" };
}
