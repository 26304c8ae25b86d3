/**
 * The shape of `auth.conf` and the token policy that reads it.
 *
 * @module
 */

/** Who is signed in. */
export interface User {
  id: string;
  name: string | null;
  email: string | null;
}

/** The site (cloud instance) the token reaches. */
export interface Site {
  id: string;
  url: string;
  name: string;
}

/** OAuth tokens and what is needed to refresh and revoke them. */
export interface OAuthTokens {
  accessToken: string;
  refreshToken: string | null;
  tokenType: string;
  scope: string | null;
  /** Local time the token response was received (ISO 8601). */
  obtainedAt: string;
  /** Lifetime in seconds, as the server said. */
  expiresIn: number;
  issuer: string;
  clientId: string;
  tokenEndpoint: string;
  revocationEndpoint: string | null;
  /** Set when the server rejected the refresh token: a new login is needed. */
  rejectedAt: string | null;
  /**
   * When the consent given at login ends, whatever the rotations (the
   * issuer's absolute expiry, `src/auth/consent_expiry.ts`); null or absent
   * when the issuer's rule is unknown.
   */
  consentExpiresAt?: string | null;
  /**
   * `"token"`: stored by `login --with-token`, never refreshed (`expiresIn`
   * 0 when its lifetime is unknown); absent for a device-flow sign-in.
   */
  method?: "token";
}

/** The content of `auth.conf`. */
export interface Credentials {
  version: 1;
  oauth: OAuthTokens | null;
  user: User | null;
  site: Site | null;
  /** Every site the sign-in reaches, as listed at login (null: never listed). */
  sites: Site[] | null;
  bitbucketToken: string | null;
  /**
   * The origins this sign-in's tokens may be sent to, recorded at login
   * (`src/auth/token_origins.ts`); absent in files written before.
   */
  origins?: string[];
}

/** Credentials with nothing stored. */
export function emptyCredentials(): Credentials {
  return { version: 1, oauth: null, user: null, site: null, sites: null, bitbucketToken: null };
}

/** When the access token expires (ms since the epoch). */
export function expiresAtMs(tokens: OAuthTokens): number {
  return Date.parse(tokens.obtainedAt) + tokens.expiresIn * 1000;
}

/**
 * When a refresh is due: 75% of the lifetime after it was received, no other margin.
 *
 * @example
 * ```ts
 * import { type OAuthTokens, refreshDueAtMs } from "@twg/cli";
 *
 * const tokens = { obtainedAt: "2026-01-01T00:00:00.000Z", expiresIn: 3600 } as OAuthTokens;
 * new Date(refreshDueAtMs(tokens)).toISOString(); // "2026-01-01T00:45:00.000Z"
 * ```
 */
export function refreshDueAtMs(tokens: OAuthTokens): number {
  return Date.parse(tokens.obtainedAt) + 0.75 * tokens.expiresIn * 1000;
}

/**
 * Whether the refresh is due at `now`.
 *
 * @example
 * ```ts
 * import { isRefreshDue, type OAuthTokens } from "@twg/cli";
 *
 * const tokens = { obtainedAt: "2026-01-01T00:00:00.000Z", expiresIn: 3600 } as OAuthTokens;
 * isRefreshDue(tokens, Date.parse("2026-01-01T00:30:00Z")); // false
 * isRefreshDue(tokens, Date.parse("2026-01-01T00:45:00Z")); // true
 * ```
 */
export function isRefreshDue(tokens: OAuthTokens, now: number): boolean {
  return now >= refreshDueAtMs(tokens);
}

/** Whether the access token has expired at `now`. */
export function isExpired(tokens: OAuthTokens, now: number): boolean {
  return now >= expiresAtMs(tokens);
}

/** Times for status output: when the access token expires and when a refresh is due. */
export function tokenTimes(tokens: OAuthTokens): { expiresAt: string; refreshDueAt: string } {
  return {
    expiresAt: new Date(expiresAtMs(tokens)).toISOString(),
    refreshDueAt: new Date(refreshDueAtMs(tokens)).toISOString(),
  };
}

/** When a token given with `login --with-token` expires (ms since the epoch), or null when unknown. */
export function givenTokenExpiresAt(tokens: OAuthTokens): number | null {
  return tokens.expiresIn > 0 ? Date.parse(tokens.obtainedAt) + tokens.expiresIn * 1000 : null;
}
