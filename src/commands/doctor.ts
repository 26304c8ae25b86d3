/**
 * `twg doctor`: a health check that names what is wrong and what to run.
 * Sends no refresh request.
 *
 * @module
 */
import { terminalSafeLines } from "../ui/terminal_text.ts";
import { Command } from "@commander-js/extra-typings";
import { agentCheckDetail } from "../agents/doctor_check.ts";
import { tokenTimes } from "../auth/refresh.ts";
import { describeMismatch, settingMismatches } from "../auth/settings_mismatch.ts";
import { isStoreWritable } from "../credentials/preflight.ts";
import { bitbucketTokenSource } from "../credentials/bitbucket_token.ts";
import { readUpkeepStatus } from "../upkeep/status.ts";
import { describeKeeper, readKeeperState } from "../auth/keeper_state.ts";
import { configPaths } from "../config/paths.ts";
import { loadSettings } from "../config/settings.ts";
import { isExpired, isRefreshDue } from "../credentials/auth_conf.ts";
import { readCredentials } from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { backendOf } from "../credentials/keyring.ts";
import { probeKeyring } from "../credentials/keyring_use.ts";
import { ExitCode, isAbortError, messageOf, ReportedError, TwgError } from "../errors.ts";
import { discover } from "../oauth/discovery.ts";
import { requestJson } from "../oauth/http.ts";
import { displayPath, styleFor } from "../ui/style.ts";
import { formatTime } from "../ui/time.ts";
import { version } from "../version.ts";
import { type DoctorCheck, everyCheck } from "../doctor_shape.ts";
import { jsonDocument } from "../json_documents.ts";
import { accessTokenVariable, envAccessToken } from "../auth/env_token.ts";
import { givenTokenExpiresAt } from "../auth/with_token.ts";

/** One line of the report. */
export type Check = DoctorCheck;

/** Declares `twg doctor`. */
export function doctorCommand(env: Env) {
  return new Command("doctor")
    .description("Check the sign-in, the server, the credential store and the helper")
    .option("--json", "print the checks as JSON on stdout")
    .action(async (options) => {
      await runDoctor(env, { json: options.json ?? false });
    });
}

/** Runs every check; exit 1 when any fails. */
export async function runDoctor(env: Env, options: { json: boolean }): Promise<void> {
  const checks = everyCheck(await collectChecks(env));
  const ok = checks.every((check) => check.status !== "fail");
  if (options.json) {
    env.stdout.write(JSON.stringify(jsonDocument("doctor", { ok, checks }), null, 2) + "\n");
  } else {
    // The report is what doctor exists for: stdout, so `twg doctor | grep ✖` works.
    const style = styleFor(env, env.stdout);
    const marks = {
      ok: style.success("✔"),
      warn: style.warn("!"),
      fail: style.error("✖"),
      skip: style.dim("-"),
    };
    for (const check of checks) {
      // A multi-line detail (a scheduler's own error output) goes below its
      // check, indented, rather than inside the one-line summary. Details
      // quote the server (names, error descriptions): through the one sanitiser.
      const [first, ...rest] = terminalSafeLines(check.detail).trimEnd().split("\n");
      env.stdout.write(`${marks[check.status]} ${check.name}: ${first}\n`);
      for (const line of rest) env.stdout.write(`    ${line}\n`);
    }
  }
  if (!ok) throw new ReportedError(ExitCode.failure);
}

