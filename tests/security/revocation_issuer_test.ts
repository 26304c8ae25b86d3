/**
 * Attack: re-login against issuer B after issuer A, where the stored A token
 * names no revocation endpoint. A's refresh token must never be POSTed to B.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, login, makeHome } from "../e2e/_twg.ts";

async function forgetRevocationEndpoint(configDir: string): Promise<void> {
  const path = join(configDir, "auth.conf");
  const stored = JSON.parse(await Deno.readTextFile(path));
  stored.oauth.revocationEndpoint = null;
  await Deno.writeTextFile(path, JSON.stringify(stored, null, 2) + "\n", { mode: 0o600 });
}

Deno.test("re-login at another issuer revokes the old token at its own issuer, never at the new one", async () => {
  await using issuerA = await startDevServer({ interval: 1 });
  await using issuerB = await startDevServer({ interval: 1 });
  await using home = await makeHome(issuerA);
  expectExit(await login(home, issuerA), 0);
  await forgetRevocationEndpoint(home.configDir);
  await issuerA.resetStats();

  Object.assign(home.env, issuerB.env);
  expectExit(await login(home, issuerB), 0);
  assert.equal((await issuerB.stats()).revocations, 0, "B never sees A's refresh token");
  assert.equal((await issuerA.stats()).revocations, 1, "A's own metadata, read again, revokes it");
});

Deno.test("when the old issuer cannot be reached, the revocation is skipped with a note", async () => {
  await using issuerB = await startDevServer({ interval: 1 });
  const issuerA = await startDevServer({ interval: 1 });
  await using home = await makeHome(issuerA);
  expectExit(await login(home, issuerA), 0);
  await forgetRevocationEndpoint(home.configDir);
  await issuerA.stop();

  Object.assign(home.env, issuerB.env);
  const second = await login(home, issuerB);
  expectExit(second, 0);
  assert.equal((await issuerB.stats()).revocations, 0);
  assert.match(second.stderr, /previous sign-in at http:\/\/127\.0\.0\.1:\d+ was not revoked/);
});
