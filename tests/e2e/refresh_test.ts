import assert from "node:assert/strict";
import { testRequiring } from "../_requires.ts";
import { readdir } from "node:fs/promises";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import {
  ageToken,
  expectExit,
  isDenoBuild,
  login,
  makeHome,
  readOnlySandbox,
  spawnIn,
  spawnInTerminal,
  storedCredentials,
  twg,
  twgArgv,
  writesOnlyIn,
} from "./_twg.ts";

Deno.test("auth refresh is a no-op without any request while the token is fresh", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  await server.resetStats();
  const result = await twg(home, ["auth", "refresh", "--json"]);
  expectExit(result, 0);
  const document = JSON.parse(result.stdout);
  assert.equal(document.refreshed, false);
  assert.equal(document.reason, "fresh");
  const stats = await server.stats();
  assert.equal(stats.tokenRequests + stats.userinfoRequests + stats.resourcesRequests, 0);
});

Deno.test("a due token is rotated by auth token and auth refresh; --force always rotates", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  const first = await storedCredentials(home);
  await ageToken(home, 0.76);
  const token = await twg(home, ["auth", "token"]);
  expectExit(token, 0);
  const second = await storedCredentials(home);
  assert.notEqual(second.oauth.refreshToken, first.oauth.refreshToken);
  assert.equal(token.stdout, `${second.oauth.accessToken}\n`);
  const forced = await twg(home, ["auth", "refresh", "--force", "--json"]);
  expectExit(forced, 0);
  assert.equal(JSON.parse(forced.stdout).reason, "forced");
  await ageToken(home, 0.9);
  const due = await twg(home, ["auth", "refresh", "--json"]);
  assert.equal(JSON.parse(due.stdout).reason, "due");
  const stats = await server.stats();
  assert.equal(stats.refreshRequests, 3);
  assert.equal(stats.invalidGrants, 0);
});

testRequiring(
  ["bwrap"],
  "a read-only sandbox (bwrap) gets exit 4, no token request, and the session survives",
  async () => {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    const workspace = await Deno.makeTempDir({ prefix: "twg-workspace-" });
    await server.resetStats();
    const sandbox = readOnlySandbox(workspace);
    const refused = await twg(home, ["auth", "refresh", "--force"], {
      wrap: sandbox,
      env: { CLAUDECODE: "1" },
    });
    expectExit(refused, 4);
    assert.match(refused.stderr, /read-only/);
    assert.match(refused.stderr, /No request was sent/);
    assert.ok(refused.stderr.includes(`"allowWrite":["${home.configDir}"]`));
    const json = await twg(home, ["auth", "refresh", "--force", "--json"], {
      wrap: sandbox,
      env: { CODEX_THREAD_ID: "t" },
    });
    expectExit(json, 4);
    const { error, ...document } = JSON.parse(json.stdout);
    assert.deepEqual(document, {
      schemaVersion: 1,
      refreshed: false,
      reason: "store-not-writable",
      accessTokenExpiresAt: null,
      refreshDueAt: null,
      configDir: home.configDir,
      agent: "codex",
      agentDeclared: null,
    });
    assert.equal(error.code, "store-not-writable");
    assert.match(json.stderr, /writable|write/);
    await ageToken(home, 0.8);
    const token = await twg(home, ["auth", "token"], { wrap: sandbox });
    expectExit(token, 0);
    assert.match(token.stderr, /refresh is due but was not attempted/);
    const api = await twg(home, ["api", "/rest/api/3/myself"], { wrap: sandbox });
    expectExit(api, 0);
    assert.equal(JSON.parse(api.stdout).ok, true, "api uses the still-valid token too");
    assert.match(api.stderr, /refresh is due but was not attempted/);
    const doctor = await twg(home, ["doctor", "--json"], {
      wrap: sandbox,
      env: { CLAUDECODE: "1" },
    });
    expectExit(doctor, 1);
    const checks = Object.fromEntries(
      JSON.parse(doctor.stdout).checks.map((
        check: { name: string; status: string; detail: string },
      ) => [check.name, check]),
    );
    assert.equal(checks.store.status, "fail");
    assert.match(checks.agent.detail, /^claude-code; to let it write .*: \/add-dir /);
    assert.equal((await server.stats()).tokenRequests, 0, "nothing reached the token endpoint");
    expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
    assert.equal((await server.stats()).invalidGrants, 0, "the refresh token still works outside");
    await Deno.remove(workspace, { recursive: true });
  },
);

const deniedWrite = writesOnlyIn("/tmp/twg-elsewhere");

