/**
 * Authorization server metadata: RFC 8414, falling back to OpenID Connect
 * Discovery 1.0.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { NetworkError, TwgError } from "../errors.ts";
import { assertSecureUrl, requestJson } from "./http.ts";

/** The endpoints twg uses. */
export interface ServerMetadata {
  issuer: string;
  tokenEndpoint: string;
  deviceAuthorizationEndpoint: string | null;
  revocationEndpoint: string | null;
  userinfoEndpoint: string | null;
  jwksUri: string | null;
}

/** Where each kind of metadata document lives for `issuer`. */
export function metadataUrls(issuer: string): string[] {
  const url = new URL(issuer);
  const path = url.pathname === "/" ? "" : url.pathname.replace(/\/$/, "");
  return [
    // RFC 8414 §3.1: the well-known segment goes between the host and the path.
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    // OpenID Connect Discovery §4: appended to the issuer.
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/** Fetches and checks the issuer's metadata. */
export async function discover(
  env: Env,
  issuer: string,
  signal?: AbortSignal,
): Promise<ServerMetadata> {
  assertSecureUrl(issuer, "issuer (TWG_ISSUER)");
  const hint = `Check TWG_ISSUER (or "issuer" in config.json); twg used ${issuer}`;
  const failures: string[] = [];
  let isServerError = false;
  for (const url of metadataUrls(issuer)) {
    let response;
    try {
      response = await requestJson(env, url, signal ? { signal } : {});
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      throw new NetworkError(error.message, error, { hint, code: "issuer-unreachable" });
    }
    if (response.ok && response.json && typeof response.json === "object") {
      return parseMetadata(issuer, response.json as Record<string, unknown>);
    }
    if (response.status >= 500 || response.status === 429) isServerError = true;
    failures.push(`${url}: HTTP ${response.status}`);
  }
  const message = `Cannot find the authorization server's metadata (${failures.join("; ")})`;
  // A server that answers 404 for both documents is there and says this is
  // not an issuer: a configuration mistake (exit 1), not a network error
  // worth retrying (exit 5).
  if (!isServerError) throw new TwgError(message, { hint, code: "issuer-not-found" });
  throw new NetworkError(message, undefined, { hint, code: "server-error" });
}

function parseMetadata(issuer: string, document: Record<string, unknown>): ServerMetadata {
  // RFC 8414 §3.3: the issuer in the document must be the one we asked for.
  if (trimSlash(String(document.issuer)) !== trimSlash(issuer)) {
    throw new NetworkError(`The metadata names issuer ${String(document.issuer)}, not ${issuer}`);
  }
  const endpoint = (key: string, required: boolean): string | null => {
    const value = document[key];
    if (typeof value !== "string") {
      if (required) throw new NetworkError(`The authorization server's metadata has no ${key}`);
      return null;
    }
    return assertSecureUrl(value, `${key} in the server metadata`).href;
  };
  return {
    issuer: String(document.issuer),
    tokenEndpoint: endpoint("token_endpoint", true)!,
    deviceAuthorizationEndpoint: endpoint("device_authorization_endpoint", false),
    revocationEndpoint: endpoint("revocation_endpoint", false),
    userinfoEndpoint: endpoint("userinfo_endpoint", false),
    jwksUri: endpoint("jwks_uri", false),
  };
}

function trimSlash(url: string): string {
  return url.replace(/\/$/, "");
}
