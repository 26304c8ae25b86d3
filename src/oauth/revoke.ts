/**
 * Token revocation (RFC 7009), best effort.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { requestJson } from "./http.ts";

/** Revokes `token` at `endpoint`; returns whether the server confirmed it. Never throws. */
export async function revokeToken(
  env: Env,
  endpoint: string,
  clientId: string,
  token: string,
  tokenTypeHint: "refresh_token" | "access_token",
): Promise<boolean> {
  try {
    const response = await requestJson(env, endpoint, {
      form: { token, token_type_hint: tokenTypeHint, client_id: clientId },
    });
    // RFC 7009 §2.2: 200 also for tokens that were already invalid.
    return response.ok;
  } catch {
    return false;
  }
}
