/**
 * `twg login`: the device authorization grant, from code to saved credentials.
 *
 * @module
 */
import { keepAccessTokenFileQuietly } from "../handoff/access_token_file.ts";
import { Command } from "@commander-js/extra-typings";
import { openBrowser } from "../../platform/browser.ts";
import { assertProfileName, type ConfigPaths, configPaths } from "../config/paths.ts";
import { withProfile } from "../config/profiles.ts";
import {
  loadSettings,
  requestedScopes,
  requireClientId,
  type Settings,
} from "../config/settings.ts";
import type { Credentials, OAuthTokens, Site, User } from "../credentials/auth_conf.ts";
import { consentExpiresAtFor } from "../auth/consent_expiry.ts";
import { emptyCredentials } from "../credentials/auth_conf.ts";
import { storeBitbucketToken } from "../credentials/bitbucket_token.ts";
import { askForBitbucketToken } from "./setup_bitbucket.ts";
import { schemaVersion } from "../json_documents.ts";
import {
  assertStoreWritable,
  permissionRefusal,
  StoreNotWritableError,
} from "../credentials/preflight.ts";
import { readCredentials, UntrustedStoreError } from "../credentials/store.ts";
import { ensureConfigDir } from "../safe_files/config_dir.ts";
import { changeSignIn, type SignInStore } from "../credentials/sign_in_door.ts";
import { askForSite, noSiteMatches, saveSiteChoice, siteNotChosen } from "../auth/site_choice.ts";
import type { Env } from "../env.ts";
import {
  loginSealing,
  removeKeyringKey,
  revocableRefreshToken,
  storedBitbucketTokenFor,
} from "../credentials/keyring_use.ts";
import { backendOf } from "../credentials/keyring.ts";
import { signInOrigins } from "../auth/token_origins.ts";
import {
  ExitCode,
  isAbortError,
  messageOf,
  ReportedError,
  TwgError,
  type UsageError,
} from "../errors.ts";
import { discover, type ServerMetadata } from "../oauth/discovery.ts";
import {
  type DeviceAuthorization,
  pollForToken,
  requestDeviceAuthorization,
} from "../oauth/device_flow.ts";
import { fetchSites, identify } from "../oauth/identity.ts";
import { matchSite } from "../auth/site_selector.ts";
import { revokeToken } from "../oauth/revoke.ts";
import type { TokenResponse } from "../oauth/token_response.ts";
import { startSpinner } from "../ui/spinner.ts";
import { displayPath, styleFor, warn } from "../ui/style.ts";
import { terminalSafe } from "../ui/terminal_text.ts";
import { askLine } from "../ui/ask.ts";

/** Options of `twg login`. */
export interface LoginOptions {
  browser: boolean;
  force: boolean;
  site: string | undefined;
  json: boolean;
  /** `--backend`: `file` or `keyring` (else TWG_CREDENTIAL_BACKEND, else the stored one). */
  backend?: string;
}

/** Declares `twg login`. */
export function loginCommand(env: Env) {
  return new Command("login")
    .description("Sign in with your browser (OAuth device authorization)")
    .option("--no-browser", "print the URL instead of opening a browser")
    .option(
      "--force",
      "replace every stored credential, the Bitbucket token included (the old sign-in works until the new one is saved)",
    )
    .option("--site <url-or-id>", "the site to use when the account reaches several")
    .option("--json", "print progress as JSON lines on stdout (for agents relaying the code)")
    .option("--with-token", "store an access token read from stdin (it cannot be refreshed)")
    .option("--backend <name>", "where the refresh token is kept: file (default) or keyring")
    .addHelpText(
      "after",
      `
--with-token stores a token instead of a sign-in (no refresh token); in CI
prefer TWG_OAUTH_ACCESS_TOKEN, which is never written.`,
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
        ...(options.backend === undefined ? {} : { backend: options.backend }),
      });
    });
}

/**
 * Signs in and saves the credentials, as a flow of named steps (gh keeps its
 * login as one shared flow too, cli/cli `pkg/cmd/auth/shared/login_flow.go`;
 * here each step is a function of its own): prove the store, ask for a
 * device code, wait for approval, identify, save through the door, report,
 * then the questions that may follow a saved sign-in.
 */
