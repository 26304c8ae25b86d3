/**
 * Which origins a sign-in's tokens may be sent to. Login records them (the
 * origins of the sites list, the API and the Bitbucket API configured at that
 * moment, and the issuer's); a later `TWG_API_URL`, `TWG_RESOURCES_URL` or
 * `TWG_BITBUCKET_API_URL` that points elsewhere sends nothing unless the
 * person names that origin with `--allow-origin` (`twg api`) or
 * `TWG_ALLOW_ORIGIN`, and then twg says so on stderr.
 *
 * @module
 */
import type { Settings } from "../config/settings.ts";
import { atlassianIssuer } from "../config/settings.ts";
import type { Credentials } from "../credentials/auth_conf.ts";
import type { Env } from "../env.ts";
import { UsageError } from "../errors.ts";
import { warn } from "../ui/style.ts";

/** The variable naming origins a token may go to besides the recorded ones (comma-separated). */
export const allowOriginVariable = "TWG_ALLOW_ORIGIN";

/** A token was about to go to an origin its sign-in is not bound to (exit 2). */
export class UnboundOriginError extends UsageError {
  override name = "UnboundOriginError";
  static override defaultCode = "origin-not-bound";
}

/** The origin of `url` (`{siteId}` allowed), or null when it is not a URL. */
function originOf(url: string | null): string | null {
  if (!url) return null;
  try {
    return new URL(url.replaceAll("{siteId}", "site")).origin;
  } catch {
    return null;
  }
}

/** The origins to record at login: where the configured URLs point now, and the issuer. */
export function signInOrigins(settings: Settings): string[] {
  const origins = [
    settings.issuer,
    settings.resourcesUrl,
    settings.apiUrl,
    settings.bitbucketApiUrl,
  ].map(originOf).filter((origin): origin is string => origin !== null);
  return [...new Set(origins)];
}

/**
 * The origins `credentials` may send tokens to: the recorded ones, or for a
 * sign-in saved before twg recorded them, those its issuer implies
 * (Atlassian's APIs for Atlassian's issuer, else the issuer's own origin).
 */
export function boundOrigins(credentials: Credentials): string[] {
  if (credentials.origins) return credentials.origins;
  const issuer = credentials.oauth?.issuer ?? null;
  const implied = issuer?.replace(/\/+$/, "") === atlassianIssuer
    ? [atlassianIssuer, "https://api.atlassian.com", "https://api.bitbucket.org"]
    : [originOf(issuer), "https://api.bitbucket.org"];
  return implied.filter((origin): origin is string => origin !== null);
}

/**
 * Throws {@link UnboundOriginError} unless `url`'s origin is bound to
 * `credentials` or named in `allowed` (`--allow-origin`) or
 * `TWG_ALLOW_ORIGIN`; an origin allowed only by name is said on stderr.
 */
export function assertBoundOrigin(
  env: Env,
  url: string,
  credentials: Credentials,
  allowed: string[] = [],
): void {
  const origin = originOf(url);
  if (origin !== null && boundOrigins(credentials).includes(origin)) return;
  const named = [...allowed, ...(env.getVar(allowOriginVariable) ?? "").split(",")]
    .map((value) => originOf(value.trim()))
    .filter((value) => value !== null);
  if (origin !== null && named.includes(origin)) {
    warn(env, `Sending the stored token to ${origin}, which its sign-in is not bound to`);
    return;
  }
  throw new UnboundOriginError(
    `Refusing to send the stored token to ${origin ?? url}: this sign-in's tokens go only to ${
      boundOrigins(credentials).join(", ")
    }`,
    `If that origin is meant to have it, run again with --allow-origin ${origin ?? url} ` +
      `(or set ${allowOriginVariable}), or sign in again with "twg login" while it is configured`,
  );
}