/** The checks, in the contract's order and with its stable names. */
export async function collectChecks(env: Env): Promise<Check[]> {
  const paths = configPaths(env);
  const checks: Check[] = [];
  // One check per name, always (scripts look them up by name): a second
  // finding for the same name joins the first, the worse status winning.
  const rank = { skip: 0, ok: 0, warn: 1, fail: 2 };
  const add = (name: string, status: Check["status"], detail: string) => {
    const earlier = checks.find((check) => check.name === name);
    if (!earlier) checks.push({ name, status, detail });
    else {
      if (rank[status] > rank[earlier.status]) earlier.status = status;
      earlier.detail += `; ${detail}`;
    }
  };
  const shownAuthConf = displayPath(paths.authConf, env.homeDir);

  let credentials = null;
  // Set when auth.conf (or its directory) is refused: later checks point here
  // instead of failing again for the same cause.
  let credentialsRefused = false;
  try {
    credentials = await readCredentials(env, paths.authConf);
    if (credentials?.oauth && backendOf(credentials.oauth.refreshToken) === "keyring") {
      const probe = await probeKeyring(env, paths.dir);
      add(
        "credentials",
        probe.ok ? "ok" : "fail",
        `${shownAuthConf} (oauth, keyring backend: ${probe.detail})`,
      );
    } else if (credentials?.oauth) {
      add("credentials", "ok", `${shownAuthConf} (oauth, file backend)`);
    } else if (envAccessToken(env)) {
      add("credentials", "ok", `none stored; ${accessTokenVariable} is used`);
    } else add("credentials", "fail", `not logged in; run "twg login"`);
  } catch (error) {
    const hint = error instanceof TwgError && error.hint ? ` — ${error.hint}` : "";
    add("credentials", "fail", messageOf(error) + hint);
    credentialsRefused = true;
  }
  // Signed out (or refused): one failure, in "credentials"; what depends on a sign-in is skipped.
  const isSignedOut = !credentials?.oauth && !envAccessToken(env);
  const notSignedIn = credentialsRefused
    ? "not checked: see credentials"
    : "not checked: not signed in (see credentials)";
  const tokens = credentials?.oauth ?? null;
  const now = env.now();
  const fromEnv = envAccessToken(env);
  // The method, and for "env" which variable (never its value).
  add(
    "method",
    fromEnv || tokens ? "ok" : "warn",
    fromEnv
      ? `env (${accessTokenVariable}; wins over the stored credentials for auth token and api)`
      : tokens?.method === "token"
      ? 'token (from "twg login --with-token"; it cannot be refreshed)'
      : tokens
      ? "oauth"
      : "none",
  );
  const givenExpiry = tokens?.method === "token" ? givenTokenExpiresAt(tokens) : null;
  if (fromEnv) add("token", "ok", `from ${accessTokenVariable}; never refreshed by twg`);
  else if (!tokens) add("token", "skip", notSignedIn);
  else if (tokens.method === "token") {
    if (givenExpiry !== null && givenExpiry <= now) {
      add("token", "fail", 'expired; it cannot be refreshed: run "twg login"');
    } else {
      add(
        "token",
        "ok",
        `given with --with-token, not refreshable${
          givenExpiry === null
            ? ""
            : `; expires ${formatTime(new Date(givenExpiry).toISOString(), now)}`
        }`,
      );
    }
  } else if (tokens.rejectedAt) {
    add(
      "token",
      "fail",
      `rejected by the server at ${formatTime(tokens.rejectedAt, now)}; run "twg login"`,
    );
  } else {
    const { expiresAt, refreshDueAt } = tokenTimes(tokens);
    const times = `expires ${formatTime(expiresAt, now)}, refresh due ${
      formatTime(refreshDueAt, now)
    }`;
    if (isExpired(tokens, now)) {
      add("token", "warn", `expired: ${times}; "twg auth refresh" renews it`);
    } else if (isRefreshDue(tokens, now)) {
      add("token", "warn", `refresh due: ${times}; "twg auth refresh" renews it`);
    } else add("token", "ok", `valid: ${times}`);
  }

  const user = credentials?.user;
  if (isSignedOut) {
    add("user", "skip", notSignedIn);
    add("site", "skip", notSignedIn);
  } else {
    add(
      "user",
      user ? "ok" : "warn",
      user ? `${user.name ?? user.id}${user.email ? ` <${user.email}>` : ""}` : "unknown",
    );
    const site = credentials?.site;
    add(
      "site",
      site ? "ok" : "warn",
      site
        ? `${site.name} (${site.url})`
        : 'none selected; "twg auth switch" chooses one (no new login)',
    );
  }

  let settings;
  try {
    settings = await loadSettings(env, paths.configJson);
  } catch (error) {
    // Its own check: the issuer itself may still be fine (from auth.conf).
    const hint = error instanceof TwgError && error.hint ? ` — ${error.hint}` : "";
    // The same refused directory as auth.conf's is one cause: reported there.
    if (credentialsRefused) {
      add("config", "skip", `not checked: see credentials (${messageOf(error)})`);
    } else add("config", "fail", messageOf(error) + hint);
  }
  // Without a client id no sign-in can start: say where one comes from.
  const clientId = tokens?.clientId ?? settings?.clientId ?? null;
  if (settings || tokens) {
    add(
      "client-id",
      clientId ? "ok" : "fail",
      clientId
        ? tokens?.clientId ? "the stored sign-in's" : "configured"
        : 'none configured: "twg config set client-id <id>" or TWG_CLIENT_ID ("twg help environment")',
    );
  }
  let userinfoEndpoint: string | null = null;
  const issuer = tokens?.issuer ?? settings?.issuer;
  if (issuer) {
    try {
      userinfoEndpoint = (await discover(env, issuer, env.interrupt)).userinfoEndpoint;
      const mismatches = tokens ? await settingMismatches(env, paths, tokens) : [];
      add(
        "issuer",
        mismatches.length ? "warn" : "ok",
        [`${issuer} reachable`, ...mismatches.map(describeMismatch)].join("; "),
      );
    } catch (error) {
      // Ctrl-C is not a failed check: main reports it (exit 130).
      if (isAbortError(error)) throw error;
      const hint = error instanceof TwgError && error.hint ? ` — ${error.hint}` : "";
      add("issuer", "fail", `${issuer}: ${messageOf(error)}${hint}`);
    }
  } else if (settings) {
    add("issuer", "fail", "none configured; set TWG_ISSUER to the OAuth server's URL");
  }
  const server = isSignedOut
    ? { name: "server", status: "skip" as const, detail: notSignedIn }
    : await serverCheck(
      env,
      fromEnv ??
        (tokens && !tokens.rejectedAt &&
            (tokens.method === "token"
              ? givenExpiry === null || givenExpiry > now
              : !isExpired(tokens, now))
          ? tokens.accessToken
          : null),
      userinfoEndpoint ?? settings?.resourcesUrl ?? null,
    );
  add(server.name, server.status, server.detail);

  const isWritable = await isStoreWritable(env, paths.dir, paths.authConf);
  if (credentialsRefused && isWritable) {
    add("store", "warn", "writable, but its auth.conf is refused (see credentials)");
  } else {
    add(
      "store",
      isWritable ? "ok" : "fail",
      isWritable
        ? `${displayPath(paths.dir, env.homeDir)} can be replaced atomically`
        : `${
          displayPath(paths.dir, env.homeDir)
        } is not writable: refreshes are impossible here ("twg auth refresh" explains)`,
    );
  }
  const upkeep = await readUpkeepStatus(env).catch(() => null);
  if (upkeep?.enabled) {
    const last = upkeep.lastRun
      ? `; last run ${formatTime(upkeep.lastRun, now)} (${upkeep.lastResult})`
      : "";
    add(
      "upkeep",
      upkeep.error && upkeep.lastResult?.startsWith("failed") ? "warn" : "ok",
      `${upkeep.scheduler}: ${upkeep.detail}${last}`,
    );
  } else {
    add(
      "upkeep",
      "warn",
      `not enabled; "twg upkeep enable" keeps the sign-in fresh${
        upkeep?.error ? `\nlast error: ${upkeep.error}` : ""
      }`,
    );
  }
  // Sandboxes are supplied by the timer above, the keeper, or both.
  const keeper = await readKeeperState(env, paths);
  add(
    "keeper",
    keeper.broker.running || keeper.tokenFile?.valid || upkeep?.enabled ? "ok" : "warn",
    keeper.broker.running || keeper.tokenFile?.valid
      ? describeKeeper(keeper)
      : `${
        describeKeeper(keeper)
      }; sandboxes that cannot write the store need upkeep or "twg auth serve"`,
  );
  const bitbucket = bitbucketTokenSource(env, credentials?.bitbucketToken ?? null);
  add(
    "bitbucket",
    bitbucket ? "ok" : "warn",
    bitbucket === "env"
      ? "from TWG_BBC_TOKEN"
      : bitbucket === "store"
      ? "stored"
      : 'not set; "twg setup bitbucket"',
  );
  add("agent", "ok", await agentCheckDetail(env, paths.dir, isWritable));
  add("version", "ok", `twg ${version} (${env.runtime}, ${env.os})`);
  return checks;
}