export async function runLogin(env: Env, options: LoginOptions): Promise<void> {
  const paths = configPaths(env);
  const settings = await loadSettings(env, paths.configJson);
  const clientId = requireClientId(settings);
  const { sealing, existing } = await proveStore(env, paths, settings, options);
  if (existing?.oauth && !existing.oauth.rejectedAt) {
    const elsewhere = await announceSignedIn(env, paths, existing, options);
    if (elsewhere) return await runLogin(withProfile(env, elsewhere), options);
  }
  const { metadata, authorization } = await requestCode(env, settings, clientId, options);
  const tokens = await waitForApproval(env, metadata, clientId, authorization, options);
  const obtainedAt = env.now();
  if (!tokens.refreshToken) {
    warn(
      env,
      "The server issued no refresh token: you will have to sign in again when the token expires",
    );
  }
  const user = await identify(env, metadata, clientId, tokens);
  const siteChoice = settings.resourcesUrl
    ? await chooseSite(env, settings.resourcesUrl, tokens.accessToken, options, existing?.site)
    : { site: null, sites: null, problem: null, canAsk: false };
  const oauth = {
    ...oauthTokens(tokens, obtainedAt, metadata, clientId),
    // The issuer's absolute expiry counts from this consent (src/auth/consent_expiry.ts).
    consentExpiresAt: consentExpiresAtFor(env, metadata.issuer, obtainedAt),
  };
  const sealed = await sealing(oauth);
  const { replaced, bitbucketToken } = await saveSignIn(env, paths, options, {
    oauth: sealed,
    user,
    site: siteChoice.site,
    sites: siteChoice.sites,
    origins: signInOrigins(settings),
  });
  // For sandboxes that may read but not write: the access token alone.
  await keepAccessTokenFileQuietly(env, paths, oauth, siteChoice.site);
  await revokeReplaced(env, replaced, oauth);
  await removeUnusedKey(env, paths, replaced, [sealed.refreshToken, bitbucketToken]);
  reportSaved(env, paths, options, user, siteChoice);
  if (siteChoice.problem) throw siteChoice.problem;
  if (siteChoice.canAsk && siteChoice.sites) {
    if (!(await askAndSaveSite(env, paths, siteChoice.sites))) return;
  }
  // Asked on a first sign-in only: someone who skipped it once is not asked
  // at every later login ("twg setup bitbucket" is named each time it is asked).
  if (!bitbucketToken && !replaced && !options.json) await offerBitbucketToken(env);
}

/**
 * Step 1. A token response that cannot be saved is lost, and polling again
 * revokes the grant on strict servers: prove the store first. An untrusted
 * `auth.conf` is refused (or with `--force` discarded) and the keyring's key
 * proven, all before the person approves anything. Returns how the new
 * tokens are sealed for the chosen backend.
 */
async function proveStore(
  env: Env,
  paths: ConfigPaths,
  settings: Settings,
  options: LoginOptions,
) {
  // The permission flags first: creating the directory would fail on them with a runtime text.
  const refusal = await permissionRefusal(env, paths.dir);
  if (refusal) throw refusal;
  try {
    await ensureConfigDir(env, paths.dir);
  } catch (error) {
    throw new StoreNotWritableError(paths.dir, messageOf(error));
  }
  await assertStoreWritable(env, paths.dir, paths.authConf);
  let existing: Credentials | null;
  try {
    existing = await readCredentials(env, paths.authConf);
  } catch (error) {
    // A file that cannot be trusted holds nothing to keep working: --force
    // moves it aside now. A trusted sign-in stays in place, working, until
    // the new one is saved (saveSignIn), whatever interrupts the login.
    if (!(options.force && error instanceof UntrustedStoreError)) throw error;
    existing = await discardStored(env, paths);
  }
  // --force keeps the backend in use unless another is asked for: a keyring
  // sign-in never silently becomes a plaintext refresh token. Its key is kept
  // (ensured, not renewed): the old token, sealed with it, is revoked after
  // the new sign-in is saved. The key exists and reads back before the
  // person approves anything.
  const sealing = await loginSealing(
    env,
    paths.dir,
    options.backend ?? settings.credentialBackend ?? undefined,
    existing,
  );
  return { sealing, existing };
}

/**
 * Says who is signed in before a login replaces them (a second account must
 * not silently take the place of the first). On a terminal, without
 * `--force` or `--json`, asks whether to replace the sign-in or add the new
 * one as another profile; returns that profile's name, or null to replace.
 * Nothing is changed before the new sign-in is approved and saved.
 */
