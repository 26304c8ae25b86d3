/**
 * `TWG_DEBUG=api` traces every HTTP exchange on stderr with each credential
 * redacted (issue 25, item 19): the test runs a login, a forced refresh and
 * an API call, then looks for every token the server issued in the trace.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, login, makeHome, twg } from "./_twg.ts";

Deno.test("TWG_DEBUG=api shows method, URL, status, time and headers, and no token", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server, { TWG_DEBUG: "api" });
  const signIn = await login(home, server);
  expectExit(signIn, 0);
  const afterLogin = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
  const refresh = await twg(home, ["auth", "refresh", "--force"]);
  expectExit(refresh, 0);
  const afterRefresh = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
  const api = await twg(home, ["api", "/rest/api/3/myself"], {
    env: { TWG_BBC_TOKEN: server.bitbucketToken },
  });
  expectExit(api, 0);
  const bitbucket = await twg(home, ["api", "--bitbucket", "/user"], {
    env: { TWG_BBC_TOKEN: server.bitbucketToken },
  });
  expectExit(bitbucket, 0);

  const trace = signIn.stderr + refresh.stderr + api.stderr + bitbucket.stderr;
  assert.match(trace, /^> POST http:\/\/127\.0\.0\.1:\d+\/.*token/m, "the token request is shown");
  assert.match(trace, /^< HTTP 200/m);
  assert.match(trace, /^\* Request took \d+ ms$/m);
  assert.match(trace, /^> authorization: \[redacted\]$/m);
  assert.match(trace, /^> GET http:\/\/127\.0\.0\.1:\d+\/api\/site-1\/rest\/api\/3\/myself$/m);

  const secrets = [
    afterLogin.oauth.accessToken,
    afterLogin.oauth.refreshToken,
    afterLogin.oauth.idToken,
    afterRefresh.oauth.accessToken,
    afterRefresh.oauth.refreshToken,
    server.bitbucketToken,
  ].filter((value): value is string => typeof value === "string" && value.length > 0);
  assert.ok(secrets.length >= 5);
  for (const secret of secrets) {
    assert.ok(!trace.includes(secret), `the trace does not contain ${secret.slice(0, 6)}…`);
  }
  // Without the variable, nothing is traced.
  const quiet = await twg(home, ["api", "/rest/api/3/myself"], { env: { TWG_DEBUG: "" } });
  assert.doesNotMatch(quiet.stderr, /^> GET/m);
});
