import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { configPaths } from "../../src/config/paths.ts";
import {
  type Credentials,
  emptyCredentials,
  isRefreshDue,
  type OAuthTokens,
} from "../../src/credentials/auth_conf.ts";
import { saveCredentials } from "../../src/credentials/store.ts";
import { refreshIfDue } from "../../src/auth/refresh.ts";
import { rotatedTokens } from "../../src/oauth/refresh_grant.ts";
import { runCli } from "../../src/main.ts";
import { upkeepRound } from "../../src/upkeep/run.ts";
import { type FakeEnv, fakeEnv, jsonResponse } from "../_fake_env.ts";
import { oauthTokens } from "../_tokens.ts";

async function signedIn(env: FakeEnv, overrides: Partial<OAuthTokens> = {}): Promise<string> {
  const credentials: Credentials = {
    ...emptyCredentials(),
    oauth: oauthTokens(env.now(), overrides),
    user: { id: "u", name: "Ada", email: null },
  };
  const path = configPaths(env).authConf;
  await saveCredentials(env, path, credentials);
  return await readFile(path, "utf8");
}

/** The token endpoint's answer to a refresh: a new pair, valid ten minutes. */
function rotated(): Response {
  return jsonResponse({
    access_token: "access-2",
    refresh_token: "refresh-2",
    token_type: "bearer",
    expires_in: 600,
  });
}

Deno.test("refresh is due at exactly 75% of the lifetime, not before", () => {
  const start = Date.parse("2026-11-28T12:00:00Z");
  const stored = oauthTokens(start, { expiresIn: 1000 });
  assert.equal(isRefreshDue(stored, start + 749_999), false);
  assert.equal(isRefreshDue(stored, start + 750_000), true);
  assert.equal(isRefreshDue(stored, start + 750_001), true);
});

Deno.test("a fresh token is returned without any request", async () => {
  await using env = fakeEnv({ respond: () => jsonResponse({}) });
  await signedIn(env);
  env.advance(749_000);
  const result = await refreshIfDue(env, configPaths(env));
  assert.equal(result.refreshed, false);
  assert.equal(result.reason, "fresh");
  assert.equal(env.requests.length, 0);
});

Deno.test("a due token is rotated and saved with the local receipt time", async () => {
  await using env = fakeEnv({ respond: rotated });
  await signedIn(env);
  env.advance(750_000);
  const result = await refreshIfDue(env, configPaths(env));
  assert.equal(result.refreshed, true);
  assert.equal(result.reason, "due");
  const body = new URLSearchParams(env.requests[0]!.body);
  assert.equal(body.get("grant_type"), "refresh_token");
  assert.equal(body.get("refresh_token"), "refresh-1");
  const saved = JSON.parse(await readFile(configPaths(env).authConf, "utf8"));
  assert.equal(saved.oauth.accessToken, "access-2");
  assert.equal(saved.oauth.refreshToken, "refresh-2");
  assert.equal(saved.oauth.expiresIn, 600);
  assert.equal(saved.oauth.obtainedAt, new Date(env.now()).toISOString());
  assert.deepEqual(
    (await readdir(configPaths(env).dir)).sort(),
    ["auth.conf"],
    "no lock or temp file left",
  );
});

Deno.test("a token response without a refresh token keeps the old one", () => {
  const next = rotatedTokens(oauthTokens(0), {
    accessToken: "a2",
    refreshToken: null,
    tokenType: "Bearer",
    expiresIn: 60,
    scope: null,
    idToken: null,
  }, 5000);
  assert.equal(next.refreshToken, "refresh-1");
  assert.equal(next.accessToken, "a2");
});

