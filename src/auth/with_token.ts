/**
 * `twg login --with-token`: an access token read from stdin, stored as it
 * is. There is no refresh token, so it is never refreshed: `auth status`
 * says so, `auth refresh` says so without sending anything, and `--force`
 * asks for a real login. Its expiry is known only when the token is a JWT
 * with `exp` (read, not verified: it only tells when to stop using it).
 *
 * @module
 */
import { configPaths } from "../config/paths.ts";
import { loadSettings } from "../config/settings.ts";
import { emptyCredentials, type OAuthTokens, type Site } from "../credentials/auth_conf.ts";
import { assertStoreWritable } from "../credentials/preflight.ts";
import { ensureConfigDir } from "../safe_files/config_dir.ts";
import { changeSignIn } from "../credentials/sign_in_door.ts";
import type { Env } from "../env.ts";
import { AuthRequiredError, messageOf, UsageError } from "../errors.ts";
import { fetchSites } from "../oauth/identity.ts";
import { matchSite } from "./site_selector.ts";
import { isBearerTokenSyntax } from "../oauth/token_syntax.ts";
import { signInOrigins } from "./token_origins.ts";
import { displayPath, styleFor, warn } from "../ui/style.ts";
import { askLine } from "../ui/ask.ts";

/** Whether `tokens` came from `login --with-token` (no refresh, ever). */
export function isGivenToken(tokens: OAuthTokens): boolean {
  return tokens.method === "token";
}

/** The `exp` claim of a JWT, in ms, or null for an opaque token. */
function jwtExpiry(token: string): number | null {
  const payload = token.split(".")[1];
  if (token.split(".").length !== 3 || !payload) return null;
  try {
    const base64 = payload.replace(/-/g, "+").replace(/_/g, "/");
    const claims = JSON.parse(atob(base64.padEnd(Math.ceil(base64.length / 4) * 4, "=")));
    return typeof claims?.exp === "number" ? claims.exp * 1000 : null;
  } catch {
    return null;
  }
}

/** Reads the token from stdin and stores it in place of the OAuth credentials. */
export async function runLoginWithToken(env: Env, options: { site: string | undefined }) {
  // On a terminal, a prompt says what is awaited (hidden input; Ctrl-C cancels).
  const accessToken = env.stdinIsTerminal
    ? (await askLine(env, "Paste the access token, then press Enter: ", { hidden: true }) ?? "")
      .trim()
    : (await env.readStdin()).trim();
  if (!accessToken) {
    throw new UsageError(
      env.stdinIsTerminal ? "No token entered; nothing was saved" : "No token on standard input",
      'Paste it at the prompt, or pipe it in: "twg login --with-token < token.txt"',
    );
  }
  if (!isBearerTokenSyntax(accessToken)) {
    throw new UsageError(
      "The token on standard input is not a valid bearer token (RFC 6750: letters, digits and -._~+/ only)",
      "Pipe in the access token alone, one line, nothing else",
    );
  }
  const paths = configPaths(env);
  const settings = await loadSettings(env, paths.configJson);
  await ensureConfigDir(env, paths.dir);
  await assertStoreWritable(env, paths.dir, paths.authConf);

  const now = env.now();
  const expiresAt = jwtExpiry(accessToken);
  if (expiresAt !== null && expiresAt <= now) {
    throw new AuthRequiredError(
      `The token expired at ${new Date(expiresAt).toISOString()}`,
      "Pipe in a current one",
    );
  }
  const site = settings.resourcesUrl
    ? await siteFor(env, settings.resourcesUrl, accessToken, options.site)
    : null;
  const oauth: OAuthTokens = {
    accessToken,
    refreshToken: null,
    tokenType: "Bearer",
    scope: null,
    obtainedAt: new Date(now).toISOString(),
    // 0: the lifetime is unknown (an opaque token).
    expiresIn: expiresAt === null ? 0 : Math.floor((expiresAt - now) / 1000),
    issuer: settings.issuer,
    clientId: settings.clientId ?? "",
    tokenEndpoint: "",
    revocationEndpoint: null,
    rejectedAt: null,
    method: "token",
  };
  await changeSignIn(env, paths, (current) =>
    Promise.resolve({
      kind: "write",
      credentials: {
        ...emptyCredentials(),
        oauth,
        site,
        bitbucketToken: current?.bitbucketToken ?? null,
        origins: signInOrigins(settings),
      },
      result: undefined,
    }), { lock: { signal: env.interrupt } });
  const check = styleFor(env, env.stderr).success("✔");
  env.stderr.write(
    `${check} Token saved to ${displayPath(paths.authConf, env.homeDir)}` +
      ` (it has no refresh token: run "twg login" when it expires)\n`,
  );
}

/** The site the token reaches: `--site`, or the only one. */
async function siteFor(
  env: Env,
  resourcesUrl: string,
  accessToken: string,
  wanted: string | undefined,
): Promise<Site | null> {
  let sites: Site[];
  try {
    sites = await fetchSites(env, resourcesUrl, accessToken);
  } catch (error) {
    if (messageOf(error) === "HTTP 401") {
      throw new AuthRequiredError("The server refused the token", "Pipe in a valid access token");
    }
    warn(env, `Could not list the sites this token reaches (${messageOf(error)}); no site stored`);
    return null;
  }
  if (wanted) {
    const match = matchSite(sites, wanted);
    if (match) return match;
    throw new UsageError(
      `No site matches "${wanted}"`,
      `Available: ${sites.map((site) => site.id).join(", ") || "none"}`,
    );
  }
  if (sites.length > 1) {
    throw new UsageError(
      `This token reaches ${sites.length} sites`,
      `Choose one with --site (${sites.map((site) => site.id).join(", ")})`,
    );
  }
  return sites[0] ?? null;
}
