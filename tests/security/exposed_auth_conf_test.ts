/**
 * Attack: an `auth.conf` others could read (issue 23, finding 11). Its
 * tokens may be in someone else's hands: `login --force` keeps the copy it
 * moves aside at 0600 (not the exposed mode) and revokes that refresh token
 * at the server, which then refuses it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, login, makeHome } from "../e2e/_twg.ts";

Deno.test("login --force on a world-readable auth.conf revokes its tokens and keeps it 0600", async () => {
  await using server = await startDevServer();
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  const authConf = join(home.configDir, "auth.conf");
  const exposed = JSON.parse(await Deno.readTextFile(authConf));
  await Deno.chmod(authConf, 0o644);
  await server.resetStats();

  const forced = await login(home, server, ["--force"]);
  expectExit(forced, 0);
  assert.match(forced.stderr, /refresh token was revoked/);
  assert.equal((await server.stats()).revocations, 1);
  const aside = [...Deno.readDirSync(home.configDir)].find((entry) =>
    entry.name.startsWith("auth.conf.bad-")
  );
  assert.ok(aside, "the exposed file is kept aside");
  const info = await Deno.lstat(join(home.configDir, aside.name));
  assert.equal((info.mode! & 0o777).toString(8), "600");
  assert.deepEqual(JSON.parse(await Deno.readTextFile(join(home.configDir, aside.name))), exposed);

  // The revoked refresh token no longer works at the server.
  const refused = await fetch(`${server.issuer}/token`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "refresh_token",
      refresh_token: exposed.oauth.refreshToken,
      client_id: exposed.oauth.clientId,
    }),
  });
  assert.equal(refused.status, 400);
  assert.equal((await refused.json()).error, "invalid_grant");
});
