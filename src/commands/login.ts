/**
 * `twg login`: the device authorization grant, from code to saved credentials.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { openBrowser } from "../../platform/browser.ts";
import { configPaths } from "../config/paths.ts";
import { loadSettings, requestedScopes, requireClientId } from "../config/settings.ts";
import type { Credentials, OAuthTokens, Site } from "../credentials/credentials.ts";
import { emptyCredentials } from "../credentials/credentials.ts";
import { acquireLock } from "../credentials/lock.ts";
import { assertStoreWritable, StoreNotWritableError } from "../credentials/preflight.ts";
import {
  ensureConfigDir,
  moveAside,
  readCredentials,
  saveCredentials,
  UntrustedStoreError,
} from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { messageOf, TwgError } from "../errors.ts";
import { discover, type ServerMetadata } from "../oauth/discovery.ts";
import { pollForToken, requestDeviceAuthorization } from "../oauth/device_flow.ts";
import { fetchSites, identify, matchSite } from "../oauth/identity.ts";
import { revokeToken } from "../oauth/revoke.ts";
import type { TokenResponse } from "../oauth/token_response.ts";
import { startSpinner } from "../ui/spinner.ts";
import { displayPath, styleFor, warn } from "../ui/style.ts";
import { promptBitbucketToken } from "./setup_bitbucket.ts";

/** Options of `twg login`. */
export interface LoginOptions {
  browser: boolean;
  force: boolean;
  site: string | undefined;
  json: boolean;
}

/** Declares `twg login`. */
export function loginCommand(env: Env) {
  return new Command("login")
    .description("Sign in with your browser (OAuth device authorization)")
    .option("--no-browser", "print the URL instead of opening a browser")
    .option("--force", "discard every stored credential first, the Bitbucket token included")
    .option("--site <url-or-id>", "the site to use when the account reaches several")
    .option("--json", "print progress as JSON lines on stdout (for agents relaying the code)")
    .option("--with-token", "store an access token read from stdin (it cannot be refreshed)")
    .addHelpText(
      "after",
      `
A token instead of a sign-in (no refresh token; in CI prefer TWG_OAUTH_ACCESS_TOKEN,
which is never written):
  $ twg login --with-token < token.txt
  $ TWG_OAUTH_ACCESS_TOKEN="$TOKEN" twg api /rest/api/3/myself`,
    )
    .action(async (options) => {
      if (options.withToken) {
        const { runLoginWithToken } = await import("../auth/with_token.ts");
        return await runLoginWithToken(env, { site: options.site });
      }
      await runLogin(env, {
        browser: options.browser,
        force: options.force ?? false,
        site: options.site,
        json: options.json ?? false,
      });
    });
}

/** Signs in and saves the credentials. */
export async function runLogin(env: Env, options: LoginOptions): Promise<void> {
  const paths = configPaths(env);
  const settings = await loadSettings(env, paths.configJson);
  const clientId = requireClientId(settings);
  const signal = env.interrupt;

  // A token response that cannot be saved is lost, and polling again revokes
  // the grant on strict servers: prove the store first.
  try {
    await ensureConfigDir(env, paths.dir);
  } catch (error) {
    throw new StoreNotWritableError(paths.dir, messageOf(error));
  }
  await assertStoreWritable(env, paths.dir, paths.authConf);
  const previous = options.force
    ? await discardStored(env, paths.authConf)
    : await readCredentials(env, paths.authConf);

  const metadata = await discover(env, settings.issuer, signal);
  if (!metadata.deviceAuthorizationEndpoint) {
    throw new TwgError(
      `The authorization server at ${settings.issuer} does not offer device authorization`,
    );
  }
  const authorization = await requestDeviceAuthorization(
    env,
    metadata.deviceAuthorizationEndpoint,
    clientId,
    requestedScopes(settings),
    signal,
  );
  if (options.json) {
    printJsonLine(env, {
      event: "device_authorization",
      verificationUri: authorization.verificationUri,
      verificationUriComplete: authorization.verificationUriComplete,
      userCode: authorization.userCode,
      expiresAt: new Date(authorization.expiresAt).toISOString(),
    });
  }
  await showCode(
    env,
    authorization.userCode,
    authorization.verificationUri,
    authorization.verificationUriComplete,
    options,
  );

  const spinner = options.json
    ? { update() {}, stop() {} }
    : startSpinner(env, "Waiting for approval in the browser…");
  let tokens: TokenResponse;
  try {
    tokens = await pollForToken(env, {
      tokenEndpoint: metadata.tokenEndpoint,
      clientId,
      authorization,
      signal,
      onWait: () => {
        const left = Math.max(0, Math.round((authorization.expiresAt - env.now()) / 1000));
        spinner.update(
          `Waiting for approval in the browser… (code expires in ${formatDuration(left)})`,
        );
      },
    });
  } finally {
    spinner.stop();
  }
  const obtainedAt = env.now();
  if (!tokens.refreshToken) {
    warn(
      env,
      "The server issued no refresh token: you will have to sign in again when the token expires",
    );
  }

  const user = await identify(env, metadata, clientId, tokens);
  const site = settings.resourcesUrl
    ? await chooseSite(env, settings.resourcesUrl, tokens.accessToken, options)
    : null;
  const promptedBitbucketToken = previous?.bitbucketToken || options.json
    ? null
    : await promptBitbucketToken(env, { optional: true });
  const oauth = oauthTokens(tokens, obtainedAt, metadata, clientId);
  let replaced: OAuthTokens | null;
  const lock = await acquireLock(env, paths.lock, { signal });
  try {
    // Re-read under the lock: a refresh may have rotated the old tokens since,
    // and the one to revoke is the latest.
    const current = options.force ? null : await readCredentials(env, paths.authConf);
    replaced = current?.oauth ?? null;
    await saveCredentials(env, paths.authConf, {
      ...emptyCredentials(),
      oauth,
      user,
      site,
      bitbucketToken: current?.bitbucketToken ?? promptedBitbucketToken,
    });
  } finally {
    await lock.release();
  }
  await revokeReplaced(env, replaced, oauth);

  const shownPath = displayPath(paths.authConf, env.homeDir);
  if (options.json) {
    printJsonLine(env, { event: "authenticated", user, site, credentialsPath: paths.authConf });
  }
  const check = styleFor(env, env.stderr).success("✔");
  env.stderr.write(
    `${check} Authentication successful!\n` +
      `${check} Authenticated as ${user.name ?? user.id}\n` +
      `${check} Credentials saved to ${shownPath}\n`,
  );
}