async function announceSignedIn(
  env: Env,
  paths: ConfigPaths,
  existing: Credentials,
  options: LoginOptions,
): Promise<string | null> {
  const who = terminalSafe(
    existing.user?.email ?? existing.user?.name ?? existing.user?.id ?? "a stored sign-in",
  );
  env.stderr.write(
    `Profile ${paths.profile} is signed in as ${who}; the new sign-in replaces it once it is ` +
      "approved and saved (the old one is then revoked).\n",
  );
  if (!env.stdinIsTerminal || options.force || options.json) {
    env.stderr.write(
      `  To keep it and sign in beside it: "twg login --profile <name>".\n`,
    );
    return null;
  }
  // askLine: Ctrl-C ends the question at once ("Interrupted; nothing was
  // saved", exit 130), where a bare read would wait for Enter.
  for (;;) {
    const answer =
      (await askLine(env, "Replace it, or add another profile? [r]eplace/[a]dd/[c]ancel: "))
        ?.trim().toLowerCase();
    if (answer === "r" || answer === "replace") return null;
    if (answer === null || answer === undefined || answer === "c" || answer === "cancel") {
      env.stderr.write("Nothing was changed.\n");
      throw new ReportedError(ExitCode.interrupted);
    }
    if (answer === "a" || answer === "add") break;
    // Said, not silently asked again (an arrow key arrives as nothing at all).
    env.stderr.write('Please answer "r" (replace), "a" (add a profile) or "c" (cancel).\n');
  }
  for (;;) {
    const name = (await askLine(env, "Name of the new profile (e.g. work): "))?.trim();
    if (!name) {
      env.stderr.write("Nothing was changed.\n");
      throw new ReportedError(ExitCode.interrupted);
    }
    try {
      assertProfileName(name);
    } catch (error) {
      env.stderr.write(`${messageOf(error)}\n`);
      continue;
    }
    if (name === paths.profile) continue;
    env.stderr.write(
      `  Use it later with "--profile ${name}" or "twg auth switch --profile ${name}".\n`,
    );
    return name;
  }
}

/** Step 2. Discovers the server, asks for a device code, and shows it (and, with --json, says so). */
async function requestCode(
  env: Env,
  settings: Settings,
  clientId: string,
  options: LoginOptions,
): Promise<{ metadata: ServerMetadata; authorization: DeviceAuthorization }> {
  const metadata = await discover(env, settings.issuer, env.interrupt);
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
    env.interrupt,
  );
  if (options.json) {
    printJsonLine(env, {
      event: "device_authorization",
      verificationUri: authorization.verificationUri,
      verificationUriComplete: verificationTarget(authorization, metadata.issuer).complete,
      userCode: authorization.userCode,
      expiresAt: new Date(authorization.expiresAt).toISOString(),
    });
  }
  await showCode(env, authorization, metadata.issuer, options);
  return { metadata, authorization };
}

/** Step 3. Polls until the person approves (or denies), with a spinner that counts down. */
async function waitForApproval(
  env: Env,
  metadata: ServerMetadata,
  clientId: string,
  authorization: DeviceAuthorization,
  options: LoginOptions,
): Promise<TokenResponse> {
  const spinner = options.json
    ? { update() {}, stop() {} }
    : startSpinner(env, "Waiting for approval in the browser…");
  // Redrawn at every frame, so the countdown keeps moving through long backoffs.
  let problem: string | null = null;
  const waitingLine = () => {
    const left = Math.max(0, Math.round((authorization.expiresAt - env.now()) / 1000));
    const state = problem ? `${problem}, retrying…` : "Waiting for approval in the browser…";
    return `${state} (code expires in ${formatDuration(left)})`;
  };
  try {
    return await pollForToken(env, {
      tokenEndpoint: metadata.tokenEndpoint,
      clientId,
      authorization,
      signal: env.interrupt,
      onWait: () => spinner.update(waitingLine),
      onUnreachable: (next) => {
        // Without a terminal there is no spinner line: say it once.
        if (!problem && !env.stderr.isTerminal) {
          warn(env, `${next}; retrying until the code expires`);
        }
        problem = next;
      },
      onReachable: () => {
        problem = null;
      },
    });
  } finally {
    spinner.stop();
  }
}

