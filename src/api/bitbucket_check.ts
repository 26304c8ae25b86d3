/**
 * Asks Bitbucket whether a token works before it is saved, so that a typo
 * is caught at the prompt rather than at the first `twg api --bitbucket`.
 *
 * @module
 */
import { configPaths } from "../config/paths.ts";
import { loadSettings } from "../config/settings.ts";
import type { Env } from "../env.ts";
import { twgUserAgent } from "../oauth/http.ts";

/** What Bitbucket said about a token. */
export type BitbucketVerdict =
  | { kind: "accepted" }
  | { kind: "refused"; status: number }
  | { kind: "unchecked"; reason: string };

/**
 * Why `token` cannot be a Bitbucket token, or null. Tokens are visible ASCII
 * with no spaces (they travel in an `Authorization: Bearer` header, whose
 * token68 syntax allows nothing else: RFC 9110 section 11.2).
 */
export function bitbucketTokenProblem(token: string): string | null {
  if (!/^[\x21-\x7e]+$/.test(token)) {
    return "a token is letters, digits and punctuation, with no spaces or control keys";
  }
  return null;
}

/**
 * `GET <Bitbucket API>/user` with the token (Bitbucket Cloud REST API,
 * "Get current user", https://developer.atlassian.com/cloud/bitbucket/rest/api-group-users/):
 * 2xx accepts it, 401/403 refuse it, anything else leaves it unchecked.
 */
export async function checkBitbucketToken(env: Env, token: string): Promise<BitbucketVerdict> {
  const settings = await loadSettings(env, configPaths(env).configJson);
  // No Bitbucket API configured (a non-Atlassian issuer): nothing to ask.
  if (!settings.bitbucketApiUrl) {
    return { kind: "unchecked", reason: "no Bitbucket API URL is set" };
  }
  const base = settings.bitbucketApiUrl.replace(/\/+$/, "");
  const url = new URL(`${base}/user`);
  let response: Response;
  try {
    response = await env.fetch(url, {
      headers: {
        authorization: `Bearer ${token}`,
        accept: "application/json",
        "user-agent": twgUserAgent(env),
      },
      redirect: "manual",
      signal: AbortSignal.any([env.interrupt, AbortSignal.timeout(15_000)]),
    });
  } catch (error) {
    if (env.interrupt.aborted) throw env.interrupt.reason;
    return { kind: "unchecked", reason: `cannot reach ${url.host}: ${(error as Error).message}` };
  }
  await response.body?.cancel();
  if (response.ok) return { kind: "accepted" };
  if (response.status === 401 || response.status === 403) {
    return { kind: "refused", status: response.status };
  }
  return { kind: "unchecked", reason: `${url.host} answered HTTP ${response.status}` };
}
