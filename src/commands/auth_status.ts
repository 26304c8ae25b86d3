/**
 * `twg auth status`: who is signed in, offline and fast. Free of commander:
 * `src/main.ts` runs it without the parser (its declaration is
 * `auth_status_command.ts`).
 *
 * @module
 */
import { terminalSafe } from "../ui/terminal_text.ts";
import { jsonDocument } from "../json_documents.ts";
import { detectAgentInfoFromEnv } from "../agents/detect.ts";
import { configPaths, defaultProfile } from "../config/paths.ts";
import { selectSite, type SiteSelector } from "../auth/site_selector.ts";
import { listProfiles } from "../config/profiles.ts";
import { isStoreWritable } from "../credentials/preflight.ts";
import { readCredentials } from "../credentials/store.ts";
import { withRecordedRejectionIn } from "../auth/refresh_in_flight.ts";
import type { CredentialBackend } from "../credentials/keyring.ts";
import { describeSites } from "../auth/site_choice.ts";
import {
  describeMismatch,
  type SettingMismatch,
  settingMismatches,
} from "../auth/settings_mismatch.ts";
import { loadSettings } from "../config/settings.ts";
import type { Env } from "../env.ts";
import { ExitCode, messageOf, ReportedError, TwgError } from "../errors.ts";
import { displayPath, styleFor } from "../ui/style.ts";
import { formatTime } from "../ui/time.ts";
import { bitbucketTokenSource } from "../credentials/bitbucket_token.ts";
import { signInStateOf } from "../auth/sign_in_state.ts";
import { consentLine } from "../auth/consent_expiry.ts";
import { describeKeeper, type KeeperState, readKeeperState } from "../broker/keeper_state.ts";
import type { TokenSource } from "../auth/token_source.ts";

/** The `auth status --json` document (contract). */
export interface AuthStatus {
  loggedIn: boolean;
  /** `"env"`: `TWG_OAUTH_ACCESS_TOKEN`; `"token"`: stored by `login --with-token`. */
  method: "oauth" | "token" | "env" | null;
  /** The variable the token comes from when `method` is `"env"`. */
  accessTokenVariable: string | null;
  /** Whether twg can refresh this token (false for `"env"` and `"token"`). */
  refreshable: boolean;
  backend: CredentialBackend;
  user: { id: string; name: string | null; email: string | null } | null;
  site: { id: string; url: string; name: string } | null;
  /** Every site the sign-in reaches, as listed at login or by "twg auth switch". */
  sites: { id: string; url: string; name: string }[];
  /** The stored sign-in's issuer; without one, the configured issuer. */
  issuer: string | null;
  /** The scopes the server granted, as `gh auth status` shows them ("Token scopes"). */
  scopes: string[] | null;
  /** Settings that name another issuer or client than the stored sign-in's (which wins). */
  settingMismatches: SettingMismatch[];
  accessTokenExpiresAt: string | null;
  refreshDueAt: string | null;
  fresh: boolean | null;
  /** Set when the server rejected the refresh token, or the consent expired: a new login is needed. */
  needsLogin: boolean;
  /** When the consent given at login ends (the issuer's absolute expiry), or null when unknown. */
  consentExpiresAt: string | null;
  configDir: string;
  configWritable: boolean;
  bitbucketToken: "env" | "store" | null;
  /** The stable id of the coding agent detected (contract), or `"other"`, or `null`. */
  agent: string | null;
  /** The name an unknown agent declared itself with (`AI_AGENT`/`AGENT`), else `null`. */
  agentDeclared: string | null;
  /** Where `auth token` would take the token from now (its `--json` `source`), or null. */
  tokenSource: TokenSource | null;
  /** The token keeper and the access-token file that keep sandboxes supplied. */
  keeper: KeeperState;
  /** The profile this document describes (the active one: `--profile`, `TWG_PROFILE`, …). */
  profile: string;
  /** Every profile, the active one with `active: true` (offline, like the rest). */
  profiles: ProfileSummary[];
}

