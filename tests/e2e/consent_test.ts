import assert from "node:assert/strict";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, type Home, login, makeHome, twg } from "./_twg.ts";

const day = 24 * 3_600_000;

async function consentExpiresAt(home: Home): Promise<number> {
  const stored = JSON.parse(await Deno.readTextFile(`${home.configDir}/auth.conf`));
  return Date.parse(stored.oauth.consentExpiresAt);
}

Deno.test("login records the consent's absolute expiry; status and doctor show it", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server, { TWG_CONSENT_LIFETIME_DAYS: "365" });
  const before = Date.now();
  expectExit(await login(home, server), 0);
  const expiresAt = await consentExpiresAt(home);
  assert.ok(
    expiresAt >= before + 365 * day && expiresAt <= Date.now() + 365 * day,
    "365 days from the login",
  );
  // Rotations keep it: the consent, not the token, sets it.
  expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
  assert.equal(await consentExpiresAt(home), expiresAt);
  const status = await twg(home, ["auth", "status", "--json"]);
  expectExit(status, 0);
  assert.equal(Date.parse(JSON.parse(status.stdout).consentExpiresAt), expiresAt);
  const doctor = await twg(home, ["doctor"]);
  assert.match(doctor.stdout, /consent: expires \d{4}-\d\d-\d\d \(in 36[45] days\)/);
  const basic = await twg(home, ["doctor", "--basic"]);
  expectExit(basic, 0);
  assert.match(basic.stdout, /^Auth source: OAuth sign-in/);
});
