/**
 * `twg exec`: the command gets the access token (never the refresh token),
 * its exit status and signals pass through, and `--min-valid` refreshes
 * first when the token has less left.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { testRequiring } from "../_requires.ts";
import {
  ageToken,
  expectExit,
  login,
  makeHome,
  spawnIn,
  storedCredentials,
  twg,
  twgArgv,
} from "./_twg.ts";

Deno.test("exec gives the command the access token, site and cloud id, and no refresh token; twg prints nothing on stdout", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  const stored = await storedCredentials(home);
  const result = await twg(home, ["exec", "--", "env"]);
  expectExit(result, 0);
  const variables = Object.fromEntries(
    result.stdout.trim().split("\n").map((
      line,
    ) => [line.split("=")[0], line.slice(line.indexOf("=") + 1)]),
  );
  assert.equal(variables.TWG_OAUTH_ACCESS_TOKEN, stored.oauth.accessToken);
  assert.equal(variables.TWG_CLOUD_ID, "site-1");
  assert.match(variables.TWG_SITE ?? "", /^https:\/\//);
  assert.ok(
    !result.stdout.includes(stored.oauth.refreshToken),
    "no refresh token in the environment",
  );
  const quiet = await twg(home, ["exec", "--", "true"]);
  expectExit(quiet, 0);
  assert.equal(quiet.stdout, "", "nothing of twg's own on stdout");
});

Deno.test("exec passes the exit status through, 128+N for a signal, 127 for a missing command", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  expectExit(await twg(home, ["exec", "--", "sh", "-c", "exit 7"]), 7);
  expectExit(await twg(home, ["exec", "--", "sh", "-c", "kill -TERM $$"]), 143);
  expectExit(await twg(home, ["exec", "--", "sh", "-c", "kill -KILL $$"]), 137);
  const missing = await twg(home, ["exec", "--", join(home.path, "no-such-program")]);
  expectExit(missing, 127);
  assert.match(missing.stderr, /command not found/);
  expectExit(await twg(home, ["exec"]), 2);
});

Deno.test("exec forwards INT, TERM and HUP to the command and exits with what it does", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  for (const [signal, code] of [["SIGTERM", 42], ["SIGINT", 43], ["SIGHUP", 44]] as const) {
    const name = signal.slice(3);
    // The command says when its trap is set; twg alone gets the signal.
    const child = spawnIn(home, [
      ...twgArgv(),
      "exec",
      "--",
      "sh",
      "-c",
      `trap 'exit ${code}' ${name}; echo ready; i=0; while [ $i -lt 100 ]; do sleep 0.1; i=$((i+1)); done`,
    ]);
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    assert.equal((await reader.read()).value, "ready\n");
    child.kill(signal);
    const status = await child.status;
    reader.releaseLock();
    await child.stdout.cancel().catch(() => {});
    await child.stderr.cancel().catch(() => {});
    assert.equal(status.code, code, `${signal} reached the command`);
  }
});

testRequiring(
  ["taskset"],
  "exec forwards a signal that arrives while the command starts (twg on one busy CPU, 10 trials)",
  async () => {
    // The command signals twg the moment it runs, often before spawn()
    // has returned in twg when twg shares one CPU with two busy loops: twg
    // must already listen, or the default action ends it (130) and leaves
    // the command running. Seen first on a loaded CI runner.
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    // The first processor this test may use (a container may not have CPU 0).
    const status = await readFile("/proc/self/status", "utf8");
    const cpu = /^Cpus_allowed_list:\s*(\d+)/m.exec(status)?.[1] ?? "0";
    const busy = [0, 1].map(() =>
      spawnIn(home, ["taskset", "-c", cpu, "sh", "-c", "while :; do :; done"])
    );
    try {
      const codes: (number | string)[] = [];
      for (let trial = 0; trial < 10; trial++) {
        const child = spawnIn(home, [
          "taskset",
          "-c",
          cpu,
          ...twgArgv(),
          "exec",
          "--",
          "sh",
          "-c",
          "trap 'exit 43' INT; kill -INT $PPID; i=0; while [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done",
        ]);
        const [ended] = await Promise.all([
          child.status,
          child.stdout.cancel(),
          child.stderr.cancel(),
        ]);
        codes.push(ended.signal ?? ended.code);
      }
      assert.deepEqual(codes, Array(10).fill(43), "each INT reached the command");
    } finally {
      for (const loop of busy) {
        loop.kill("SIGKILL");
        await Promise.all([loop.status, loop.stdout.cancel(), loop.stderr.cancel()]);
      }
    }
  },
);

Deno.test("exec --min-valid longer than the token has left refreshes first; longer than any token lives fails", async () => {
  await using server = await startDevServer({ interval: 1, accessTokenTtl: 3600 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  await ageToken(home, 0.5); // 30 minutes left, not yet due
  await server.resetStats();
  const fresh = await twg(home, ["exec", "--min-valid", "20m", "--", "true"]);
  expectExit(fresh, 0);
  assert.equal((await server.stats()).refreshRequests, 0, "20 minutes are left: no refresh");
  const before = await storedCredentials(home);
  const result = await twg(home, [
    "exec",
    "--min-valid",
    "40m",
    "--",
    "printenv",
    "TWG_OAUTH_ACCESS_TOKEN",
  ]);
  expectExit(result, 0);
  const after = await storedCredentials(home);
  assert.notEqual(after.oauth.accessToken, before.oauth.accessToken);
  assert.equal(result.stdout, `${after.oauth.accessToken}\n`);
  assert.equal((await server.stats()).refreshRequests, 1);
  const tooLong = await twg(home, ["exec", "--min-valid", "2h", "--", "true"]);
  expectExit(tooLong, 1);
  assert.match(tooLong.stderr, /less than the 7200s asked for/);
  expectExit(await twg(home, ["exec", "--min-valid", "soon", "--", "true"]), 2);
});