async function serverCheck(
  env: Env,
  accessToken: string | null,
  probeUrl: string | null,
): Promise<Check> {
  if (!accessToken) {
    return { name: "server", status: "warn", detail: "no valid access token to present" };
  }
  if (!probeUrl) {
    return { name: "server", status: "warn", detail: "no userinfo or resources endpoint to ask" };
  }
  try {
    const response = await requestJson(env, probeUrl, {
      headers: { authorization: `Bearer ${accessToken}` },
      signal: env.interrupt,
    });
    if (response.ok) {
      return { name: "server", status: "ok", detail: "the access token is accepted" };
    }
    return {
      name: "server",
      status: "fail",
      detail: `the server answered HTTP ${response.status} to the access token; ${
        envAccessToken(env)
          ? `replace ${accessTokenVariable}, or unset it to use the stored sign-in`
          : '"twg auth refresh --force" or "twg login"'
      }`,
    };
  } catch (error) {
    if (isAbortError(error)) throw error;
    return { name: "server", status: "fail", detail: networkFailureText(error, probeUrl) };
  }
}

/**
 * A failed request in words: the host and the cause's code (Node and Deno
 * both say only "fetch failed" / "error sending request" at the top, the
 * reason, e.g. ECONNREFUSED, is in the cause).
 */
function networkFailureText(error: unknown, url: string): string {
  const host = URL.canParse(url) ? new URL(url).host : url;
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause; depth++) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === "string" && /^E[A-Z]+$/.test(code)) {
      return `cannot reach ${host} (${code}); check the network and TWG_ISSUER`;
    }
    cause = (cause as { cause?: unknown }).cause;
  }
  const message = messageOf(error).replace(/:?\s*(fetch failed|error sending request[^:]*)$/i, "");
  return `${message || `cannot reach ${host}`}; check the network and TWG_ISSUER`;
}
