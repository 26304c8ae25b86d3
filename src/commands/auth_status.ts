/**
 * `twg auth status`: who is signed in, offline and fast.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { detectAgentFromEnv } from "../agents/detect.ts";
import { tokenTimes } from "../auth/refresh.ts";
import { configPaths } from "../config/paths.ts";
import { isRefreshDue } from "../credentials/credentials.ts";
import { isStoreWritable } from "../credentials/preflight.ts";
import { readCredentials } from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { ExitCode, ReportedError } from "../errors.ts";
import { displayPath, styleFor } from "../ui/style.ts";
import { bitbucketTokenSource } from "./setup_bitbucket.ts";
import { accessTokenVariable, envAccessToken } from "../auth/env_token.ts";
import { givenTokenExpiresAt } from "../auth/with_token.ts";

/** The `auth status --json` document (contract). */
export interface AuthStatus {
  loggedIn: boolean;
  /** `"env"`: `TWG_OAUTH_ACCESS_TOKEN`; `"token"`: stored by `login --with-token`. */
  method: "oauth" | "token" | "env" | null;
  /** The variable the token comes from when `method` is `"env"`. */
  accessTokenVariable: string | null;
  /** Whether twg can refresh this token (false for `"env"` and `"token"`). */
  refreshable: boolean;
  backend: "file";
  user: { id: string; name: string | null; email: string | null } | null;
  site: { id: string; url: string; name: string } | null;
  accessTokenExpiresAt: string | null;
  refreshDueAt: string | null;
  fresh: boolean | null;
  /** Set when the server rejected the refresh token: a new login is needed. */
  needsLogin: boolean;
  configDir: string;
  configWritable: boolean;
  bitbucketToken: "env" | "store" | null;
  agent: string | null;
}

/** Declares `twg auth status`. */
export function authStatusCommand(env: Env) {
  return new Command("status")
    .description("Show who is signed in, the site, and when the token expires (offline)")
    .option("--json", "print the status as JSON on stdout")
    .action(async (options) => {
      await runAuthStatus(env, { json: options.json ?? false });
    });
}

/** Reads the local state; sends no network request of any kind. */
export async function readAuthStatus(env: Env): Promise<AuthStatus> {
  const paths = configPaths(env);
  const credentials = await readCredentials(env, paths.authConf);
  const tokens = credentials?.oauth ?? null;
  const times = tokens ? tokenTimes(tokens) : null;
  const configWritable = await isStoreWritable(env, paths.dir, paths.authConf);
  const fromEnv = envAccessToken(env) !== null;
  const isGiven = tokens?.method === "token";
  const givenExpiry = tokens && isGiven ? givenTokenExpiresAt(tokens) : null;
  const status: AuthStatus = {
    loggedIn: Boolean(tokens && !tokens.rejectedAt),
    method: tokens ? (isGiven ? "token" : "oauth") : null,
    accessTokenVariable: null,
    refreshable: Boolean(tokens && !isGiven && tokens.refreshToken),
    backend: "file",
    user: credentials?.user ?? null,
    site: credentials?.site ?? null,
    accessTokenExpiresAt: times?.expiresAt ?? null,
    refreshDueAt: times?.refreshDueAt ?? null,
    fresh: tokens ? !isRefreshDue(tokens, env.now()) : null,
    needsLogin: Boolean(tokens?.rejectedAt),
    configDir: paths.dir,
    configWritable,
    bitbucketToken: bitbucketTokenSource(env, credentials?.bitbucketToken ?? null),
    agent: await detectAgentFromEnv(env),
  };
  if (isGiven) {
    status.accessTokenExpiresAt = givenExpiry === null ? null : new Date(givenExpiry).toISOString();
    status.refreshDueAt = null;
    status.fresh = null;
  }
  if (!fromEnv) return status;
  // TWG_OAUTH_ACCESS_TOKEN wins for auth token and api: nothing is known of it
  // but where it comes from (its value is never shown); the stored site still
  // names the API URL's {siteId}.
  return {
    ...status,
    loggedIn: true,
    method: "env",
    accessTokenVariable,
    refreshable: false,
    user: null,
    accessTokenExpiresAt: null,
    refreshDueAt: null,
    fresh: null,
    needsLogin: false,
  };
}

/** Prints the status; exit 3 when not logged in. */
export async function runAuthStatus(env: Env, options: { json: boolean }): Promise<void> {
  const status = await readAuthStatus(env);
  if (options.json) {
    env.stdout.write(JSON.stringify(status, null, 2) + "\n");
  } else {
    env.stderr.write(formatStatus(env, status));
  }
  if (!status.loggedIn) throw new ReportedError(ExitCode.authRequired);
}

function formatStatus(env: Env, status: AuthStatus): string {
  const style = styleFor(env, env.stderr);
  const lines: string[] = [];
  if (status.method === "env") {
    lines.push(
      `${style.success("✔")} Using the access token in ${status.accessTokenVariable} ` +
        "(for auth token and api; never refreshed, never stored)",
    );
  } else if (status.loggedIn && status.user) {
    const email = status.user.email ? ` (${status.user.email})` : "";
    lines.push(`${style.success("✔")} Logged in as ${status.user.name ?? status.user.id}${email}`);
  } else if (status.loggedIn) {
    lines.push(`${style.success("✔")} Logged in with a stored access token`);
  } else if (status.needsLogin) {
    lines.push(`${style.error("✖")} The server rejected the stored sign-in; run "twg login"`);
  } else {
    lines.push(`${style.error("✖")} Not logged in; run "twg login"`);
  }
  if (status.site) lines.push(`  Site: ${status.site.name} (${status.site.url})`);
  if (status.method === "token") {
    lines.push(
      `  Token: given with "twg login --with-token"; it cannot be refreshed${
        status.accessTokenExpiresAt ? `, expires ${status.accessTokenExpiresAt}` : ""
      }`,
    );
  } else if (status.method === "oauth" && status.accessTokenExpiresAt) {
    const state = status.fresh ? "valid" : "refresh due";
    lines.push(
      `  Token: ${state}, expires ${status.accessTokenExpiresAt}, refresh due ${status.refreshDueAt}`,
    );
  }
  const writable = status.configWritable ? "writable" : style.warn("not writable");
  lines.push(`  Credentials: file, in ${displayPath(status.configDir, env.homeDir)} (${writable})`);
  lines.push(
    `  Bitbucket token: ${
      {
        env: "from TWG_BBC_TOKEN",
        store: "stored",
        none: "not set",
      }[status.bitbucketToken ?? "none"]
    }`,
  );
  if (status.agent) lines.push(`  Coding agent: ${status.agent}`);
  return lines.join("\n") + "\n";
}