/** `--force`: moves an untrusted file aside, or removes a trusted one (after revoking its token). */
async function discardStored(env: Env, authConf: string): Promise<null> {
  let stored: Credentials | null;
  try {
    stored = await readCredentials(env, authConf);
  } catch (error) {
    if (!(error instanceof UntrustedStoreError)) throw error;
    const aside = await moveAside(env, authConf);
    warn(env, `Moved the unusable credentials aside to ${displayPath(aside, env.homeDir)}`);
    return null;
  }
  if (!stored) return null;
  if (stored.oauth?.refreshToken && stored.oauth.revocationEndpoint) {
    await revokeToken(
      env,
      stored.oauth.revocationEndpoint,
      stored.oauth.clientId,
      stored.oauth.refreshToken,
      "refresh_token",
    );
  }
  await env.fs.rm(authConf, { force: true });
  return null;
}

async function showCode(
  env: Env,
  userCode: string,
  verificationUri: string,
  verificationUriComplete: string | null,
  options: LoginOptions,
): Promise<void> {
  const style = styleFor(env, env.stderr);
  env.stderr.write(`${style.warn("!")} Your one-time code: ${style.bold(userCode)}\n`);
  const target = verificationUriComplete ?? verificationUri;
  // openBrowser itself honours TWG_NO_BROWSER, BROWSER=none and headless
  // systems, and says which applied.
  if (options.browser) {
    const result = await openBrowser(env, target);
    if (result.opened) {
      env.stderr.write(`Opened ${verificationUri} in your browser; confirm the code there.\n`);
      return;
    }
    env.stderr.write(style.dim(`No browser opened (${result.reason}).\n`));
  }
  env.stderr.write(`Open ${verificationUri} in a browser and enter the code`);
  env.stderr.write(verificationUriComplete ? `, or open:\n  ${verificationUriComplete}\n` : ".\n");
}

async function chooseSite(
  env: Env,
  resourcesUrl: string,
  accessToken: string,
  options: LoginOptions,
): Promise<Site | null> {
  let sites: Site[];
  try {
    sites = await fetchSites(env, resourcesUrl, accessToken);
  } catch (error) {
    warn(
      env,
      `Could not list the sites this account can reach (${
        messageOf(error)
      }); continuing without a site`,
    );
    return null;
  }
  if (options.site) {
    const match = matchSite(sites, options.site);
    if (match) return match;
    warn(
      env,
      `No site matches "${options.site}"; available: ${
        sites.map((site) => site.id).join(", ") || "none"
      }`,
    );
    return null;
  }
  if (sites.length <= 1) return sites[0] ?? null;
  if (!env.stdinIsTerminal || options.json) {
    warn(
      env,
      `This account reaches ${sites.length} sites; choose one with "twg login --site <id>" (${
        sites.map((site) => site.id).join(", ")
      })`,
    );
    return null;
  }
  env.stderr.write("This account reaches several sites:\n");
  sites.forEach((site, index) => env.stderr.write(`  ${index + 1}. ${site.name} (${site.url})\n`));
  for (;;) {
    const answer = await env.readLine(`Choose a site [1-${sites.length}]: `);
    if (answer === null) return null;
    const chosen = sites[Number(answer.trim()) - 1];
    if (chosen) return chosen;
  }
}

function oauthTokens(
  tokens: TokenResponse,
  obtainedAt: number,
  metadata: ServerMetadata,
  clientId: string,
): OAuthTokens {
  return {
    accessToken: tokens.accessToken,
    refreshToken: tokens.refreshToken,
    tokenType: tokens.tokenType,
    scope: tokens.scope,
    obtainedAt: new Date(obtainedAt).toISOString(),
    expiresIn: tokens.expiresIn,
    issuer: metadata.issuer,
    clientId,
    tokenEndpoint: metadata.tokenEndpoint,
    revocationEndpoint: metadata.revocationEndpoint,
    rejectedAt: null,
  };
}

/** Re-login replaces the credentials; the old refresh token is revoked once the new ones are safe. */
async function revokeReplaced(
  env: Env,
  previous: OAuthTokens | null,
  current: OAuthTokens,
): Promise<void> {
  if (!previous?.refreshToken || previous.refreshToken === current.refreshToken) return;
  const endpoint = previous.revocationEndpoint ?? current.revocationEndpoint;
  if (endpoint) {
    await revokeToken(env, endpoint, previous.clientId, previous.refreshToken, "refresh_token");
  }
}

function printJsonLine(env: Env, value: unknown): void {
  env.stdout.write(JSON.stringify(value) + "\n");
}

function formatDuration(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