Deno.test("auth refresh sends no request when the runtime forbids writing the config dir", async () => {
  await using env = fakeEnv({
    respond: () => jsonResponse({ access_token: "x" }),
    canWriteByPermission: () => Promise.resolve(false),
    vars: { CLAUDECODE: "1" },
  });
  const before = await signedIn(env);
  env.advance(800_000);
  const code = await runCli(env, ["auth", "refresh", "--json"]);
  assert.equal(code, 4);
  assert.equal(env.requests.length, 0);
  const { error, ...document } = JSON.parse(env.stdoutText());
  assert.deepEqual(document, {
    schemaVersion: 1,
    refreshed: false,
    reason: "store-not-writable",
    accessTokenExpiresAt: null,
    refreshDueAt: null,
    configDir: configPaths(env).dir,
    agent: "claude-code",
    agentDeclared: null,
  });
  assert.equal(error.code, "store-not-writable");
  assert.match(error.message, /Cannot update the credentials/);
  assert.match(error.hint, /No request was sent/);
  assert.match(env.stderrText(), /allowWrite/);
  assert.match(env.stderrText(), /twg auth refresh/);
  assert.equal(await readFile(configPaths(env).authConf, "utf8"), before);
});

Deno.test("auth token prints a due but valid token with a warning when the store is not writable", async () => {
  await using env = fakeEnv({
    respond: () => jsonResponse({ access_token: "x" }),
    canWriteByPermission: () => Promise.resolve(false),
  });
  await signedIn(env);
  env.advance(800_000);
  assert.equal(await runCli(env, ["auth", "token"]), 0);
  assert.equal(env.stdoutText(), "access-1\n");
  assert.match(env.stderrText(), /refresh is due but was not attempted/);
  assert.equal(env.requests.length, 0);
  env.advance(300_000);
  assert.equal(await runCli(env, ["auth", "token"]), 4, "an expired token is an error");
  assert.equal(env.requests.length, 0);
});

Deno.test("a fresh auth token reads auth.conf once and binds no signal; a due one can be interrupted", async () => {
  await using env = fakeEnv({ respond: rotated });
  await signedIn(env);
  const authConf = configPaths(env).authConf;
  let authConfReads = 0;
  let interruptReads = 0;
  const readFile = env.fs.readFile.bind(env.fs);
  env.fs.readFile = ((path: string, ...rest: unknown[]) => {
    if (path === authConf) authConfReads++;
    return (readFile as (...args: unknown[]) => unknown)(path, ...rest);
  }) as typeof env.fs.readFile;
  // Reading env.interrupt binds the interrupt signals (src/env_deno.ts): a
  // fresh token has nothing to abort and keeps the runtime's defaults.
  const interrupt = env.interrupt;
  Object.defineProperty(env, "interrupt", {
    get: () => {
      interruptReads++;
      return interrupt;
    },
  });
  env.advance(700_000);
  assert.equal(await runCli(env, ["auth", "token"]), 0);
  assert.equal(env.stdoutText(), "access-1\n");
  assert.equal(authConfReads, 1);
  assert.equal(interruptReads, 0);
  env.advance(100_000);
  assert.equal(await runCli(env, ["auth", "token"]), 0);
  assert.equal(env.requests.length, 1);
  assert.ok(interruptReads > 0, "a due refresh waits for the lock under env.interrupt");
  // A program that uses twg as a library keeps its own signal handling.
  const readsBefore = interruptReads;
  env.advance(500_000);
  assert.equal((await refreshIfDue(env, configPaths(env))).refreshed, true);
  assert.equal(interruptReads, readsBefore);
});

const hostile: [string, () => Response, RegExp][] = [
  ["a 500 answer", () => new Response("oops", { status: 500 }), /HTTP 500.*after 3 attempts/],
  ["HTML instead of JSON", () => new Response("<html>hi</html>", { status: 200 }), /not JSON/],
  [
    "JSON without access_token",
    () => jsonResponse({ token_type: "Bearer", refresh_token: "r9" }),
    /without an access token/,
  ],
  [
    "a body over 1 MiB",
    () => jsonResponse({ access_token: "a", padding: "x".repeat(1024 * 1024 + 10) }),
    /larger than 1 MiB/,
  ],
  ["a DPoP token", () => jsonResponse({ access_token: "a", token_type: "DPoP" }), /DPoP/],
  ["a negative lifetime", () => jsonResponse({ access_token: "a", expires_in: -5 }), /expires_in/],
  [
    "an unknown client",
    () => jsonResponse({ error: "invalid_client" }, 401),
    /does not accept the client id "client" \(invalid_client\)\nCheck TWG_CLIENT_ID/,
  ],
];

