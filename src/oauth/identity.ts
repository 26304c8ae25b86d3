/**
 * Who signed in and which sites the token reaches.
 *
 * @module
 */
import type { Env } from "../env.ts";
import type { Site, User } from "../credentials/auth_conf.ts";
import type { ServerMetadata } from "./discovery.ts";
import { requestJson } from "./http.ts";
import { bearerAuthorization } from "./token_syntax.ts";
import type { TokenResponse } from "./token_response.ts";
import { claimsOf, displayNameOf, type IdentityClaims } from "./claims.ts";

/**
 * The signed-in user: the validated ID token's claims, completed from userinfo
 * when the ID token has no `name` (the contract's display-name rule).
 */
export async function identify(
  env: Env,
  metadata: ServerMetadata,
  clientId: string,
  tokens: TokenResponse,
): Promise<User> {
  let claims: IdentityClaims | null = null;
  if (tokens.idToken && metadata.jwksUri) {
    // jose is loaded only here: the fresh-token path never pays for it.
    const { verifyIdToken } = await import("./id_token.ts");
    claims = await verifyIdToken(env, tokens.idToken, {
      issuer: metadata.issuer,
      clientId,
      jwksUri: metadata.jwksUri,
    });
  }
  if (!claims?.name && metadata.userinfoEndpoint) {
    const userinfo = await fetchUserinfo(env, metadata.userinfoEndpoint, tokens.accessToken);
    if (userinfo && (!claims || userinfo.sub === claims.sub)) {
      claims = claims
        ? {
          ...claims,
          name: userinfo.name,
          preferredUsername: claims.preferredUsername ?? userinfo.preferredUsername,
          email: claims.email ?? userinfo.email,
        }
        : userinfo;
    }
  }
  if (!claims?.sub) return { id: "unknown", name: null, email: null };
  return { id: claims.sub, name: displayNameOf(claims), email: claims.email };
}

async function fetchUserinfo(
  env: Env,
  endpoint: string,
  accessToken: string,
): Promise<IdentityClaims | null> {
  try {
    const response = await requestJson(env, endpoint, {
      headers: { authorization: bearerAuthorization(accessToken, "the access token") },
    });
    if (!response.ok || !response.json || typeof response.json !== "object") return null;
    return claimsOf(response.json as Record<string, unknown>);
  } catch {
    return null;
  }
}

/** The sites the token reaches, from `TWG_RESOURCES_URL`. */
export async function fetchSites(
  env: Env,
  resourcesUrl: string,
  accessToken: string,
): Promise<Site[]> {
  const response = await requestJson(env, resourcesUrl, {
    headers: { authorization: bearerAuthorization(accessToken, "the access token") },
  });
  if (!response.ok) throw new Error(`HTTP ${response.status}`);
  if (!Array.isArray(response.json)) throw new Error("the answer is not a JSON array");
  return response.json.flatMap((entry: unknown) => {
    const record = entry as Record<string, unknown> | null;
    if (!record || typeof record.id !== "string" || typeof record.url !== "string") return [];
    return [{
      id: record.id,
      url: record.url,
      name: typeof record.name === "string" ? record.name : record.url,
    }];
  });
}