/** One profile in `auth status`'s `profiles` list. */
export interface ProfileSummary {
  name: string;
  active: boolean;
  loggedIn: boolean;
  needsLogin: boolean;
  user: { id: string; name: string | null; email: string | null } | null;
  site: { id: string; url: string; name: string } | null;
  accessTokenExpiresAt: string | null;
  configDir: string;
  /** Why the store could not be read, or null. */
  error: string | null;
}

/** A summary of every profile's store, read offline; unreadable ones say why. */
export async function profileSummaries(env: Env, active: string): Promise<ProfileSummary[]> {
  const names = await listProfiles(env);
  if (!names.includes(active)) names.push(active);
  return await Promise.all(names.map(async (name): Promise<ProfileSummary> => {
    const paths = configPaths(env, name);
    const base = {
      name,
      active: name === active,
      loggedIn: false,
      needsLogin: false,
      user: null,
      site: null,
      accessTokenExpiresAt: null,
      configDir: paths.dir,
      error: null,
    };
    try {
      const credentials = await readCredentials(env, paths.authConf);
      const state = signInStateOf(env, credentials);
      return {
        ...base,
        loggedIn: state.isStoredUsable,
        needsLogin: state.isRejected,
        user: credentials?.user ?? null,
        site: credentials?.site ?? null,
        accessTokenExpiresAt: state.expiresAt,
      };
    } catch (error) {
      return { ...base, error: messageOf(error) };
    }
  }));
}

/** Reads the local state; sends no network request of any kind. */
export async function readAuthStatus(env: Env): Promise<AuthStatus> {
  const paths = configPaths(env);
  const profileFields = {
    profile: paths.profile,
    profiles: await profileSummaries(env, paths.profile),
  };
  const keeper = await readKeeperState(env, paths);
  let credentials;
  try {
    credentials = await readCredentials(env, paths.authConf);
  } catch (error) {
    // A sandbox that may not read the store: what it gets from the keepers.
    const kept = keptStatus(env, paths.dir, keeper);
    if (kept) return { ...kept, ...(await agentFields(env)), ...profileFields };
    // With --json, main merges the error into what is known for certain.
    if (error instanceof TwgError) {
      error.jsonDocument = { loggedIn: false, configDir: paths.dir };
    }
    throw error;
  }
  // A rejection is recorded beside auth.conf, never in it (src/auth/refresh_rejection.ts).
  const state = signInStateOf(env, await withRecordedRejectionIn(env, paths, credentials ?? null));
  const tokens = state.tokens;
  const configWritable = await isStoreWritable(env, paths.dir, paths.authConf, { flush: false });
  const agent = await detectAgentInfoFromEnv(env);
  const status: AuthStatus = {
    loggedIn: state.isStoredUsable,
    method: state.storedMethod,
    accessTokenVariable: null,
    refreshable: state.isRefreshable,
    backend: state.backend,
    user: credentials?.user ?? null,
    site: credentials?.site ?? null,
    sites: credentials?.sites ?? (credentials?.site ? [credentials.site] : []),
    issuer: tokens?.issuer ??
      (await loadSettings(env, paths.configJson).then((settings) => settings.issuer, () => null)),
    scopes: tokens?.scope ? tokens.scope.split(/\s+/).filter(Boolean) : null,
    settingMismatches: tokens ? await settingMismatches(env, paths, tokens) : [],
    accessTokenExpiresAt: state.expiresAt,
    refreshDueAt: state.refreshDueAt,
    fresh: state.isRefreshDue === null ? null : !state.isRefreshDue,
    needsLogin: state.isRejected || state.isConsentExpired,
    consentExpiresAt: tokens?.consentExpiresAt ?? null,
    configDir: paths.dir,
    configWritable,
    bitbucketToken: state.bitbucketToken,
    agent: agent?.id ?? null,
    agentDeclared: agent?.declared ?? null,
    tokenSource: state.isStoredUsable
      ? state.backend
      : keeper.broker.running
      ? "broker"
      : keeper.tokenFile?.valid
      ? "token-file"
      : null,
    keeper,
    ...profileFields,
  };
  if (!state.envTokenVariable) return status;
  // TWG_OAUTH_ACCESS_TOKEN wins for auth token and api: nothing is known of it
  // but where it comes from (its value is never shown); the stored site still
  // names the API URL's {siteId}.
  return {
    ...status,
    loggedIn: true,
    method: "env",
    accessTokenVariable: state.envTokenVariable,
    refreshable: false,
    user: null,
    scopes: null,
    accessTokenExpiresAt: null,
    refreshDueAt: null,
    fresh: null,
    needsLogin: false,
    tokenSource: "env",
  };
}

