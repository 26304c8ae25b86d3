/**
 * What a person or a script sees from the command line: the report on
 * stdout, one JSON document for every outcome with `--json`, errors with a
 * next step, state shown as it is (issue 12, items 7–10).
 */
import assert from "node:assert/strict";
import { chmod, writeFile } from "node:fs/promises";
import { configPaths } from "../../src/config/paths.ts";
import {
  type Credentials,
  emptyCredentials,
  type OAuthTokens,
} from "../../src/credentials/auth_conf.ts";
import { saveCredentials } from "../../src/credentials/store.ts";
import { runCli } from "../../src/main.ts";
import { initialUpkeepState, writeUpkeepState } from "../../src/config/upkeep_state.ts";
import { type FakeEnv, fakeEnv, type FakeEnvOverrides, jsonResponse } from "../_fake_env.ts";
import { oauthTokens } from "../_tokens.ts";

const issuer = "https://auth.example.test";
const metadata = {
  issuer,
  token_endpoint: `${issuer}/token`,
  device_authorization_endpoint: `${issuer}/device`,
  userinfo_endpoint: `${issuer}/me`,
};
const vars = { TWG_ISSUER: issuer, TWG_CLIENT_ID: "twg-test", NO_COLOR: "1" };

function tokens(obtainedAt: number, overrides: Partial<OAuthTokens> = {}): OAuthTokens {
  return oauthTokens(obtainedAt, { expiresIn: 3600, clientId: "twg-test", ...overrides });
}

async function signIn(env: FakeEnv, overrides: Partial<OAuthTokens> = {}): Promise<void> {
  const credentials: Credentials = {
    ...emptyCredentials(),
    oauth: tokens(env.now(), overrides),
    user: { id: "u1", name: "Ada Lovelace", email: "ada@example.test" },
    site: { id: "site-1", url: "https://ada.example.test", name: "Ada's site" },
  };
  await saveCredentials(env, configPaths(env).authConf, credentials);
}

function envWith(overrides: FakeEnvOverrides = {}): FakeEnv {
  return fakeEnv({ ...overrides, vars: { ...vars, ...overrides.vars } });
}

/** The one JSON document on stdout (fails when there is none or more than one). */
function document(env: FakeEnv): Record<string, unknown> & {
  error?: { code: string; message: string; hint: string | null };
} {
  return JSON.parse(env.stdoutText());
}

// Item 7: the report a command exists for goes to stdout.

