import assert from "node:assert/strict";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, login, makeHome, twg } from "./_twg.ts";

Deno.test("a TWG_ISSUER other than the stored sign-in's is reported everywhere; login uses it", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  // Port 9 (discard) on loopback: nothing listens there.
  const other = { TWG_ISSUER: "http://127.0.0.1:9" };

  const token = await twg(home, ["auth", "token"], { env: other });
  expectExit(token, 0);
  assert.equal(
    token.stdout,
    `${(await server.lastTokens()).accessToken}\n`,
    "the stored sign-in wins",
  );
  const warning = token.stderr.trim().split("\n");
  assert.equal(warning.length, 1, token.stderr);
  assert.match(
    warning[0]!,
    new RegExp(
      `TWG_ISSUER is http://127\\.0\\.0\\.1:9, but the stored sign-in's issuer is ${server.issuer}; it is used until "twg login"`,
    ),
  );

  const status = await twg(home, ["auth", "status", "--json"], { env: other });
  expectExit(status, 0);
  const document = JSON.parse(status.stdout);
  assert.equal(document.issuer, server.issuer);
  assert.deepEqual(document.settingMismatches, [{
    setting: "issuer",
    source: "TWG_ISSUER",
    configured: "http://127.0.0.1:9",
    stored: server.issuer,
  }]);
  const text = await twg(home, ["auth", "status"], { env: other });
  assert.match(text.stdout + text.stderr, new RegExp(`Issuer: ${server.issuer}`));
  assert.match(text.stdout + text.stderr, /TWG_ISSUER is http:\/\/127\.0\.0\.1:9/);

  // config.json counts as much as the variable; the same issuer with a slash does not differ.
  await Deno.writeTextFile(
    `${home.configDir}/config.json`,
    JSON.stringify({ clientId: "other-client" }),
  );
  const fromFile = await twg(home, ["auth", "token"], {
    env: { TWG_ISSUER: `${server.issuer}/`, TWG_CLIENT_ID: "" },
  });
  expectExit(fromFile, 0);
  assert.match(
    fromFile.stderr,
    /"clientId" in config\.json is other-client, but the stored sign-in's client id is twg-dev/,
  );
  assert.doesNotMatch(fromFile.stderr, /issuer/);
  await Deno.remove(`${home.configDir}/config.json`);

  const doctor = await twg(home, ["doctor", "--json"], { env: other });
  const issuerCheck = JSON.parse(doctor.stdout).checks.find((check: { name: string }) =>
    check.name === "issuer"
  );
  assert.equal(issuerCheck.status, "warn");
  assert.match(issuerCheck.detail, /TWG_ISSUER is http:\/\/127\.0\.0\.1:9/);

  // Nothing differs: no warning at all.
  const quiet = await twg(home, ["auth", "token"]);
  assert.equal(quiet.stderr, "");

  // login signs in with the new setting: here, a server that is not there.
  const relogin = await twg(home, ["login", "--no-browser"], { env: other });
  expectExit(relogin, 5);
  assert.match(relogin.stderr, /127\.0\.0\.1:9/);
});
