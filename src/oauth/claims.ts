/**
 * Identity claims, from an ID token or a userinfo answer.
 *
 * @module
 */

/** The claims twg reads from a validated ID token. */
export interface IdentityClaims {
  sub: string;
  name: string | null;
  preferredUsername: string | null;
  email: string | null;
}

/** Reads the identity claims of a userinfo answer or ID token payload. */
export function claimsOf(payload: Record<string, unknown>): IdentityClaims {
  const text = (
    key: string,
  ) => (typeof payload[key] === "string" && payload[key] !== "" ? payload[key] : null);
  return {
    sub: text("sub") ?? "",
    name: text("name"),
    preferredUsername: text("preferred_username"),
    email: text("email"),
  };
}

/** The display name rule of the contract: name, then preferred_username, email, sub. */
export function displayNameOf(claims: IdentityClaims): string {
  return claims.name ?? claims.preferredUsername ?? claims.email ?? claims.sub;
}
