/**
 * `twg doctor`: a health check that names what is wrong and what to run.
 * Sends no refresh request.
 *
 * @module
 */
import { terminalSafeLines } from "../ui/terminal_text.ts";
import { Command } from "@commander-js/extra-typings";
import { agentCheckDetail } from "../agents/doctor_check.ts";
import { describeMismatch, settingMismatches } from "../auth/settings_mismatch.ts";
import { isStoreWritable } from "../credentials/preflight.ts";
import { readUpkeepStatus } from "../upkeep/status.ts";
import { type ConfigPaths, configPaths } from "../config/paths.ts";
import { type SignInState, signInStateOf } from "../auth/sign_in_state.ts";
import { loadSettings, type Settings } from "../config/settings.ts";
import { describeKeeper, readKeeperState } from "../broker/keeper_state.ts";
import { readCredentials } from "../credentials/store.ts";
import { withRecordedRejectionIn } from "../auth/refresh_in_flight.ts";
import { consentDaysLeft, consentLine, consentNoticeDays } from "../auth/consent_expiry.ts";
import type { Env } from "../env.ts";
import { probeKeyring } from "../credentials/keyring_use.ts";
import { ExitCode, isAbortError, messageOf, ReportedError, TwgError } from "../errors.ts";
import { discover } from "../oauth/discovery.ts";
import { requestJson } from "../oauth/http.ts";
import { bearerAuthorization } from "../oauth/token_syntax.ts";
import { assertBoundOrigin } from "../auth/token_origins.ts";
import type { Credentials } from "../credentials/auth_conf.ts";
import { displayPath, styleFor } from "../ui/style.ts";
import { formatTime } from "../ui/time.ts";
import { version } from "../version.ts";
import { accessTokenVariable, envAccessToken } from "../auth/env_token.ts";
import { type DoctorCheck as ReportedCheck, everyCheck } from "../doctor_shape.ts";
import { jsonDocument } from "../json_documents.ts";

/** One line of the report (`skip`: not run, another check's finding decides it). */
export type Check = ReportedCheck;

/** Declares `twg doctor`. */
export function doctorCommand(env: Env) {
  return new Command("doctor")
    .description("Check the sign-in, the server, the credential store and the helper")
    .option("--json", "print the checks as JSON on stdout")
    .option("--basic", 'a short offline summary, first line "Auth source: …"')
    .action(async (options) => {
      if (options.basic) {
        const { runDoctorBasic } = await import("./doctor_basic.ts");
        return await runDoctorBasic(env, { json: options.json ?? false });
      }
      await runDoctor(env, { json: options.json ?? false });
    });
}