testRequiring(
  ["script"],
  "Deno --allow-write elsewhere: exit 4, no request, and no permission prompt even on a terminal",
  async () => {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    await server.resetStats();
    const refused = await twg(home, ["auth", "refresh", "--force"], { denoFlags: deniedWrite });
    expectExit(refused, 4);
    assert.match(refused.stderr, /permissions do not allow/);
    // Under a pseudo-terminal, without --no-prompt: a prompt would wait for an
    // answer that never comes, and the run would time out instead of exiting 4.
    const argv = twgArgv(deniedWrite).filter((arg) => arg !== "--no-prompt");
    const child = spawnInTerminal(home, [...argv, "auth", "refresh", "--force"]);
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    const output = await child.output();
    clearTimeout(timer);
    const screen = new TextDecoder().decode(output.stdout);
    assert.equal(output.code, 4, screen);
    assert.doesNotMatch(screen, /Allow\?|Granted|\[y\/n/i);
    assert.equal((await server.stats()).tokenRequests, 0);
  },
  { ignore: !isDenoBuild },
);

Deno.test("50 processes on a due token: one refresh, one token, no invalid_grant", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  await ageToken(home, 0.8);
  await server.resetStats();
  const results = await Promise.all(Array.from({ length: 50 }, () => twg(home, ["auth", "token"])));
  for (const result of results) expectExit(result, 0);
  const tokens = new Set(results.map((result) => result.stdout));
  assert.equal(tokens.size, 1, "every process printed the same token");
  assert.equal([...tokens][0], `${(await storedCredentials(home)).oauth.accessToken}\n`);
  const stats = await server.stats();
  assert.equal(stats.refreshRequests, 1);
  assert.equal(stats.invalidGrants, 0);
  assert.deepEqual(
    (await readdir(home.configDir)).sort(),
    ["auth.conf"],
    "no lock or temporary file left",
  );
});

Deno.test("a lock holder stopped past the stale limit loses the lock without a double refresh", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server, { TWG_LOCK_STALE_MS: "1500" });
  expectExit(await login(home, server), 0);
  await ageToken(home, 0.8);
  await server.resetStats();
  const argv = twgArgv();
  const holder = spawnIn(home, [...argv, "auth", "token"], {
    env: { TWG_TEST_PAUSE_AFTER_LOCK_MS: "2500" },
  });
  // Wait until it holds the lock, then freeze it so its heartbeat stops.
  const lockPath = `${home.configDir}/auth.lock`;
  for (let i = 0; i < 200 && !(await exists(lockPath)); i++) await delay(25);
  assert.ok(await exists(lockPath), "the holder took the lock");
  // The lock's holder is the detached refresh child, whose pid the lock names.
  const holderPid = await lockHolderPid(lockPath);
  Deno.kill(holderPid, "SIGSTOP");
  const peer = await twg(home, ["auth", "token"]);
  expectExit(peer, 0);
  assert.equal((await server.stats()).refreshRequests, 1, "the peer took over and refreshed once");
  Deno.kill(holderPid, "SIGCONT");
  const held = await holder.output();
  const holderStdout = new TextDecoder().decode(held.stdout);
  assert.equal(held.code, 0, new TextDecoder().decode(held.stderr));
  assert.equal(holderStdout, peer.stdout, "the resumed holder adopted the peer's token");
  const stats = await server.stats();
  assert.equal(stats.refreshRequests, 1, "no double refresh");
  assert.equal(stats.invalidGrants, 0);
  expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
  assert.equal((await server.stats()).invalidGrants, 0, "no token was lost");
});

Deno.test("a forced refresh that lost the lock while stopped starts over and rotates the peer's token", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server, { TWG_LOCK_STALE_MS: "1500" });
  expectExit(await login(home, server), 0);
  await server.resetStats();
  const holder = spawnIn(home, [...twgArgv(), "auth", "refresh", "--force"], {
    env: { TWG_TEST_PAUSE_AFTER_LOCK_MS: "2500" },
  });
  const lockPath = `${home.configDir}/auth.lock`;
  for (let i = 0; i < 200 && !(await exists(lockPath)); i++) await delay(25);
  const holderPid = await lockHolderPid(lockPath);
  Deno.kill(holderPid, "SIGSTOP");
  expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
  Deno.kill(holderPid, "SIGCONT");
  const held = await holder.output();
  assert.equal(held.code, 0, new TextDecoder().decode(held.stderr));
  const stats = await server.stats();
  assert.equal(stats.refreshRequests, 2, "the peer's rotation, then the holder's own, in turn");
  assert.equal(stats.invalidGrants, 0, "the holder never sent the token the peer had spent");
  assert.equal(
    (await storedCredentials(home)).oauth.refreshToken,
    (await server.lastTokens()).refreshToken,
  );
});

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The pid the lock file names (the refresh child that holds it, or the command in-process). */
async function lockHolderPid(lockPath: string): Promise<number> {
  return (JSON.parse(await Deno.readTextFile(lockPath)) as { pid: number }).pid;
}

function exists(path: string): Promise<boolean> {
  return Deno.stat(path).then(() => true, () => false);
}

Deno.test("Ctrl-C while a refresh request is in flight still saves the rotated token", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  await server.resetStats();
  await server.setTokenMode("slow", 1500);
  const argv = twgArgv();
  const child = spawnIn(home, [...argv, "auth", "refresh", "--force"]);
  while ((await server.stats()).refreshRequests === 0) await delay(20);
  Deno.kill(child.pid, "SIGINT");
  const output = await child.output();
  assert.equal(output.code, 0, new TextDecoder().decode(output.stderr));
  assert.equal(
    (await storedCredentials(home)).oauth.refreshToken,
    (await server.lastTokens()).refreshToken,
  );
  await server.setTokenMode("normal");
  expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
  assert.equal((await server.stats()).invalidGrants, 0);
});
