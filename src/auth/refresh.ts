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
 * This module is step 1, the policy of when; steps 2 and 3 (where the
 * exchange runs) are `refresh_due.ts`, loaded only once a refresh is due, so
 * that a fresh token, nearly every `auth token`, loads no preflight, lock,
 * child or grant (bench/); steps 4 to 6 are `refresh_transaction.ts`. The
 * fault model behind each step is in docs/fault-model.md.
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
import type { RefreshReason } from "./refresh_child_message.ts";
import type { RefreshOptions, RefreshResult } from "./refresh_transaction.ts";
import { readSignedIn, type SignedIn } from "./signed_in.ts";

export type { RefreshOptions, RefreshReason, RefreshResult, SignedIn };

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
  const { refreshDue } = await import("./refresh_due.ts");
  return await refreshDue(env, paths, initial.tokens, isDue, options);
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