/** Runs every check; exit 1 when any fails. */
export async function runDoctor(env: Env, options: { json: boolean }): Promise<void> {
  // One fixed set and order of checks, whatever the state (issue 25, item 10).
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

/** What the checks share: the sign-in state, worked out once, and what earlier checks found. */
interface DoctorContext {
  env: Env;
  paths: ConfigPaths;
  state: SignInState;
  /** Why `auth.conf` could not be read, when it could not. */
  storeError: unknown;
  settings: Settings | undefined;
  userinfoEndpoint: string | null;
  isWritable: boolean;
  isUpkeepEnabled: boolean;
  /** Adds a finding; a second one for the same name joins the first, the worse status winning. */
  add(name: string, status: Check["status"], detail: string): void;
}

/** One small check: adds its findings (and, where later checks need it, what it learnt). */
type DoctorCheck = (context: DoctorContext) => void | Promise<void>;

/** The checks, in the contract's order and with its stable names. */
const doctorChecks: DoctorCheck[] = [
  credentialsCheck,
  methodCheck,
  tokenCheck,
  consentCheck,
  userCheck,
  siteCheck,
  configCheck,
  clientIdCheck,
  issuerCheck,
  async (context) => {
    // Signed out: one failure, in "credentials" (issue 25, item 14).
    if (isSignedOut(context)) return context.add("server", "skip", notSignedIn(context));
    const server = await serverCheck(
      context.env,
      context.state.usableAccessToken,
      context.userinfoEndpoint ?? context.settings?.resourcesUrl ?? null,
      // The environment's token is the caller's own; a stored one is bound.
      context.state.envTokenVariable ? null : context.state.credentials,
    );
    context.add(server.name, server.status, server.detail);
  },
  storeCheck,
  upkeepCheck,
  keeperCheck,
  bitbucketCheck,
  async (context) => {
    context.add(
      "agent",
      "ok",
      await agentCheckDetail(context.env, context.paths.dir, context.isWritable),
    );
  },
  ({ env, add }) => add("version", "ok", `twg ${version} (${env.runtime}, ${env.os})`),
];

/** Runs {@link doctorChecks} in order. */
export async function collectChecks(env: Env): Promise<Check[]> {
  const paths = configPaths(env);
  const checks: Check[] = [];
  // One check per name, always (scripts look them up by name): a second
  // finding for the same name joins the first, the worse status winning.
  const rank = { skip: 0, ok: 0, warn: 1, fail: 2 };
  let storeError: unknown = undefined;
  const credentials = await readCredentials(env, paths.authConf).catch((error) => {
    storeError = error;
    return null;
  });
  const context: DoctorContext = {
    env,
    paths,
    // A rejection is recorded beside auth.conf, never in it (src/auth/refresh_rejection.ts).
    state: signInStateOf(env, await withRecordedRejectionIn(env, paths, credentials)),
    storeError,
    settings: undefined,
    userinfoEndpoint: null,
    isWritable: false,
    isUpkeepEnabled: false,
    add(name, status, detail) {
      const earlier = checks.find((check) => check.name === name);
      if (!earlier) checks.push({ name, status, detail });
      else {
        if (rank[status] > rank[earlier.status]) earlier.status = status;
        earlier.detail += `; ${detail}`;
      }
    },
  };
  for (const check of doctorChecks) await check(context);
  return checks;
}

async function credentialsCheck({ env, paths, state, storeError, add }: DoctorContext) {
  const shownAuthConf = displayPath(paths.authConf, env.homeDir);
  if (storeError !== undefined) {
    const hint = storeError instanceof TwgError && storeError.hint ? ` — ${storeError.hint}` : "";
    add("credentials", "fail", messageOf(storeError) + hint);
  } else if (state.tokens && state.backend === "keyring") {
    try {
      const probe = await probeKeyring(env, paths.dir);
      add(
        "credentials",
        probe.ok ? "ok" : "fail",
        `${shownAuthConf} (oauth, keyring backend: ${probe.detail})`,
      );
    } catch (error) {
      const hint = error instanceof TwgError && error.hint ? ` — ${error.hint}` : "";
      add("credentials", "fail", messageOf(error) + hint);
    }
  } else if (state.tokens) {
    add("credentials", "ok", `${shownAuthConf} (oauth, file backend)`);
  } else if (state.envTokenVariable) {
    add("credentials", "ok", `none stored; ${accessTokenVariable} is used`);
  } else add("credentials", "fail", `not logged in; run "twg login"`);
}

function methodCheck({ state, add }: DoctorContext) {
  // The method, and for "env" which variable (never its value).
  add(
    "method",
    state.envTokenVariable || state.tokens ? "ok" : "warn",
    state.envTokenVariable
      ? `env (${accessTokenVariable}; wins over the stored credentials for auth token and api)`
      : state.storedMethod === "token"
      ? 'token (from "twg login --with-token"; it cannot be refreshed)'
      : state.tokens
      ? "oauth"
      : "none",
  );
}

function tokenCheck(context: DoctorContext) {
  const { env, state, add } = context;
  const now = env.now();
  const tokens = state.tokens;
  if (state.envTokenVariable) {
    add("token", "ok", `from ${accessTokenVariable}; never refreshed by twg`);
  } else if (!tokens) add("token", "skip", notSignedIn(context));
  else if (state.storedMethod === "token") {
    if (state.isExpired) {
      add("token", "fail", 'expired; it cannot be refreshed: run "twg login"');
    } else {
      add(
        "token",
        "ok",
        `given with --with-token, not refreshable${
          state.expiresAt === null ? "" : `; expires ${formatTime(state.expiresAt, now)}`
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
    const times = `expires ${formatTime(state.expiresAt ?? "", now)}, refresh due ${
      formatTime(state.refreshDueAt ?? "", now)
    }`;
    if (state.isExpired) {
      add("token", "warn", `expired: ${times}; "twg auth refresh" renews it`);
    } else if (state.isRefreshDue) {
      add("token", "warn", `refresh due: ${times}; "twg auth refresh" renews it`);
    } else add("token", "ok", `valid: ${times}`);
  }
}

/** The issuer's absolute expiry of the consent (src/auth/consent_expiry.ts). */
function consentCheck({ env, state, add }: DoctorContext) {
  const expiresAt = state.tokens?.consentExpiresAt;
  if (!expiresAt) return;
  const daysLeft = consentDaysLeft(expiresAt, env.now());
  add(
    "consent",
    daysLeft <= 0 ? "fail" : daysLeft <= consentNoticeDays[0] ? "warn" : "ok",
    consentLine(expiresAt, env.now()).replace(/^Consent: /, ""),
  );
}

/** Whether nothing is signed in (or auth.conf is refused): what needs a sign-in is skipped. */
function isSignedOut({ state, storeError }: DoctorContext): boolean {
  return storeError !== undefined || (!state.tokens && !state.envTokenVariable);
}

function notSignedIn({ storeError }: DoctorContext): string {
  return storeError !== undefined
    ? "not checked: see credentials"
    : "not checked: not signed in (see credentials)";
}

function userCheck(context: DoctorContext) {
  const { state, add } = context;
  if (isSignedOut(context)) return add("user", "skip", notSignedIn(context));
  const user = state.credentials?.user;
  add(
    "user",
    user ? "ok" : "warn",
    user ? `${user.name ?? user.id}${user.email ? ` <${user.email}>` : ""}` : "unknown",
  );
}

function siteCheck(context: DoctorContext) {
  const { state, add } = context;
  if (isSignedOut(context)) return add("site", "skip", notSignedIn(context));
  const site = state.credentials?.site;
  add(
    "site",
    site ? "ok" : "warn",
    site
      ? `${site.name} (${site.url})`
      : 'none selected; "twg auth switch" chooses one (no new login)',
  );
}

async function configCheck(context: DoctorContext) {
  try {
    context.settings = await loadSettings(context.env, context.paths.configJson);
  } catch (error) {
    // Its own check: the issuer itself may still be fine (from auth.conf).
    const hint = error instanceof TwgError && error.hint ? ` — ${error.hint}` : "";
    // The same refused directory as auth.conf's is one cause: reported there.
    if (context.storeError !== undefined) {
      context.add("config", "skip", `not checked: see credentials (${messageOf(error)})`);
    } else context.add("config", "fail", messageOf(error) + hint);
  }
}

/** Without a client id no sign-in can start: say where one comes from. */
function clientIdCheck({ state, settings, add }: DoctorContext) {
  if (!settings && !state.tokens) return;
  const clientId = state.tokens?.clientId ?? settings?.clientId ?? null;
  add(
    "client-id",
    clientId ? "ok" : "fail",
    clientId
      ? state.tokens?.clientId ? "the stored sign-in's" : "configured"
      : 'none configured: "twg config set client-id <id>" or TWG_CLIENT_ID ("twg help environment")',
  );
}

async function issuerCheck(context: DoctorContext) {
  const { env, paths, add } = context;
  const tokens = context.state.tokens;
  const issuer = tokens?.issuer ?? context.settings?.issuer;
  if (issuer) {
    try {
      context.userinfoEndpoint = (await discover(env, issuer, env.interrupt)).userinfoEndpoint;
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
  } else if (context.settings) {
    add("issuer", "fail", "none configured; set TWG_ISSUER to the OAuth server's URL");
  }
}

async function storeCheck(context: DoctorContext) {
  const { env, paths } = context;
  context.isWritable = await isStoreWritable(env, paths.dir, paths.authConf);
  // Writable, but its auth.conf refused: not "ok" beside the credentials failure.
  if (context.storeError !== undefined && context.isWritable) {
    return context.add("store", "warn", "writable, but its auth.conf is refused (see credentials)");
  }
  context.add(
    "store",
    context.isWritable ? "ok" : "fail",
    context.isWritable
      ? `${displayPath(paths.dir, env.homeDir)} can be replaced atomically`
      : `${
        displayPath(paths.dir, env.homeDir)
      } is not writable: refreshes are impossible here ("twg auth refresh" explains)`,
  );
}

async function upkeepCheck(context: DoctorContext) {
  const { env, add } = context;
  const upkeep = await readUpkeepStatus(env).catch(() => null);
  context.isUpkeepEnabled = Boolean(upkeep?.enabled);
  if (upkeep?.enabled) {
    const last = upkeep.lastRun
      ? `; last run ${formatTime(upkeep.lastRun, env.now())} (${upkeep.lastResult})`
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
}

/** Sandboxes are supplied by the upkeep timer, the keeper, or both. */
async function keeperCheck({ env, paths, isUpkeepEnabled, add }: DoctorContext) {
  const keeper = await readKeeperState(env, paths);
  add(
    "keeper",
    keeper.broker.running || keeper.tokenFile?.valid || isUpkeepEnabled ? "ok" : "warn",
    keeper.broker.running || keeper.tokenFile?.valid
      ? describeKeeper(keeper)
      : `${
        describeKeeper(keeper)
      }; sandboxes that cannot write the store need upkeep or "twg auth serve"`,
  );
}

function bitbucketCheck({ state, add }: DoctorContext) {
  const bitbucket = state.bitbucketToken;
  add(
    "bitbucket",
    bitbucket ? "ok" : "warn",
    bitbucket === "env"
      ? "from TWG_BBC_TOKEN"
      : bitbucket === "store"
      ? "stored"
      : 'not set; "twg setup bitbucket"',
  );
}

async function serverCheck(
  env: Env,
  accessToken: string | null,
  probeUrl: string | null,
  /** The stored sign-in whose token is presented (null for TWG_OAUTH_ACCESS_TOKEN). */
  boundTo: Credentials | null,
): Promise<Check> {
  if (!accessToken) {
    return { name: "server", status: "warn", detail: "no valid access token to present" };
  }
  if (!probeUrl) {
    return { name: "server", status: "warn", detail: "no userinfo or resources endpoint to ask" };
  }
  if (boundTo) {
    try {
      assertBoundOrigin(env, probeUrl, boundTo);
    } catch (error) {
      return { name: "server", status: "warn", detail: `not asked: ${messageOf(error)}` };
    }
  }
  try {
    const response = await requestJson(env, probeUrl, {
      headers: { authorization: bearerAuthorization(accessToken, "the access token") },
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
