/**
 * Every `--json` document, in every state (signed out, signed in, expired,
 * corrupt auth.conf, several sites), matches its JSON Schema in `schemas/`:
 * every field present (null when unknown), a `schemaVersion`, and one error
 * shape (issue 25, item 10).
 */
import assert from "node:assert/strict";
import { chmod, mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { validate } from "../_json_schema.ts";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { accessTokenFileOf, ageToken, type Home, login, makeHome, twg } from "./_twg.ts";

/** The commands with a `--json` document, and the schema each answers. */
const documents: [args: string[], schema: string][] = [
  [["auth", "status", "--json"], "auth-status.schema.json"],
  [["auth", "refresh", "--json"], "auth-refresh.schema.json"],
  [["doctor", "--json"], "doctor.schema.json"],
  [["upkeep", "status", "--json"], "upkeep-status.schema.json"],
  [["config", "list", "--json"], "config-list.schema.json"],
];

async function assertShapes(home: Home, state: string): Promise<Map<string, unknown>> {
  const seen = new Map<string, unknown>();
  for (const [args, schema] of documents) {
    const result = await twg(home, args);
    const lines = result.stdout.trim().split("\n");
    let document: unknown;
    try {
      document = JSON.parse(result.stdout);
    } catch {
      assert.fail(
        `${state}: twg ${args.join(" ")} printed ${lines.length} lines, not one document`,
      );
    }
    assert.deepEqual(
      validate(schema, document),
      [],
      `${state}: twg ${args.join(" ")} (exit ${result.code}):\n${result.stdout}`,
    );
    seen.set(args.join(" "), document);
  }
  return seen;
}

Deno.test("every --json document matches its schema: signed out, signed in, expired, corrupt", async () => {
  await using server = await startDevServer({ interval: 1, accessTokenTtl: 60 });
  await using home = await makeHome(server);

  const signedOut = await assertShapes(home, "signed out");
  const status = signedOut.get("auth status --json") as Record<string, unknown>;
  assert.deepEqual(status.error, {
    code: "not-logged-in",
    message: "Not logged in",
    hint: 'Run "twg login" to sign in',
  });
  const doctorNames = (signedOut.get("doctor --json") as { checks: { name: string }[] }).checks
    .map((check) => check.name);

  await login(home, server);
  const signedIn = await assertShapes(home, "signed in");
  assert.equal((signedIn.get("auth status --json") as { error: unknown }).error, null);
  assert.ok(
    (signedIn.get("auth status --json") as { scopes: string[] }).scopes.includes(
      "offline_access",
    ),
    "the granted scopes are shown",
  );
  // The same checks, by name and in order, whatever the state.
  assert.deepEqual(
    (signedIn.get("doctor --json") as { checks: { name: string }[] }).checks.map((c) => c.name),
    doctorNames,
  );

  await ageToken(home, 1.5);
  await assertShapes(home, "expired");

  // Without the access-token file a sandbox would read instead (issue 20), the refusal shows.
  await rm(accessTokenFileOf(home), { force: true });
  await chmod(join(home.configDir, "auth.conf"), 0o644);
  const corrupt = await assertShapes(home, "auth.conf readable by others");
  assert.equal(
    (corrupt.get("auth status --json") as { error: { code: string } }).error.code,
    "credentials-untrusted",
  );
  await writeFile(join(home.configDir, "auth.conf"), "{ not json", { mode: 0o600 });
  await chmod(join(home.configDir, "auth.conf"), 0o600);
  const unparseable = await assertShapes(home, "auth.conf not JSON");
  assert.equal(
    (unparseable.get("auth status --json") as { loggedIn: boolean }).loggedIn,
    false,
  );
});

Deno.test("login --json with several sites: authenticated (saved), then the error event, each line valid", async () => {
  await using server = await startDevServer({ interval: 1, sites: 3 });
  await using home = await makeHome(server);
  const result = await login(home, server);
  const events = result.stdout.trim().split("\n").map((line) => JSON.parse(line));
  for (const event of events) assert.deepEqual(validate("login-event.schema.json", event), []);
  assert.deepEqual(events.map((event) => event.event), [
    "device_authorization",
    "authenticated",
    "error",
  ]);
  assert.equal(events[1].site, null);
  assert.equal(result.code, 2, "a site must be chosen: a usage error");
});

Deno.test("upkeep status --json: the last error in the one error shape", async () => {
  await using home = await makeHome();
  await mkdir(home.configDir, { recursive: true, mode: 0o700 });
  await writeFile(
    join(home.configDir, "upkeep.json"),
    JSON.stringify({ version: 1, enabled: false, enableError: "systemctl failed" }),
  );
  const result = await twg(home, ["upkeep", "status", "--json"]);
  const document = JSON.parse(result.stdout);
  assert.deepEqual(validate("upkeep-status.schema.json", document), []);
});
