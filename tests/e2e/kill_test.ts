// deno-lint-ignore-file no-console -- the trial counts are the report this test exists for
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import {
  lockReleased,
  nothingRunning,
  serverSettled,
  spawnRefreshGroup,
} from "./_refresh_children.ts";
import {
  expectExit,
  isDenoBuild,
  login,
  makeHome,
  storedCredentials,
  twg,
  twgArgv,
} from "./_twg.ts";

// 200 on the Deno build; the npm build's runs (Node 20 and 24, the whole e2e
// suite each) take fewer, to keep CI within its time.
const trials = Number(Deno.env.get("TWG_KILL_TRIALS") ?? (isDenoBuild ? 200 : 40));

Deno.test(`${trials} refreshes whose process group is SIGKILLed at random moments lose no session`, async () => {
  await using server = await startDevServer({ interval: 1 });
  // A short lock wait makes a lock that is never recovered fail the test quickly.
  await using home = await makeHome(server, { TWG_LOCK_TIMEOUT_MS: "5000" });
  expectExit(await login(home, server), 0);

  const durations: number[] = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
    durations.push(performance.now() - started);
  }
  const typical = durations.sort((a, b) => a - b)[1]!;

  const counts = { completed: 0, killedBeforeRequest: 0, killedAfterRequest: 0, lostSession: 0 };
  const argv = twgArgv();
  for (let trial = 0; trial < trials; trial++) {
    const before = (await storedCredentials(home)).oauth.refreshToken;
    const issuedBefore = (await server.lastTokens()).refreshToken;
    // Its own process group, killed whole, as an agent's time-out does.
    const child = spawnRefreshGroup(argv, home);
    // Half the kills anywhere in the run, half in its second half, where the
    // request and the save are (start-up takes most of a run).
    const moment = trial % 2 === 0 ? Math.random() * 1.1 : 0.5 + Math.random() * 0.6;
    await new Promise((resolve) => setTimeout(resolve, moment * typical));
    try {
      Deno.kill(-child.pid, "SIGKILL");
    } catch {
      // Already exited.
    }
    const status = await child.status;
    await nothingRunning(home);
    await lockReleased(home.configDir);
    await serverSettled(server);

    // Whatever the moment, the file is whole and trusted.
    const stored = await storedCredentials(home);
    assert.ok(
      stored.oauth.refreshToken,
      `trial ${trial}: auth.conf parses and has a refresh token`,
    );
    const issuedAfter = (await server.lastTokens()).refreshToken;
    if (status.success) counts.completed++;
    else if (issuedAfter === issuedBefore) counts.killedBeforeRequest++;
    else if (stored.oauth.refreshToken === issuedAfter) counts.killedAfterRequest++;
    else {
      // Rotated at the server and not saved: a lost session. Count it, sign
      // in again to go on, and fail below.
      assert.equal(stored.oauth.refreshToken, before);
      counts.lostSession++;
      expectExit(await login(home, server), 0);
    }
  }

  // The next ordinary run recovers any leftover lock and temporary file.
  expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
  assert.deepEqual((await readdir(home.configDir)).sort(), ["auth.conf"]);
  console.log(
    `kill trials: ${trials}; typical run ${typical.toFixed(0)} ms; ` +
      `completed ${counts.completed}, killed before the request ${counts.killedBeforeRequest}, ` +
      `killed after the request (saved by the detached child) ${counts.killedAfterRequest}, ` +
      `lost ${counts.lostSession}`,
  );
  assert.equal(
    counts.completed + counts.killedBeforeRequest + counts.killedAfterRequest + counts.lostSession,
    trials,
  );
  assert.equal(counts.lostSession, 0, "no kill loses the session");
});
