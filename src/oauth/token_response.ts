/**
 * Validation of token endpoint answers (RFC 6749 §5.1). Anything odd is an
 * error that saves nothing.
 *
 * @module
 */
import { NetworkError } from "../errors.ts";
import type { JsonResponse } from "./http.ts";
import { isBearerTokenSyntax, isRefreshTokenSyntax } from "./token_syntax.ts";

/** A successful token response. */
export interface TokenResponse {
  accessToken: string;
  refreshToken: string | null;
  tokenType: string;
  expiresIn: number;
  scope: string | null;
  idToken: string | null;
}

// RFC 6749 §4.2.2 only recommends expires_in; without it, assume an hour so
// that the token is refreshed well before servers usually expire it.
const assumedLifetimeSeconds = 3600;

/** Parses a 2xx token response or throws {@link NetworkError} (exit 5). */
export function parseTokenResponse(response: JsonResponse, host: string): TokenResponse {
  const body = response.json;
  if (!body || typeof body !== "object" || Array.isArray(body)) {
    throw new NetworkError(
      `The token endpoint at ${host} answered with something that is not JSON`,
    );
  }
  const record = body as Record<string, unknown>;
  if (typeof record.access_token !== "string" || record.access_token === "") {
    throw new NetworkError(`The token endpoint at ${host} answered without an access token`);
  }
  // A token twg could never send (CR, LF, NUL…) is refused on receipt, its
  // value never quoted: RFC 6750 §2.1 and RFC 6749 Appendix A.17.
  if (!isBearerTokenSyntax(record.access_token)) {
    throw new NetworkError(
      `The token endpoint at ${host} issued an access token that is not a valid bearer token ` +
        "(RFC 6750 b64token); nothing was saved",
    );
  }
  if (
    typeof record.refresh_token === "string" && record.refresh_token !== "" &&
    !isRefreshTokenSyntax(record.refresh_token)
  ) {
    throw new NetworkError(
      `The token endpoint at ${host} issued a refresh token with characters outside ` +
        "visible ASCII (RFC 6749 Appendix A.17); nothing was saved",
    );
  }
  const tokenType = typeof record.token_type === "string" ? record.token_type : "Bearer";
  if (tokenType.toLowerCase() !== "bearer") {
    throw new NetworkError(
      `The token endpoint at ${host} issued a "${tokenType}" token; twg supports Bearer`,
    );
  }
  const expiresIn = Number(record.expires_in ?? assumedLifetimeSeconds);
  if (!Number.isFinite(expiresIn) || expiresIn <= 0) {
    throw new NetworkError(`The token endpoint at ${host} gave an invalid expires_in`);
  }
  const optional = (
    key: string,
  ) => (typeof record[key] === "string" && record[key] !== "" ? record[key] : null);
  return {
    accessToken: record.access_token,
    refreshToken: optional("refresh_token"),
    tokenType: "Bearer",
    expiresIn,
    scope: optional("scope"),
    idToken: optional("id_token"),
  };
}