/**
 * Step 5. Saves the sign-in through the door, before any further question:
 * the person has approved it, and a Ctrl-C at a prompt must not throw that
 * away. Returns the tokens it replaced (to revoke) and the Bitbucket token it
 * kept.
 */
async function saveSignIn(
  env: Env,
  paths: ConfigPaths,
  options: LoginOptions,
  signIn: Pick<Credentials, "oauth" | "user" | "site" | "sites" | "origins">,
): Promise<{ replaced: OAuthTokens | null; bitbucketToken: string | null }> {
  return await changeSignIn(env, paths, async (stored) => {
    // Re-read under the lock: a refresh may have rotated the old tokens since,
    // and the one to revoke is the latest. With --force too: the old sign-in
    // was kept working until now, and is revoked once this one is saved;
    // only its Bitbucket token is dropped.
    const replaced = stored?.oauth ?? null;
    // The Bitbucket token kept follows the sign-in's backend.
    const kept = await storedBitbucketTokenFor(
      env,
      paths.dir,
      options.force ? null : stored?.bitbucketToken ?? null,
      backendOf(signIn.oauth?.refreshToken),
    );
    return {
      kind: "write",
      credentials: { ...emptyCredentials(), ...signIn, bitbucketToken: kept },
      result: { replaced, bitbucketToken: kept },
    };
  }, { lock: { signal: env.interrupt } });
}

/** Step 6. Says the sign-in is saved (with --json, the `authenticated` event). */
function reportSaved(
  env: Env,
  paths: ConfigPaths,
  options: LoginOptions,
  user: User,
  siteChoice: { site: Site | null; problem: UsageError | null },
): void {
  // Saved is saved: an agent learns it even when a site question follows
  // (then an error event, the last line, says what is left to choose).
  if (options.json) {
    printJsonLine(env, {
      event: "authenticated",
      user,
      site: siteChoice.site,
      credentialsPath: paths.authConf,
    });
  }
  const check = styleFor(env, env.stderr).success("✔");
  env.stderr.write(
    `${check} Authentication successful!\n` +
      `${check} Authenticated as ${terminalSafe(user.name ?? user.id)}\n` +
      `${check} Credentials saved to ${displayPath(paths.authConf, env.homeDir)}\n`,
  );
}

/** Step 7, on a terminal when the account reaches several sites: asks which; false when none was chosen. */
async function askAndSaveSite(env: Env, paths: ConfigPaths, sites: Site[]): Promise<boolean> {
  const chosen = await askForSite(env, sites);
  if (!chosen) {
    env.stderr.write(
      '\nNo site chosen; the sign-in is saved. "twg auth switch" chooses one later.\n',
    );
    return false;
  }
  await saveSiteChoice(env, paths, chosen, sites);
  const check = styleFor(env, env.stderr).success("✔");
  env.stderr.write(`${check} Site: ${terminalSafe(chosen.name)} (${terminalSafe(chosen.url)})\n`);
  return true;
}

/**
 * After a saved login, on a terminal: the optional Bitbucket token, with what
 * it is for and where to make one. Enter or Ctrl-C skips the question and
 * keeps the sign-in (exit 0: the login the command was run for succeeded).
 */
async function offerBitbucketToken(env: Env): Promise<void> {
  if (!env.stdinIsTerminal || env.getVar("TWG_BBC_TOKEN")) return;
  const style = styleFor(env, env.stderr);
  // Atlassian: Bitbucket API tokens replace app passwords ("Using API tokens",
  // https://support.atlassian.com/bitbucket-cloud/docs/api-tokens/); they are
  // created at id.atlassian.com under "Create API token with scopes", app
  // Bitbucket (https://support.atlassian.com/bitbucket-cloud/docs/create-an-api-token/).
  env.stderr.write(
    `\nOptional: a Bitbucket token, for "twg api --bitbucket" (Bitbucket's API does not\n` +
      `accept the sign-in above). Create one at\n` +
      `  https://id.atlassian.com/manage-profile/security/api-tokens\n` +
      `("Create API token with scopes", app Bitbucket). ${
        style.dim('Later: "twg setup bitbucket".')
      }\n`,
  );
  let token: string | null;
  try {
    token = await askForBitbucketToken(env, { optional: true });
  } catch (error) {
    if (!isAbortError(error)) throw error;
    env.stderr.write(
      'Skipped; the sign-in is saved. "twg setup bitbucket" stores a token later.\n',
    );
    return;
  }
  if (token) await storeBitbucketToken(env, configPaths(env), token);
}

