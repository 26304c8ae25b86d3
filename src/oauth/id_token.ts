/**
 * ID token validation with `jose`: signature from the issuer's JWKS, `iss`,
 * `aud` and `exp` (OpenID Connect Core §3.1.3.7).
 *
 * @module
 */
import { createRemoteJWKSet, customFetch, jwtVerify } from "jose";
import type { Env } from "../env.ts";
import { NetworkError } from "../errors.ts";
import { claimsOf, type IdentityClaims } from "./claims.ts";

/** Validates `idToken` and returns its identity claims. */
export async function verifyIdToken(
  env: Env,
  idToken: string,
  options: { issuer: string; clientId: string; jwksUri: string },
): Promise<IdentityClaims> {
  const jwks = createRemoteJWKSet(new URL(options.jwksUri), {
    [customFetch]: (url, init) => env.fetch(url, init),
  });
  try {
    const { payload } = await jwtVerify(idToken, jwks, {
      issuer: options.issuer,
      audience: options.clientId,
      currentDate: new Date(env.now()),
      requiredClaims: ["sub", "exp"],
    });
    return claimsOf(payload);
  } catch (error) {
    throw new NetworkError(
      `The ID token from ${options.issuer} is not valid: ${(error as Error).message}`,
      error,
    );
  }
}
