// deno-lint-ignore-file no-console -- the trial counts are the report this test exists for
/**
 * The token keeper SIGKILLed at random moments while it refreshes: the
 * refresh goes through the same detached child and atomic save as every
 * other, so no kill loses the session.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { lockReleased, nothingRunning, serverSettled } from "./_refresh_children.ts";
import {
  ageToken,
  expectExit,
  isDenoBuild,
  login,
  makeHome,
  storedCredentials,
  twgArgv,
} from "./_twg.ts";

const trials = Number(Deno.env.get("TWG_BROKER_KILL_TRIALS") ?? (isDenoBuild ? 50 : 10));

/** Sends a token request and ignores the outcome (the keeper may die first). */
async function askQuietly(socket: string): Promise<void> {
  try {
    const conn = await Deno.connect({ transport: "unix", path: socket });
    await conn.write(new TextEncoder().encode('{"v":1,"op":"token"}\n'));
    await new Response(conn.readable).text();
  } catch {
    // Killed meanwhile.
  }
}

Deno.test(`the token keeper SIGKILLed at random moments during ${trials} refreshes loses no session`, async () => {
  await using server = await startDevServer({ interval: 1, accessTokenTtl: 600 });
  await using home = await makeHome(server, { TWG_LOCK_TIMEOUT_MS: "5000" });
  expectExit(await login(home, server), 0);
  // The request is answered 150 ms late: the kill lands inside it more often.
  await server.setTokenMode("slow", 150);
  const socket = join(home.path, "keeper", "broker.sock");
  const counts = { completed: 0, killedBeforeRequest: 0, killedAfterRequest: 0, lostSession: 0 };
  for (let trial = 0; trial < trials; trial++) {
    await ageToken(home, 1.1);
    const before = (await storedCredentials(home)).oauth.refreshToken;
    const issuedBefore = (await server.lastTokens()).refreshToken;
    const keeper = new Deno.Command(twgArgv()[0]!, {
      args: [...twgArgv().slice(1), "auth", "serve", "--socket", socket],
      env: home.env,
      clearEnv: true,
      stdin: "null",
      stdout: "piped",
      stderr: "null",
    }).spawn();
    const reader = keeper.stdout.getReader();
    const ready = await reader.read();
    let status;
    if (ready.done) {
      status = await keeper.status;
    } else {
      // Its first round refreshes the expired token; a request races it.
      const asked = askQuietly(socket);
      await new Promise((resolve) => setTimeout(resolve, Math.random() * 400));
      try {
        keeper.kill("SIGKILL");
      } catch {
        // Already exited.
      }
      status = await keeper.status;
      await asked;
    }
    reader.releaseLock();
    await keeper.stdout.cancel().catch(() => {});
    await nothingRunning(home);
    await lockReleased(home.configDir);
    await serverSettled(server);

    const stored = await storedCredentials(home);
    assert.ok(stored.oauth.refreshToken, `trial ${trial}: auth.conf parses`);
    const issuedAfter = (await server.lastTokens()).refreshToken;
    if (status.success) counts.completed++;
    else if (issuedAfter === issuedBefore) counts.killedBeforeRequest++;
    else if (stored.oauth.refreshToken === issuedAfter) counts.killedAfterRequest++;
    else {
      assert.equal(stored.oauth.refreshToken, before);
      counts.lostSession++;
      expectExit(await login(home, server), 0);
    }
  }
  console.log(
    `broker kill trials: ${trials}; killed before the request ${counts.killedBeforeRequest}, ` +
      `killed after the request (saved by the detached child) ${counts.killedAfterRequest}, ` +
      `exited on its own ${counts.completed}, lost ${counts.lostSession}`,
  );
  assert.equal(counts.lostSession, 0, "no kill of the keeper loses the session");
  assert.equal((await server.stats()).invalidGrants, 0);
});
