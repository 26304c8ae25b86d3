// deno-lint-ignore-file no-console -- the trial counts are the report this test exists for
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { type DevServer, startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, login, makeHome, spawnIn, storedCredentials, twg, twgArgv } from "./_twg.ts";

const trials = Number(Deno.env.get("TWG_KILL_TRIALS") ?? 200);

/**
 * Waits until the server has answered every refresh request it received: a
 * request sent just before the kill is still processed, and rotates, after
 * the client is gone.
 */
async function serverSettled(server: DevServer): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 200; i++) {
    const stats = await server.stats();
    if (stats.refreshRequests === stats.refreshSuccesses + stats.invalidGrants) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the server did not settle");
}

Deno.test(`${trials} refreshes killed with SIGKILL at random moments never leave a broken auth.conf`, async () => {
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

  const counts = { completed: 0, killedBeforeRotation: 0, killedAfterRename: 0, lostSession: 0 };
  const argv = twgArgv();
  for (let trial = 0; trial < trials; trial++) {
    const before = (await storedCredentials(home)).oauth.refreshToken;
    const issuedBefore = (await server.lastTokens()).refreshToken;
    const child = spawnIn(home, [...argv, "auth", "refresh", "--force"]);
    // Half the kills anywhere in the run, half in its second half, where the
    // request and the save are (start-up takes most of a run).
    const moment = trial % 2 === 0 ? Math.random() * 1.1 : 0.5 + Math.random() * 0.6;
    await new Promise((resolve) => setTimeout(resolve, moment * typical));
    try {
      child.kill("SIGKILL");
    } catch {
      // Already exited.
    }
    const status = await child.output();
    await serverSettled(server);

    // Whatever the moment, the file is whole and trusted.
    const stored = await storedCredentials(home);
    assert.ok(
      stored.oauth.refreshToken,
      `trial ${trial}: auth.conf parses and has a refresh token`,
    );
    const issuedAfter = (await server.lastTokens()).refreshToken;
    if (status.success) counts.completed++;
    else if (issuedAfter === issuedBefore) counts.killedBeforeRotation++;
    else if (stored.oauth.refreshToken === issuedAfter) counts.killedAfterRename++;
    else {
      // Rotated at the server, killed before the rename: the only way to lose
      // the session. Count it and sign in again to go on.
      assert.equal(stored.oauth.refreshToken, before);
      counts.lostSession++;
      expectExit(await login(home, server), 0);
    }
  }

  // The next ordinary run recovers any leftover lock and temporary file.
  expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
  assert.deepEqual(await readdir(home.configDir), ["auth.conf"]);
  console.log(
    `kill trials: ${trials}; typical run ${typical.toFixed(0)} ms; ` +
      `completed ${counts.completed}, killed before rotation ${counts.killedBeforeRotation}, ` +
      `killed after the rename ${counts.killedAfterRename}, lost (after rotation, before rename) ${counts.lostSession}`,
  );
  assert.equal(
    counts.completed + counts.killedBeforeRotation + counts.killedAfterRename + counts.lostSession,
    trials,
  );
});
