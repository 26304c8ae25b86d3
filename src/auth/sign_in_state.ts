/**
 * Who is signed in, and how, worked out once: from the stored credentials
 * (or their absence), the environment's access token, and the clock. `auth
 * status`, `doctor` and `auth refresh` render it; `auth token` follows the
 * same rule (the environment's token wins) on its fast path.
 *
 * @module
 */
import {
  type Credentials,
  givenTokenExpiresAt,
  isExpired,
  isRefreshDue,
  type OAuthTokens,
  tokenTimes,
} from "../credentials/auth_conf.ts";
import { bitbucketTokenSource } from "../credentials/bitbucket_token.ts";
import { backendOf, type CredentialBackend } from "../credentials/keyring.ts";
import type { Env } from "../env.ts";
import { accessTokenVariable, envAccessToken } from "./env_token.ts";

/** See the module comment. */
export interface SignInState {
  credentials: Credentials | null;
  /** The stored OAuth tokens (null: none stored). */
  tokens: OAuthTokens | null;
  /** How the stored sign-in was made: `"token"` by `login --with-token`. */
  storedMethod: "oauth" | "token" | null;
  /** The variable whose access token wins over the store, when set. */
  envTokenVariable: string | null;
  /** Whether a stored sign-in exists that the server has not rejected. */
  isStoredUsable: boolean;
  isRejected: boolean;
  /** Whether the consent given at login has passed its absolute expiry (src/auth/consent_expiry.ts). */
  isConsentExpired: boolean;
  /** Whether twg can refresh the stored sign-in (not a given token, a refresh token kept). */
  isRefreshable: boolean;
  backend: CredentialBackend;
  /** When the stored access token expires (ISO), when known. */
  expiresAt: string | null;
  /** When a refresh is due (ISO); null for a given token. */
  refreshDueAt: string | null;
  /** Whether the stored access token has expired (null: none, or no expiry known). */
  isExpired: boolean | null;
  /** Whether a refresh is due (null: nothing to refresh). */
  isRefreshDue: boolean | null;
  /** The access token a check may use now: the environment's, or an unexpired stored one. */
  usableAccessToken: string | null;
  bitbucketToken: "env" | "store" | null;
}

/**
 * The state of `credentials` as read from the store (null: none) at
 * `env.now()`, with the environment's token applied.
 *
 * @example
 * ```ts ignore
 * const state = signInStateOf(env, await readCredentials(env, paths.authConf));
 * state.isRefreshDue; // true once 75% of the lifetime has passed
 * ```
 */
export function signInStateOf(env: Env, credentials: Credentials | null): SignInState {
  const tokens = credentials?.oauth ?? null;
  const now = env.now();
  const fromEnv = envAccessToken(env);
  const isGiven = tokens?.method === "token";
  const isRejected = Boolean(tokens?.rejectedAt);
  const isConsentExpired = Boolean(
    tokens?.consentExpiresAt && Date.parse(tokens.consentExpiresAt) <= now,
  );
  // Rejected or past the consent's expiry: a person must sign in again.
  const isEnded = isRejected || isConsentExpired;
  let expiresAt: string | null = null;
  let refreshDueAt: string | null = null;
  let expired: boolean | null = null;
  if (tokens && isGiven) {
    const givenExpiry = givenTokenExpiresAt(tokens);
    expiresAt = givenExpiry === null ? null : new Date(givenExpiry).toISOString();
    expired = givenExpiry === null ? false : givenExpiry <= now;
  } else if (tokens) {
    ({ expiresAt, refreshDueAt } = tokenTimes(tokens));
    expired = isExpired(tokens, now);
  }
  return {
    credentials,
    tokens,
    storedMethod: tokens ? (isGiven ? "token" : "oauth") : null,
    envTokenVariable: fromEnv ? accessTokenVariable : null,
    isStoredUsable: Boolean(tokens && !isEnded),
    isRejected,
    isConsentExpired,
    isRefreshable: Boolean(tokens && !isGiven && tokens.refreshToken),
    // Read from the stored token's form: no addon, no decryption.
    backend: backendOf(tokens?.refreshToken),
    expiresAt,
    refreshDueAt,
    isExpired: expired,
    // A rejected sign-in is neither fresh nor due: it cannot be refreshed.
    isRefreshDue: tokens && !isGiven && !isEnded ? isRefreshDue(tokens, now) : null,
    usableAccessToken: fromEnv ??
      (tokens && !isEnded && expired === false ? tokens.accessToken : null),
    bitbucketToken: bitbucketTokenSource(env, credentials?.bitbucketToken ?? null),
  };
}
