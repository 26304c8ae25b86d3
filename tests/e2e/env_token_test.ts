/**
 * An access token handed to twg instead of a sign-in: `TWG_OAUTH_ACCESS_TOKEN`
 * (CI) and `twg login --with-token`. Neither is ever refreshed; the
 * environment's is never written anywhere nor printed except by `auth token`.
 */
import assert from "node:assert/strict";
import { readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { ageToken, expectExit, login, makeHome, twg } from "./_twg.ts";

Deno.test("TWG_OAUTH_ACCESS_TOKEN wins over the stored sign-in, is never refreshed or written", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using signedIn = await makeHome(server);
  expectExit(await login(signedIn, server), 0);
  const stored = await twg(signedIn, ["auth", "token"]);
  expectExit(stored, 0);
  const token = stored.stdout.trim();

  // CI: no store at all. The site comes from the resources the token reaches.
  await using ci = await makeHome(server, { TWG_OAUTH_ACCESS_TOKEN: token });
  const printed = await twg(ci, ["auth", "token"]);
  expectExit(printed, 0);
  assert.equal(printed.stdout, `${token}\n`);
  const api = await twg(ci, ["api", "/rest/api/3/myself"]);
  expectExit(api, 0);
  assert.equal(JSON.parse(api.stdout).siteId, "site-1");
  const status = await twg(ci, ["auth", "status", "--json"]);
  expectExit(status, 0);
  const document = JSON.parse(status.stdout);
  assert.equal(document.method, "env");
  assert.equal(document.accessTokenVariable, "TWG_OAUTH_ACCESS_TOKEN");
  assert.equal(document.loggedIn, true);
  assert.equal(document.refreshable, false);
  await assert.rejects(stat(ci.configDir), "nothing was written: no config directory");

  // Signed in with a refresh due: the environment's token wins, nothing is sent
  // to the token endpoint, and auth.conf is left byte for byte.
  await ageToken(signedIn, 0.9);
  const before = await readFile(join(signedIn.configDir, "auth.conf"), "utf8");
  await server.resetStats();
  const other = "a-token-from-the-environment";
  const env = { TWG_OAUTH_ACCESS_TOKEN: other };
  const fromEnv = await twg(signedIn, ["auth", "token"], { env });
  expectExit(fromEnv, 0);
  assert.equal(fromEnv.stdout, `${other}\n`);
  const refused = await twg(signedIn, ["api", "/rest/api/3/myself"], { env });
  expectExit(refused, 1);
  assert.equal(JSON.parse(refused.stdout).error, "invalid_token", "the env token was sent");
  const withEnv = await twg(signedIn, ["api", "/rest/api/3/myself"], {
    env: { TWG_OAUTH_ACCESS_TOKEN: token },
  });
  expectExit(withEnv, 0);
  assert.equal(JSON.parse(withEnv.stdout).siteId, "site-1", "the stored site names {siteId}");

  const human = await twg(signedIn, ["auth", "status"], { env });
  expectExit(human, 0);
  assert.match(human.stdout + human.stderr, /access token in TWG_OAUTH_ACCESS_TOKEN/);
  const doctor = await twg(signedIn, ["doctor", "--json"], { env });
  const checks = JSON.parse(doctor.stdout).checks as { name: string; detail: string }[];
  assert.match(
    checks.find((check) => check.name === "method")!.detail,
    /^env \(TWG_OAUTH_ACCESS_TOKEN/,
  );
  for (const result of [human, doctor, refused, status]) {
    assert.ok(!(result.stdout + result.stderr).includes(other), "the value is never printed");
    assert.ok(!(result.stdout + result.stderr).includes(token), "the value is never printed");
  }

  const stats = await server.stats();
  assert.equal(stats.refreshRequests, 0, "never refreshed, though a refresh was due");
  assert.equal(stats.tokenRequests, 0);
  assert.equal(await readFile(join(signedIn.configDir, "auth.conf"), "utf8"), before);

  // Empty is unset, as for TWG_BBC_TOKEN: the stored sign-in is used (and refreshed).
  const empty = await twg(signedIn, ["auth", "token"], { env: { TWG_OAUTH_ACCESS_TOKEN: "" } });
  expectExit(empty, 0);
  assert.notEqual(empty.stdout.trim(), other);
  assert.equal((await server.stats()).refreshRequests, 1);
});

Deno.test("login --with-token stores a token that status and refresh say cannot be refreshed", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using source = await makeHome(server);
  expectExit(await login(source, server), 0);
  const token = (await twg(source, ["auth", "token"])).stdout.trim();

  await using home = await makeHome(server);
  const saved = await twg(home, ["login", "--with-token"], { stdin: `${token}\n` });
  expectExit(saved, 0);
  assert.ok(!(saved.stdout + saved.stderr).includes(token));
  const stored = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
  assert.equal(stored.oauth.method, "token");
  assert.equal(stored.oauth.refreshToken, null);
  assert.equal(stored.site.id, "site-1");
  assert.equal((await stat(join(home.configDir, "auth.conf"))).mode & 0o777, 0o600);

  const status = await twg(home, ["auth", "status", "--json"]);
  expectExit(status, 0);
  const document = JSON.parse(status.stdout);
  assert.equal(document.method, "token");
  assert.equal(document.refreshable, false);
  const human = await twg(home, ["auth", "status"]);
  assert.match(human.stdout + human.stderr, /cannot be refreshed/);

  const printed = await twg(home, ["auth", "token"]);
  expectExit(printed, 0);
  assert.equal(printed.stdout, `${token}\n`);
  expectExit(await twg(home, ["api", "/rest/api/3/myself"]), 0);

  await server.resetStats();
  const refresh = await twg(home, ["auth", "refresh"]);
  expectExit(refresh, 0);
  assert.match(refresh.stderr, /cannot be refreshed/);
  const json = await twg(home, ["auth", "refresh", "--json"]);
  expectExit(json, 0);
  assert.equal(JSON.parse(json.stdout).reason, "not-refreshable");
  const forced = await twg(home, ["auth", "refresh", "--force"]);
  expectExit(forced, 3);
  assert.match(forced.stderr, /cannot be refreshed/);
  assert.equal((await server.stats()).tokenRequests, 0, "no request to the token endpoint");

  const bogus = await twg(home, ["login", "--with-token"], { stdin: "not-a-token\n" });
  expectExit(bogus, 3);
  const empty = await twg(home, ["login", "--with-token"], { stdin: "" });
  expectExit(empty, 2);
});
