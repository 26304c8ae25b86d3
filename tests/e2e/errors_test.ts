/**
 * Errors against the real oidc-provider say what to check (issue 12, item
 * 9), and `--json` answers them with a stable code (item 8).
 */
import assert from "node:assert/strict";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, makeHome, twg } from "./_twg.ts";

Deno.test("against the development server: wrong client id, wrong issuer path, issuer gone", async () => {
  await using server = await startDevServer({ interval: 1 });

  await using wrongClient = await makeHome(server, { TWG_CLIENT_ID: "not-registered" });
  const refused = await twg(wrongClient, ["login", "--no-browser", "--json"]);
  expectExit(refused, 1);
  const [event] = refused.stdout.trimEnd().split("\n").map((line) => JSON.parse(line));
  assert.equal(event.event, "error");
  assert.equal(event.error.code, "invalid-client");
  assert.match(event.error.hint, /Check TWG_CLIENT_ID/);
  assert.match(refused.stderr, /does not accept the client id "not-registered"/);
  assert.doesNotMatch(refused.stderr, /client authentication failed/);

  // The server is there but this is not an issuer: a configuration mistake.
  await using wrongPath = await makeHome(server, { TWG_ISSUER: `${server.issuer}/not-an-issuer` });
  const notFound = await twg(wrongPath, ["login", "--no-browser"]);
  expectExit(notFound, 1);
  assert.match(notFound.stderr, /HTTP 404/);
  assert.match(notFound.stderr, /Check TWG_ISSUER/);

  await server.stop();
  await using gone = await makeHome(server);
  const unreachable = await twg(gone, ["login", "--no-browser"]);
  expectExit(unreachable, 5);
  assert.match(unreachable.stderr, /Cannot reach 127\.0\.0\.1/);
  assert.match(unreachable.stderr, /Check TWG_ISSUER/);
});