Deno.test("auth status prints its report on stdout, so that it can be piped to grep", async () => {
  await using env = envWith();
  await signIn(env);
  assert.equal(await runCli(env, ["auth", "status"]), 0);
  assert.match(env.stdoutText(), /^✔ Logged in as Ada Lovelace/);
  assert.match(env.stdoutText(), /\n {2}Site: Ada's site \(https:\/\/ada\.example\.test\)\n/);
  assert.equal(env.stderrText(), "");
});

Deno.test("doctor prints its checks on stdout", async () => {
  await using env = envWith({
    respond: (request) =>
      request.url.endsWith("/.well-known/oauth-authorization-server")
        ? jsonResponse(metadata)
        : jsonResponse({ sub: "u1" }),
  });
  await signIn(env);
  await runCli(env, ["doctor"]);
  assert.match(env.stdoutText(), /^✔ credentials: /m);
  assert.match(env.stdoutText(), /^! upkeep: not enabled/m);
  assert.equal(env.stderrText(), "");
});

Deno.test("upkeep status prints its report on stdout", async () => {
  await using env = envWith();
  assert.equal(await runCli(env, ["upkeep", "status"]), 0);
  assert.match(env.stdoutText(), /Upkeep not enabled/);
  assert.equal(env.stderrText(), "");
});

// Item 8: --json answers every outcome with one document on stdout.

Deno.test("auth refresh --json when not logged in: an error document, exit 3", async () => {
  await using env = envWith();
  assert.equal(await runCli(env, ["auth", "refresh", "--json"]), 3);
  // Every field of the success document, null where unknown (issue 25, item 10).
  assert.deepEqual(document(env), {
    schemaVersion: 1,
    refreshed: false,
    reason: null,
    accessTokenExpiresAt: null,
    refreshDueAt: null,
    configDir: null,
    agent: null,
    agentDeclared: null,
    error: {
      code: "not-logged-in",
      message: "You are not logged in",
      hint: 'Run "twg login" to sign in',
    },
  });
});

Deno.test("auth refresh --json offline: an error document, exit 5", async () => {
  await using env = envWith();
  await signIn(env);
  env.advance(3600 * 800);
  assert.equal(await runCli(env, ["auth", "refresh", "--json"]), 5);
  const { error } = document(env);
  assert.equal(error?.code, "network");
  assert.match(error?.message ?? "", /Cannot reach auth\.example\.test/);
});

Deno.test("auth status --json on an auth.conf readable by others: an error document, exit 1", async () => {
  await using env = envWith();
  await signIn(env);
  await chmod(configPaths(env).authConf, 0o644);
  assert.equal(await runCli(env, ["auth", "status", "--json"]), 1);
  const { error, ...known } = document(env);
  // The whole shape of a successful status, with what is known for certain filled in.
  assert.equal(known.schemaVersion, 1);
  assert.equal(known.loggedIn, false);
  assert.equal(known.configDir, configPaths(env).dir);
  assert.equal(known.user, null);
  assert.deepEqual(known.sites, []);
  assert.equal(error?.code, "credentials-untrusted");
  assert.match(error?.message ?? "", /readable by other users/);
  assert.match(error?.hint ?? "", /chmod 600/);
});

Deno.test("login --json denied in the browser ends with an error event line, exit 1", async () => {
  await using env = envWith({
    respond: (request) => {
      const path = new URL(request.url).pathname;
      if (path === "/.well-known/oauth-authorization-server") return jsonResponse(metadata);
      if (path === "/device") {
        return jsonResponse({
          device_code: "dc",
          user_code: "ABCD-EFGH",
          verification_uri: `${issuer}/activate`,
          expires_in: 600,
          interval: 1,
        });
      }
      return jsonResponse({ error: "access_denied" }, 400);
    },
  });
  assert.equal(await runCli(env, ["login", "--json", "--no-browser"]), 1);
  const lines = env.stdoutText().trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.equal(lines.length, 2);
  assert.equal(lines[0].event, "device_authorization");
  assert.deepEqual(lines[1], {
    schemaVersion: 1,
    event: "error",
    error: {
      code: "access-denied",
      message: "The sign-in was denied in the browser",
      hint: 'Run "twg login" to try again',
    },
  });
});

Deno.test("doctor --json is one document whatever happens, an interrupt included", async () => {
  const interrupt = new AbortController();
  await using env = envWith({
    interrupt: interrupt.signal,
    respond: () => {
      interrupt.abort(new DOMException("Interrupted", "AbortError"));
      throw interrupt.signal.reason;
    },
  });
  await signIn(env);
  assert.equal(await runCli(env, ["doctor", "--json"]), 130);
  assert.deepEqual(document(env), {
    schemaVersion: 1,
    ok: false,
    checks: [],
    error: { code: "interrupted", message: "Interrupted; nothing was saved", hint: null },
  });
});

Deno.test("upkeep status --json answers a usage error with a JSON document, exit 2", async () => {
  await using env = envWith();
  assert.equal(await runCli(env, ["upkeep", "status", "--json", "--verbose"]), 2);
  assert.equal(document(env).error?.code, "usage");
});

Deno.test("update --check --json when the manifest cannot be reached: an error document, exit 5", async () => {
  await using env = envWith({
    vars: { TWG_UPDATE_MANIFEST_URL: "https://releases.example.test/manifest.json" },
  });
  assert.equal(await runCli(env, ["update", "--check", "--json"]), 5);
  assert.equal(document(env).error?.code, "network");
});

Deno.test("a usage error with --json is a JSON document too, exit 2", async () => {
  await using env = envWith();
  assert.equal(await runCli(env, ["update", "--json"]), 2);
  assert.equal(document(env).error?.code, "usage");
  await using other = envWith();
  assert.equal(await runCli(other, ["auth", "status", "--json", "--bogus"]), 2);
  assert.deepEqual(document(other).error, {
    code: "usage",
    message: "unknown option '--bogus'",
    hint: 'Run "twg auth status --help" for usage',
  });
});

// Item 9: errors with a next step.

Deno.test("an unreachable issuer says to check TWG_ISSUER, exit 5", async () => {
  await using env = envWith();
  assert.equal(await runCli(env, ["login", "--no-browser"]), 5);
  assert.match(env.stderrText(), /Cannot reach auth\.example\.test/);
  assert.match(env.stderrText(), /Check TWG_ISSUER .*https:\/\/auth\.example\.test/);
});

Deno.test("an issuer whose metadata is 404 is a configuration mistake: exit 1, check TWG_ISSUER", async () => {
  await using env = envWith({ respond: () => jsonResponse({ error: "not_found" }, 404) });
  assert.equal(await runCli(env, ["login", "--no-browser", "--json"]), 1);
  const [line] = env.stdoutText().trimEnd().split("\n").map((text) => JSON.parse(text));
  assert.equal(line.error.code, "issuer-not-found");
  assert.match(line.error.hint, /Check TWG_ISSUER/);
});

Deno.test("invalid_client at the device endpoint says to check TWG_CLIENT_ID", async () => {
  await using env = envWith({
    respond: (request) =>
      new URL(request.url).pathname === "/.well-known/oauth-authorization-server"
        ? jsonResponse(metadata)
        : jsonResponse(
          { error: "invalid_client", error_description: "client authentication failed" },
          401,
        ),
  });
  assert.equal(await runCli(env, ["login", "--no-browser"]), 1);
  assert.match(env.stderrText(), /does not accept the client id "twg-test"/);
  assert.match(env.stderrText(), /Check TWG_CLIENT_ID/);
  assert.doesNotMatch(env.stderrText(), /client authentication failed/);
});

Deno.test("a rejected refresh token under --json: exit 77 with the AUTH_EXPIRED envelope", async () => {
  await using env = envWith({
    respond: () => jsonResponse({ error: "invalid_grant" }, 400),
  });
  await signIn(env);
  assert.equal(await runCli(env, ["auth", "refresh", "--force", "--json"]), 77);
  const answer = document(env) as { error: { code: string; hint: string } };
  assert.equal(answer.error.code, "AUTH_EXPIRED");
  assert.match(answer.error.hint, /twg login/);
});

Deno.test("a rejected refresh token is explained, not shown as the server's jargon", async () => {
  await using env = envWith({
    respond: () =>
      jsonResponse({ error: "invalid_grant", error_description: "grant request is invalid" }, 400),
  });
  await signIn(env);
  assert.equal(await runCli(env, ["auth", "refresh", "--force"]), 77);
  assert.doesNotMatch(env.stderrText(), /grant request is invalid/);
  assert.match(env.stderrText(), /refresh token is no longer valid: it expired, was revoked/);
  assert.match(env.stderrText(), /run "twg login"/);
});

// Item 10: state shown as it is.

Deno.test("after the server rejected the refresh token, status says so, not 'valid'", async () => {
  await using env = envWith();
  await signIn(env, { rejectedAt: new Date(env.now()).toISOString() });
  assert.equal(await runCli(env, ["auth", "status"]), 77);
  assert.doesNotMatch(env.stdoutText(), /Token: valid/);
  assert.match(env.stdoutText(), /Token: rejected by the server/);
  await using json = envWith();
  await signIn(json, { rejectedAt: new Date(json.now()).toISOString() });
  assert.equal(await runCli(json, ["auth", "status", "--json"]), 77);
  const status = document(json);
  assert.equal(status.loggedIn, false);
  assert.equal(status.fresh, null);
});

Deno.test("doctor never reports two checks with the same name", async () => {
  await using env = envWith({ respond: () => jsonResponse(metadata) });
  await signIn(env);
  await writeFile(configPaths(env).configJson, "{ broken");
  await runCli(env, ["doctor", "--json"]);
  const names = (document(env).checks as { name: string }[]).map((check) => check.name);
  assert.deepEqual(names, [...new Set(names)]);
  assert.ok(names.includes("issuer"));
  assert.ok(names.includes("config"), "the broken config.json is its own check");
});

Deno.test("doctor puts a multi-line error below its check, not inside the one-line summary", async () => {
  await using env = envWith();
  await writeUpkeepState(env, configPaths(env).upkeepJson, {
    ...initialUpkeepState(),
    enableError: "systemctl --user failed:\nFailed to connect to bus: No medium found",
  });
  await runCli(env, ["doctor"]);
  const upkeep = env.stdoutText().split("\n").filter((line) =>
    line.startsWith("! upkeep") || line.startsWith("    ")
  );
  assert.deepEqual(upkeep.slice(0, 3), [
    '! upkeep: not enabled; "twg upkeep enable" keeps the sign-in fresh',
    "    last error: systemctl --user failed:",
    "    Failed to connect to bus: No medium found",
  ]);
});

Deno.test("upkeep status shows no stale 'Last error' after disable", async () => {
  await using env = envWith({ commands: [{ command: "systemctl", result: {} }] });
  await writeUpkeepState(env, configPaths(env).upkeepJson, {
    ...initialUpkeepState(),
    enabled: true,
    scheduler: "systemd",
    lastRun: new Date(env.now()).toISOString(),
    lastResult: "failed: network",
    lastError: "Cannot reach auth.example.test",
  });
  assert.equal(await runCli(env, ["upkeep", "disable"]), 0);
  assert.equal(await runCli(env, ["upkeep", "status"]), 0);
  assert.doesNotMatch(env.stdoutText(), /Last error/);
  await runCli(env, ["upkeep", "status", "--json"]);
  assert.equal(JSON.parse(env.stdoutText().slice(env.stdoutText().indexOf("{"))).error, null);
});

Deno.test("setup when not logged in exits 3 with the next step, never 'otherwise complete'", async () => {
  await using env = envWith({ vars: { TWG_BBC_TOKEN: "bbc" } });
  assert.equal(await runCli(env, ["setup", "--no-upkeep"]), 3);
  assert.match(env.stderrText(), /Run "twg login", then "twg setup" again/);
  await using withUpkeep = envWith({
    vars: { TWG_BBC_TOKEN: "bbc" },
    commands: [{ command: "systemctl", result: { code: 1, stderr: "Failed to connect to bus" } }],
  });
  assert.equal(await runCli(withUpkeep, ["setup"]), 3);
  assert.doesNotMatch(withUpkeep.stderrText(), /otherwise complete/);
});
