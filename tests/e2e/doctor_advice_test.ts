/**
 * `twg doctor`: one cause, one failure, the right advice (issue 25, item 14).
 */
import assert from "node:assert/strict";
import { chmod } from "node:fs/promises";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { login, makeHome, twg } from "./_twg.ts";

interface Check {
  name: string;
  status: string;
  detail: string;
}

async function doctor(home: Parameters<typeof twg>[0]): Promise<{ code: number; checks: Check[] }> {
  const result = await twg(home, ["doctor", "--json"]);
  return { code: result.code, checks: JSON.parse(result.stdout).checks };
}

const failing = (checks: Check[]) =>
  checks.filter((check) => check.status === "fail").map((check) => check.name);

Deno.test("doctor signed out: one failure (credentials), no 'auth switch' advice, a client-id check", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  const { code, checks } = await doctor(home);
  assert.equal(code, 1);
  assert.deepEqual(failing(checks), ["credentials"]);
  assert.ok(checks.every((check) => !check.detail.includes("auth switch")));
  for (const name of ["token", "user", "site", "server"]) {
    assert.equal(checks.find((check) => check.name === name)?.status, "skip", name);
  }
  assert.equal(checks.find((check) => check.name === "client-id")?.status, "ok");

  await using noClient = await makeHome(server);
  delete noClient.env.TWG_CLIENT_ID;
  const without = await doctor(noClient);
  const clientId = without.checks.find((check) => check.name === "client-id")!;
  assert.equal(clientId.status, "fail");
  assert.match(clientId.detail, /twg config set client-id/);
});

Deno.test("doctor with a world-writable config dir: credentials fail, store is not 'ok' beside it", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  await login(home, server);
  await chmod(home.configDir, 0o777);
  const { checks } = await doctor(home);
  assert.deepEqual(failing(checks), ["credentials"]);
  assert.equal(checks.find((check) => check.name === "store")?.status, "warn");
});

Deno.test("doctor with the server gone: the cause in words, not 'fetch failed'", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  await login(home, server);
  await server.stop();
  const result = await twg(home, ["doctor"]);
  assert.equal(result.code, 1);
  assert.doesNotMatch(result.stdout, /fetch failed|error sending request/);
  assert.match(result.stdout, /ECONNREFUSED|cannot reach|Cannot reach/);
});
