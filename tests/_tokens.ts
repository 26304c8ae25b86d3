/**
 * A stored OAuth sign-in for unit tests: the fields `auth.conf` keeps, at
 * values no test depends on unless it overrides them.
 *
 * @module
 */
import type { OAuthTokens } from "../src/credentials/auth_conf.ts";

/** The issuer every unit test's tokens name unless told otherwise. */
export const testIssuer = "https://auth.example.test";

/**
 * Tokens obtained at `obtainedAt` (ms), valid 1000 s, from {@link testIssuer}
 * (the token endpoint beside the issuer given); `overrides` win.
 */
export function oauthTokens(obtainedAt: number, overrides: Partial<OAuthTokens> = {}): OAuthTokens {
  const issuer = overrides.issuer ?? testIssuer;
  return {
    accessToken: "access-1",
    refreshToken: "refresh-1",
    tokenType: "Bearer",
    scope: "openid offline_access",
    obtainedAt: new Date(obtainedAt).toISOString(),
    expiresIn: 1000,
    issuer,
    clientId: "client",
    tokenEndpoint: `${issuer}/token`,
    revocationEndpoint: null,
    rejectedAt: null,
    ...overrides,
  };
}