/**
 * `--force`: moves an untrusted file aside, or removes a trusted one (after
 * revoking its token), through the door: the move or removal is flushed, so
 * a power cut cannot bring the discarded sign-in back. A file moved aside
 * that others could read has its refresh token revoked too.
 */
async function discardStored(env: Env, store: SignInStore): Promise<null> {
  let exposedRevoked = false;
  const movedAsideTo = await changeSignIn(env, store, async (stored, door) => {
    if (!stored) {
      // Readable by others: its tokens may be in someone else's hands.
      if (door.movedAsideExposed) exposedRevoked = await revokeStored(env, door.movedAsideExposed);
      return { kind: "keep", result: door.movedAsideTo };
    }
    await revokeStored(env, stored);
    return { kind: "remove", result: null };
  }, { lock: { signal: env.interrupt }, untrusted: "move-aside" });
  if (movedAsideTo) {
    warn(env, `Moved the unusable credentials aside to ${displayPath(movedAsideTo, env.homeDir)}`);
  }
  if (exposedRevoked) {
    warn(env, "Its refresh token was revoked at the server: other users could read that file");
  }
  return null;
}

/** Revokes the stored refresh token at its own revocation endpoint (best effort); whether it was sent. */
async function revokeStored(env: Env, stored: Credentials): Promise<boolean> {
  const token = await revocableRefreshToken(
    env,
    configPaths(env).dir,
    stored.oauth?.refreshToken,
    stored.oauth,
  );
  if (!token || !stored.oauth?.revocationEndpoint) return false;
  return await revokeToken(
    env,
    stored.oauth.revocationEndpoint,
    stored.oauth.clientId,
    token,
    "refresh_token",
  );
}

/**
 * Where the person is sent to approve, and whether twg may open it for them.
 * RFC 8628 §5.4 (remote phishing) and RFC 10027 (BCP 247, "Best Current
 * Practice for Security of Cross-Device Flows",
 * https://www.rfc-editor.org/rfc/rfc10027.html) both rest on the person
 * seeing where they grant access: a complete link on another host than the
 * verification page is dropped (the person types the code on the page), and
 * a verification page on another host than the issuer is shown with a
 * warning and never opened automatically.
 */
export function verificationTarget(
  authorization: Pick<DeviceAuthorization, "verificationUri" | "verificationUriComplete">,
  issuer: string,
): { url: string; complete: string | null; warnings: string[]; mayOpen: boolean } {
  const hostOf = (url: string) => {
    try {
      return new URL(url).host.toLowerCase();
    } catch {
      return null;
    }
  };
  const warnings: string[] = [];
  const issuerHost = hostOf(issuer);
  const pageHost = hostOf(authorization.verificationUri);
  let complete = authorization.verificationUriComplete;
  if (complete !== null && hostOf(complete) !== pageHost) {
    warnings.push(
      `The server's sign-in link points at ${
        terminalSafe(hostOf(complete) ?? complete)
      }, not at its verification page on ${terminalSafe(pageHost ?? "?")}; ignoring the link`,
    );
    complete = null;
  }
  const mayOpen = pageHost !== null && pageHost === issuerHost;
  if (!mayOpen) {
    warnings.push(
      `The verification page is on ${terminalSafe(pageHost ?? authorization.verificationUri)}, ` +
        `not on the issuer's host ${terminalSafe(issuerHost ?? issuer)}: ` +
        "not opening it; enter the code only if you trust that site",
    );
  }
  return { url: complete ?? authorization.verificationUri, complete, warnings, mayOpen };
}

async function showCode(
  env: Env,
  authorization: DeviceAuthorization,
  issuer: string,
  options: LoginOptions,
): Promise<void> {
  const style = styleFor(env, env.stderr);
  const target = verificationTarget(authorization, issuer);
  const page = terminalSafe(authorization.verificationUri);
  env.stderr.write(`Signing in at ${terminalSafe(new URL(issuer).host)}\n`);
  for (const warning of target.warnings) warn(env, warning);
  env.stderr.write(
    `${style.warn("!")} Your one-time code: ${style.bold(terminalSafe(authorization.userCode))}\n`,
  );
  // openBrowser itself honours TWG_NO_BROWSER, BROWSER=none and headless
  // systems, and says which applied.
  if (options.browser && target.mayOpen) {
    const result = await openBrowser(env, target.url);
    if (result.opened) {
      env.stderr.write(
        `Opened ${terminalSafe(target.url)} in your browser; confirm the code there.\n`,
      );
      return;
    }
    env.stderr.write(style.dim(`No browser opened (${result.reason}).\n`));
  }
  env.stderr.write(`Open ${page} in a browser and enter the code`);
  env.stderr.write(target.complete ? `, or open:\n  ${terminalSafe(target.complete)}\n` : ".\n");
}