for (const [what, answer, message] of hostile) {
  Deno.test(`${what} from the token endpoint exits 5 and leaves auth.conf byte-identical`, async () => {
    await using env = fakeEnv({ respond: answer });
    const before = await signedIn(env);
    const code = await runCli(env, ["auth", "refresh", "--force"]);
    assert.equal(code, 5, env.stderrText());
    assert.match(env.stderrText(), message);
    assert.equal(await readFile(configPaths(env).authConf, "utf8"), before);
    // A 200 whose body is unusable may have come with a rotation: the
    // in-flight record stays, so that a retry is sent only inside the
    // issuer's reuse leeway. An error status rotated nothing: no record.
    const isOk = answer().ok;
    assert.deepEqual(
      (await readdir(configPaths(env).dir)).sort(),
      isOk ? ["auth.conf", "auth.conf.inflight"] : ["auth.conf"],
    );
  });
}

Deno.test("a network failure is retried, then exits 5 with the credentials unchanged", async () => {
  await using env = fakeEnv({
    respond: () => {
      throw new TypeError("fetch failed");
    },
  });
  const before = await signedIn(env);
  assert.equal(await runCli(env, ["auth", "refresh", "--force"]), 5);
  assert.equal(env.requests.length, 3);
  assert.equal(await readFile(configPaths(env).authConf, "utf8"), before);
});

Deno.test("a transient 503 is retried and the refresh then succeeds", async () => {
  let calls = 0;
  await using env = fakeEnv({
    respond: () =>
      ++calls === 1
        ? new Response("busy", { status: 503 })
        : jsonResponse({ access_token: "access-2", refresh_token: "refresh-2" }),
  });
  await signedIn(env);
  assert.equal(await runCli(env, ["auth", "refresh", "--force"]), 0);
  assert.equal(calls, 2);
});

for (
  const [status, body] of [[400, { error: "invalid_grant" }], [401, { error: "invalid_token" }], [
    404,
    null,
  ]] as const
) {
  Deno.test(`a rejected refresh token (${status}) exits 77 and marks the sign-in as needing login`, async () => {
    await using env = fakeEnv({
      respond: () => body ? jsonResponse(body, status) : new Response("", { status }),
    });
    const before = await signedIn(env);
    assert.equal(await runCli(env, ["auth", "refresh", "--force"]), 77);
    assert.match(env.stderrText(), /twg login/);
    // The rejection is recorded beside auth.conf; auth.conf is never rewritten with it.
    assert.equal(await readFile(configPaths(env).authConf, "utf8"), before, "kept for diagnosis");
    assert.ok(
      JSON.parse(await readFile(`${configPaths(env).authConf}.inflight`, "utf8")).rejectedAt,
    );
    assert.equal(await runCli(env, ["auth", "status", "--json"]), 77);
    assert.equal(JSON.parse(env.stdoutText()).needsLogin, true);
    assert.equal(await runCli(env, ["auth", "token"]), 77);
    const upkeep = await upkeepRound(env, configPaths(env));
    assert.equal(upkeep.result, "skipped: not logged in", "upkeep reads the recorded rejection");
    assert.equal(env.requests.length, 1, "no further request once marked");
  });
}

Deno.test("not logged in: auth token exits 3 without a request", async () => {
  await using env = fakeEnv({ respond: () => jsonResponse({}) });
  assert.equal(await runCli(env, ["auth", "token"]), 3);
  assert.equal(env.stdoutText(), "");
  assert.equal(env.requests.length, 0);
});