async function agentFields(env: Env): Promise<Pick<AuthStatus, "agent" | "agentDeclared">> {
  const agent = await detectAgentInfoFromEnv(env);
  return { agent: agent?.id ?? null, agentDeclared: agent?.declared ?? null };
}

/** The status of a sandbox that cannot read the store but has a keeper, or null. */
function keptStatus(
  env: Env,
  configDir: string,
  keeper: KeeperState,
): Omit<AuthStatus, "profile" | "profiles"> | null {
  const source = keeper.broker.running ? "broker" : keeper.tokenFile?.valid ? "token-file" : null;
  if (!source) return null;
  return {
    loggedIn: true,
    method: "oauth",
    accessTokenVariable: null,
    refreshable: false,
    backend: "file",
    user: null,
    site: null,
    sites: [],
    issuer: null,
    scopes: null,
    settingMismatches: [],
    accessTokenExpiresAt: keeper.tokenFile?.expiresAt ?? null,
    refreshDueAt: null,
    fresh: null,
    needsLogin: false,
    consentExpiresAt: null,
    configDir,
    configWritable: false,
    bitbucketToken: bitbucketTokenSource(env, null),
    agent: null,
    agentDeclared: null,
    tokenSource: source,
    keeper,
  };
}

/** Prints the status (the report this command exists for, so on stdout); exit 3 when not logged in. */
export async function runAuthStatus(
  env: Env,
  options: { json: boolean; site?: SiteSelector | null },
): Promise<void> {
  let status = await readAuthStatus(env);
  // The site this command would use with the same flag; the stored choice is unchanged.
  if (options.site) status = { ...status, site: selectSite(status.sites, options.site) };
  if (options.json) {
    // Signed out is an outcome, not a crash: the document says why, in the one error shape.
    const error = status.loggedIn ? null : {
      // As exit 77's documents say it (issue 22): a person must sign in again.
      code: status.needsLogin ? "AUTH_EXPIRED" : "not-logged-in",
      message: status.needsLogin ? "The server rejected the stored sign-in" : "Not logged in",
      hint: 'Run "twg login" to sign in',
    };
    env.stdout.write(
      JSON.stringify(jsonDocument("auth status", { ...status }, error), null, 2) + "\n",
    );
  } else {
    // The report is what the command exists for: stdout, as gh's since v2.31
    // (cli/cli#7447), so that `twg auth status | grep Site` works.
    env.stdout.write(formatStatus(env, status));
  }
  // A sign-in that ended (rejected, expired) is exit 77, never signed in at all 3.
  if (!status.loggedIn) {
    throw new ReportedError(status.needsLogin ? ExitCode.authExpired : ExitCode.authRequired);
  }
}

function isPast(time: string | null, now: number): boolean {
  return time !== null && Date.parse(time) <= now;
}

