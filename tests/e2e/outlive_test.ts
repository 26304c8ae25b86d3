/**
 * A refresh outlives its caller: signals and a SIGKILL of the caller's whole
 * process group while the server has rotated the refresh token and holds its
 * answer back (the dev server's `late` mode) keep the session.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { type DevServer, startDevServer } from "../fixtures/dev_server_client.ts";
import { nothingRunning, spawnRefreshGroup } from "./_refresh_children.ts";
import {
  expectExit,
  type Home,
  login,
  makeHome,
  spawnIn,
  storedCredentials,
  twg,
  twgArgv,
} from "./_twg.ts";

const groupKillTrials = Number(Deno.env.get("TWG_GROUP_KILL_TRIALS") ?? 20);

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Waits until the server has rotated `count` times in all (the answer is then held back). */
async function rotated(server: DevServer, count: number): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    if ((await server.stats()).refreshSuccesses >= count) return;
    await delay(10);
  }
  throw new Error("the server never rotated");
}

/**
 * Waits until the detached refresh is done: no lock left and `auth.conf`
 * holds the token the server issued last. Fails when that does not happen
 * within `ms` (the session would be lost).
 */
async function sessionKept(home: Home, server: DevServer, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const issued = (await server.lastTokens()).refreshToken;
    const stored = (await storedCredentials(home)).oauth.refreshToken;
    const names = await readdir(home.configDir);
    if (stored === issued && !names.includes("auth.lock")) return;
    if (Date.now() > deadline) {
      throw new Error(`session lost: auth.conf does not hold the rotated token (${names})`);
    }
    await delay(25);
  }
}

Deno.test("SIGHUP, SIGQUIT, SIGTERM or SIGINT while the rotated answer is delayed: session kept", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  const signals = ["SIGHUP", "SIGQUIT", "SIGTERM", "SIGINT"] as const;
  for (const [index, signal] of signals.entries()) {
    const before = (await server.stats()).refreshSuccesses;
    await server.setTokenMode("late", 1200);
    const child = spawnIn(home, [...twgArgv(), "auth", "refresh", "--force"]);
    await rotated(server, before + 1);
    Deno.kill(child.pid, signal);
    const status = await child.output();
    await sessionKept(home, server);
    assert.ok(status.code !== null, `${signal}: the foreground ended (${index})`);
    await nothingRunning(home);
    await server.setTokenMode("normal");
  }
  expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
  assert.equal((await server.stats()).invalidGrants, 0, "no spent token was ever sent again");
});

Deno.test(`the whole process group SIGKILLed while the rotated answer is delayed, ${groupKillTrials} trials: session kept in every one`, async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  await server.setTokenMode("late", 600);
  const argv = twgArgv();
  let kept = 0;
  for (let trial = 0; trial < groupKillTrials; trial++) {
    const before = (await server.stats()).refreshSuccesses;
    // Its own process group, as an agent's command runner makes one: the
    // group's id is the leader's pid, and `kill -KILL -<pid>` ends them all.
    const leader = spawnRefreshGroup(argv, home);
    await rotated(server, before + 1);
    Deno.kill(-leader.pid, "SIGKILL");
    const status = await leader.status;
    assert.equal(status.signal, "SIGKILL", `trial ${trial}: the caller was killed mid-refresh`);
    await sessionKept(home, server);
    await nothingRunning(home);
    kept++;
  }
  assert.equal(kept, groupKillTrials);
  await server.setTokenMode("normal");
  expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
  assert.equal((await server.stats()).invalidGrants, 0, "no spent token was ever sent again");
  assert.deepEqual(
    (await readdir(home.configDir)).sort(),
    ["access-token.json", "auth.conf"],
    "nothing left running or behind",
  );
});
