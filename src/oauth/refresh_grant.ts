/**
 * The OAuth refresh grant itself (RFC 6749 §6): one `grant_type=refresh_token`
 * request, retried on a network failure or a 5xx/429, and its answer read as
 * new tokens, a rejection of the refresh token, or an error. When to refresh
 * is `auth/refresh.ts`; saving the answer is the door
 * (`credentials/sign_in_door.ts`).
 *
 * @module
 */
import type { Env } from "../env.ts";
import { NetworkError } from "../errors.ts";
import type { OAuthTokens } from "../credentials/auth_conf.ts";
import { oauthErrorOf, requestJson, ResponseTooLargeError } from "./http.ts";
import { explainOAuthError } from "./oauth_error_text.ts";
import { parseTokenResponse, type TokenResponse } from "./token_response.ts";

/** What the token endpoint answered: new tokens, or the refresh token refused. */
export type RefreshAnswer =
  | { kind: "ok"; tokens: TokenResponse }
  | { kind: "rejected"; detail: string };

const maxAttempts = 3;

/**
 * Sends the refresh grant for `tokens` with `refreshToken` (the plain one,
 * opened from the keyring when sealed). `assertMaySend` runs before every
 * attempt and throws when sending would no longer be safe (the lock lost).
 */
export async function requestRefresh(
  env: Env,
  tokens: OAuthTokens,
  refreshToken: string,
  assertMaySend: () => Promise<void>,
  signal: AbortSignal | undefined,
): Promise<RefreshAnswer> {
  const host = new URL(tokens.tokenEndpoint).host;
  let lastError: NetworkError | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await env.sleep(1000 * 2 ** (attempt - 2) * (1 + Math.random() / 2), signal);
    await assertMaySend();
    let response;
    try {
      // Deliberately not abortable: once the refresh token is sent, the server
      // may already have rotated it, so an interrupt waits for the answer and
      // the save (a second Ctrl-C still ends the process at once).
      response = await requestJson(env, tokens.tokenEndpoint, {
        form: {
          grant_type: "refresh_token",
          refresh_token: refreshToken,
          client_id: tokens.clientId,
        },
      });
    } catch (error) {
      // A body over 1 MiB is a hostile answer, not a network blip: no retry.
      if (error instanceof NetworkError && !(error instanceof ResponseTooLargeError)) {
        lastError = error;
        continue;
      }
      throw error;
    }
    if (response.ok) return { kind: "ok", tokens: parseTokenResponse(response, host) };
    const oauthError = oauthErrorOf(response);
    const explained = explainOAuthError(oauthError, response.status, {
      request: "refresh",
      clientId: tokens.clientId,
    });
    if (isRejection(response.status, oauthError?.error)) {
      // Not the server's own wording ("grant request is invalid"): what it means.
      const detail = oauthError?.error === "invalid_grant"
        ? explained.meaning
        : oauthError?.description ?? oauthError?.error ?? `HTTP ${response.status}`;
      return { kind: "rejected", detail };
    }
    if (response.status >= 500 || response.status === 429) {
      lastError = new NetworkError(
        `The token endpoint at ${host} answered HTTP ${response.status}`,
      );
      continue;
    }
    // Exit 5 as every refused refresh (the contract), but with what to check
    // when the answer means a configuration mistake (wrong client id, scopes).
    throw new NetworkError(
      `The token endpoint at ${host} refused the refresh: ${explained.meaning}`,
      undefined,
      { code: explained.code, ...(explained.hint ? { hint: explained.hint } : {}) },
    );
  }
  throw new NetworkError(
    `${
      lastError?.message ?? "The refresh failed"
    } (after ${maxAttempts} attempts; credentials unchanged)`,
  );
}

/** Whether an error answer means "this refresh token is no longer valid". */
function isRejection(status: number, error: string | undefined): boolean {
  if (error === "invalid_grant" || error === "invalid_token") return true;
  // Some servers answer 401/404 with no OAuth error body for an unknown token.
  return (status === 401 || status === 404) && error === undefined;
}

/** The new tokens; a response without a refresh token keeps the old one (RFC 6749 §6). */
export function rotatedTokens(
  previous: OAuthTokens,
  response: TokenResponse,
  obtainedAt: number,
): OAuthTokens {
  return {
    ...previous,
    accessToken: response.accessToken,
    refreshToken: response.refreshToken ?? previous.refreshToken,
    tokenType: response.tokenType,
    scope: response.scope ?? previous.scope,
    obtainedAt: new Date(obtainedAt).toISOString(),
    expiresIn: response.expiresIn,
    rejectedAt: null,
  };
}