function formatStatus(env: Env, status: AuthStatus): string {
  const style = styleFor(env, env.stdout);
  const lines: string[] = [];
  if (status.method === "env") {
    lines.push(
      `${style.success("✔")} Using the access token in ${status.accessTokenVariable} ` +
        "(for auth token and api; never refreshed, never stored)",
    );
  } else if (status.loggedIn && status.user) {
    const email = status.user.email ? ` (${terminalSafe(status.user.email)})` : "";
    lines.push(
      `${style.success("✔")} Logged in as ${
        terminalSafe(status.user.name ?? status.user.id)
      }${email}`,
    );
  } else if (status.loggedIn) {
    lines.push(`${style.success("✔")} Logged in with a stored access token`);
  } else if (status.needsLogin && isPast(status.consentExpiresAt, env.now())) {
    lines.push(`${style.error("✖")} The consent given at sign-in has expired; run "twg login"`);
  } else if (status.needsLogin) {
    lines.push(`${style.error("✖")} The server rejected the stored sign-in; run "twg login"`);
  } else {
    lines.push(`${style.error("✖")} Not logged in; run "twg login"`);
  }
  if (status.site) {
    lines.push(`  Site: ${terminalSafe(status.site.name)} (${terminalSafe(status.site.url)})`);
  }
  if (status.sites.length > 1) {
    lines.push(`  Sites: ${describeSites(status.sites)}; "twg auth switch" changes the site`);
  }
  if (status.issuer) lines.push(`  Issuer: ${status.issuer}`);
  if (status.scopes) lines.push(`  Token scopes: ${terminalSafe(status.scopes.join(", "))}`);
  for (const mismatch of status.settingMismatches) {
    lines.push(`  ${style.warn("!")} ${describeMismatch(mismatch)}`);
  }
  const now = env.now();
  if (status.method === "token") {
    lines.push(
      `  Token: given with "twg login --with-token"; it cannot be refreshed${
        status.accessTokenExpiresAt
          ? `, expires ${formatTime(status.accessTokenExpiresAt, now)}`
          : ""
      }`,
    );
  } else if (status.needsLogin && isPast(status.consentExpiresAt, now)) {
    lines.push(`  Token: the consent expired; a new login is needed`);
  } else if (status.needsLogin) {
    lines.push(`  Token: rejected by the server; a new login is needed`);
  } else if (status.method === "oauth" && status.accessTokenExpiresAt) {
    const isExpired = Date.parse(status.accessTokenExpiresAt) <= now;
    const state = isExpired ? "expired" : status.fresh ? "valid" : "refresh due";
    lines.push(
      `  Token: ${state}, expires ${formatTime(status.accessTokenExpiresAt, now)}`,
      `  Refresh due: ${formatTime(status.refreshDueAt ?? "", now)}`,
    );
  }
  if (status.consentExpiresAt) lines.push(`  ${consentLine(status.consentExpiresAt, now)}`);
  const writable = status.configWritable ? "writable" : style.warn("not writable");
  const kept = status.backend === "keyring"
    ? "keyring (refresh token sealed, key in the OS keyring)"
    : "file";
  lines.push(
    `  Credentials: ${kept}, in ${displayPath(status.configDir, env.homeDir)} (${writable})`,
  );
  lines.push(
    `  Bitbucket token: ${
      {
        env: "from TWG_BBC_TOKEN",
        store: "stored",
        none: "not set",
      }[status.bitbucketToken ?? "none"]
    }`,
  );
  if (status.tokenSource) lines.push(`  Token source: ${status.tokenSource}`);
  lines.push(`  Token keeper: ${describeKeeper(status.keeper)}`);
  if (status.agent) {
    const declared = status.agentDeclared ? ` (declared as ${status.agentDeclared})` : "";
    lines.push(`  Coding agent: ${status.agent}${declared}`);
  }
  if (status.profiles.length > 1 || status.profile !== defaultProfile) {
    lines.push(`  Profile: ${status.profile} ("--profile NAME" or TWG_PROFILE uses another)`);
    lines.push("Profiles:");
    for (const profile of status.profiles) lines.push(formatProfile(env, profile));
  }
  return lines.join("\n") + "\n";
}

function formatProfile(env: Env, profile: ProfileSummary): string {
  const style = styleFor(env, env.stdout);
  const mark = profile.active ? "*" : " ";
  const who = profile.user
    ? terminalSafe(profile.user.email ?? profile.user.name ?? profile.user.id)
    : null;
  const state = profile.error
    ? `${style.error("✖")} ${terminalSafe(profile.error)}`
    : profile.loggedIn
    ? `${style.success("✔")} ${who ?? "a stored access token"}`
    : profile.needsLogin
    ? `${style.error("✖")} rejected by the server; run "twg login --profile ${profile.name}"`
    : `${style.error("✖")} not logged in`;
  const site = profile.site ? `, site ${terminalSafe(profile.site.url)}` : "";
  return `${mark} ${profile.name}: ${state}${site}`;
}
