// deno-lint-ignore-file no-console -- the trial counts are the report this test exists for
/**
 * The "rotate, then answer late" fault: the server rotates the refresh token
 * and the refresh child is SIGKILLed (as a cgroup kill at logout would)
 * before the answer arrives. The next run recovers the session while the
 * issuer's reuse leeway is open, and after it sends nothing and asks for a
 * new sign-in (exit 77).
 *
 * @module
 */
import assert from "node:assert/strict";
import { type DevServer, startDevServer } from "../fixtures/dev_server_client.ts";
import { nothingRunning, runningChildren, spawnRefreshGroup } from "./_refresh_children.ts";
import {
  expectExit,
  type Home,
  isDenoBuild,
  login,
  makeHome,
  storedCredentials,
  twg,
  twgArgv,
} from "./_twg.ts";

// 20 each on the Deno build; the npm build's runs (Node 20 and 24, the whole
// e2e suite each) take fewer, as the kill trials do, to keep CI within its time.
const trials = Number(Deno.env.get("TWG_LEEWAY_TRIALS") ?? (isDenoBuild ? 20 : 5));
// The server accepts a rotated token for 6 s; twg retries within 6 s less
// its margin (1.2 s), so 4.8 s after the first send.
const leewaySeconds = 6;
const retryWindowMs = 4_800;

async function waitFor(what: string, condition: () => Promise<boolean>, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/**
 * Starts `auth refresh --force` with the server answering late, waits until
 * the server has rotated the token, then SIGKILLs the detached refresh child
 * and the caller's group: the answer is lost. Returns when the rotation was
 * seen (the first send happened a little before).
 */
async function loseAnAnswer(server: DevServer, home: Home): Promise<number> {
  const issuedBefore = (await server.lastTokens()).refreshToken;
  await server.setTokenMode("late", 60_000);
  const group = spawnRefreshGroup(twgArgv(), home);
  await waitFor(
    "the rotation",
    async () => (await server.lastTokens()).refreshToken !== issuedBefore,
  );
  const rotatedAt = Date.now();
  for (const pid of await runningChildren(home)) Deno.kill(pid, "SIGKILL");
  try {
    Deno.kill(-group.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
  await group.status;
  await nothingRunning(home);
  await server.setTokenMode("normal");
  return rotatedAt;
}

Deno.test(`a lost refresh answer is recovered inside the reuse leeway and refused after it (${trials} + ${trials} trials)`, async () => {
  if (Deno.build.os !== "linux") return; // runningChildren reads /proc
  await using server = await startDevServer({ interval: 1, reuseLeeway: leewaySeconds });
  await using home = await makeHome(server, {
    TWG_REFRESH_REUSE_LEEWAY_SECONDS: String(leewaySeconds),
    TWG_LOCK_TIMEOUT_MS: "5000",
  });
  expectExit(await login(home, server), 0);

  const counts = { recovered: 0, insideFailed: 0, refused: 0, outsideSent: 0 };
  for (let trial = 0; trial < trials; trial++) {
    const spent = (await storedCredentials(home)).oauth.refreshToken;
    await loseAnAnswer(server, home);
    assert.equal((await storedCredentials(home)).oauth.refreshToken, spent, "the answer was lost");
    const result = await twg(home, ["auth", "refresh", "--force"]);
    const stored = (await storedCredentials(home)).oauth;
    const issued = (await server.lastTokens()).refreshToken;
    if (result.code === 0 && stored.refreshToken === issued && stored.refreshToken !== spent) {
      counts.recovered++;
    } else {
      counts.insideFailed++;
      console.error(`inside trial ${trial}: exit ${result.code}: ${result.stderr}`);
      expectExit(await login(home, server, ["--force"]), 0);
    }
  }
  // The recovered session works: one more ordinary rotation and an API call.
  expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
  expectExit(await twg(home, ["api", "/rest/api/3/myself"]), 0);

  for (let trial = 0; trial < trials; trial++) {
    const rotatedAt = await loseAnAnswer(server, home);
    await new Promise((resolve) =>
      setTimeout(resolve, Math.max(0, rotatedAt + retryWindowMs + 200 - Date.now()))
    );
    const before = (await server.stats()).refreshRequests;
    const result = await twg(home, ["auth", "refresh", "--force", "--json"]);
    const sent = (await server.stats()).refreshRequests - before;
    if (sent > 0) counts.outsideSent++;
    if (
      result.code === 77 && sent === 0 &&
      JSON.parse(result.stdout).error?.code === "AUTH_EXPIRED" && /twg login/.test(result.stderr)
    ) counts.refused++;
    else {console.error(
        `outside trial ${trial}: exit ${result.code}, sent ${sent}: ${result.stderr}`,
      );}
    // The next refresh says the same, and sends nothing either.
    expectExit(await twg(home, ["auth", "refresh", "--force"]), 77);
    assert.equal((await server.stats()).refreshRequests, before, "no retry after the leeway");
    expectExit(await login(home, server, ["--force"]), 0);
  }
  const stats = await server.stats();
  console.log(
    `reuse leeway trials: inside ${trials}: recovered ${counts.recovered}; ` +
      `outside ${trials}: refused with exit 77 ${counts.refused}, retries sent ${counts.outsideSent}; ` +
      `server accepted ${stats.leewayReuses} reuses inside its leeway`,
  );
  assert.equal(counts.recovered, trials, "every lost answer inside the leeway is recovered");
  assert.equal(counts.refused, trials, "every lost answer after the leeway is refused, unsent");
  assert.equal(counts.outsideSent, 0);
});