/**
 * The site for a new sign-in, decided without a prompt: `--site`, or the only
 * one. Several sites without `--site` are asked about after the save, on a
 * terminal (`canAsk`); elsewhere, as a `--site` that matches nothing, they
 * are a usage error raised once the sign-in is saved (`problem`): the token
 * reaches every site, so "twg auth switch" picks one without a new login.
 */
async function chooseSite(
  env: Env,
  resourcesUrl: string,
  accessToken: string,
  options: LoginOptions,
  /** The site the replaced sign-in used: kept when the new one still reaches it. */
  previous: Site | null = null,
): Promise<
  { site: Site | null; sites: Site[] | null; problem: UsageError | null; canAsk: boolean }
> {
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
    return { site: null, sites: null, problem: null, canAsk: false };
  }
  const next = 'The sign-in is saved: run "twg auth switch --site <id>" with one of them';
  if (options.site) {
    const match = matchSite(sites, options.site);
    return match
      ? { site: match, sites, problem: null, canAsk: false }
      : { site: null, sites, problem: noSiteMatches(options.site, sites, next), canAsk: false };
  }
  const kept = previous ? sites.find((site) => site.id === previous.id) : undefined;
  if (kept) return { site: kept, sites, problem: null, canAsk: false };
  if (sites.length <= 1) return { site: sites[0] ?? null, sites, problem: null, canAsk: false };
  if (!env.stdinIsTerminal || options.json) {
    return { site: null, sites, problem: siteNotChosen(sites, next), canAsk: false };
  }
  return { site: null, sites, problem: null, canAsk: true };
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

/**
 * A keyring sign-in replaced by a file-backed one (`login --force --backend
 * file`): once its token is revoked, its key seals nothing any more and is
 * removed from the keyring, unless something saved now is sealed under it.
 */
async function removeUnusedKey(
  env: Env,
  paths: ConfigPaths,
  replaced: OAuthTokens | null,
  saved: (string | null)[],
): Promise<void> {
  if (backendOf(replaced?.refreshToken) !== "keyring") return;
  if (saved.some((value) => backendOf(value) === "keyring")) return;
  await removeKeyringKey(env, paths.dir, { wasKeyring: true });
}

/**
 * Re-login replaces the credentials; the old refresh token is revoked once
 * the new ones are safe, and only at the issuer that issued it: a token is a
 * secret of its issuer, and another server must never receive it. Without a
 * stored endpoint, the old issuer's own metadata is read again; failing that,
 * the revocation is skipped with a note.
 */
async function revokeReplaced(
  env: Env,
  previous: OAuthTokens | null,
  current: OAuthTokens,
): Promise<void> {
  if (!previous?.refreshToken || previous.refreshToken === current.refreshToken) return;
  let endpoint = previous.revocationEndpoint;
  if (!endpoint && sameIssuer(previous.issuer, current.issuer)) {
    endpoint = current.revocationEndpoint;
  } else if (!endpoint) {
    endpoint = await discover(env, previous.issuer, env.interrupt).then(
      (metadata) => metadata.revocationEndpoint,
      () => null,
    );
  }
  if (!endpoint) {
    warn(
      env,
      `The previous sign-in at ${
        terminalSafe(previous.issuer)
      } was not revoked: that server names no revocation endpoint`,
    );
    return;
  }
  const token = await revocableRefreshToken(
    env,
    configPaths(env).dir,
    previous.refreshToken,
    previous,
  );
  if (token) await revokeToken(env, endpoint, previous.clientId, token, "refresh_token");
}

function sameIssuer(a: string, b: string): boolean {
  return a.replace(/\/$/, "") === b.replace(/\/$/, "");
}

function printJsonLine(env: Env, value: Record<string, unknown>): void {
  env.stdout.write(JSON.stringify({ schemaVersion, ...value }) + "\n");
}

function formatDuration(seconds: number): string {
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}
