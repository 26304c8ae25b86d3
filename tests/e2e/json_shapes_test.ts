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
import {
  accessTokenFileOf,
  ageToken,
  expectExit,
  type Home,
  isDenoBuild,
  login,
  makeHome,
  twg,
} from "./_twg.ts";
import { missingSecretService, startSecretService } from "./_secret_service.ts";

/** The commands with a `--json` document, and the schema each answers. */
const documents: [args: string[], schema: string][] = [
  [["auth", "status", "--json"], "auth-status.schema.json"],
  [["auth", "refresh", "--json"], "auth-refresh.schema.json"],
  [["doctor", "--json"], "doctor.schema.json"],
  [["upkeep", "status", "--json"], "upkeep-status.schema.json"],
  [["config", "list", "--json"], "config-list.schema.json"],
  [["auth", "token", "--json"], "auth-token.schema.json"],
  [["auth", "backend", "file", "--json"], "auth-backend.schema.json"],
  [["upgrade", "--check", "--json"], "update.schema.json"],
  [["update", "--json"], "update.schema.json"],
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
  for (const command of ["auth token --json", "auth backend file --json"]) {
    const failed = signedOut.get(command) as { error: { code: string } };
    assert.equal(failed.error.code, "not-logged-in", command);
  }
  // The development server's manifest, read by this copy: the checkout, or the npm build under test.
  const upgrade = signedOut.get("upgrade --check --json") as Record<string, unknown>;
  const installation = isDenoBuild ? "checkout" : "npm";
  assert.deepEqual([upgrade.installation, upgrade.source], [installation, "manifest"]);
  if (isDenoBuild) {
    // No manifest: a checkout says to git pull it, in the same fields.
    const unlisted = await twg(home, ["upgrade", "--check", "--json"], {
      env: { TWG_UPDATE_MANIFEST_URL: "" },
    });
    expectExit(unlisted, 0);
    const pull = JSON.parse(unlisted.stdout);
    assert.deepEqual(validate("update.schema.json", pull), []);
    assert.deepEqual(Object.keys(pull), Object.keys(upgrade));
    assert.match(pull.command, /^git -C .* pull$/);
  }
  assert.equal((signedOut.get("update --json") as { error: { code: string } }).error.code, "usage");

  await login(home, server);
  const signedIn = await assertShapes(home, "signed in");
  assert.equal((signedIn.get("auth status --json") as { error: unknown }).error, null);
  assert.ok(
    (signedIn.get("auth status --json") as { scopes: string[] }).scopes.includes(
      "offline_access",
    ),
    "the granted scopes are shown",
  );
  assert.deepEqual(
    { ...(signedIn.get("auth backend file --json") as object), schemaVersion: 1 },
    {
      schemaVersion: 1,
      backend: "file",
      from: "file",
      moved: false,
      keyringItem: "skipped",
      error: null,
    },
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

Deno.test("several sites: every --json document matches its schema, chosen or not", async () => {
  await using server = await startDevServer({ interval: 1, sites: 3 });
  await using home = await makeHome(server);
  // Not chosen: login saves the sign-in and exits 2 (no terminal to ask on).
  expectExit(await login(home, server), 2);
  const unchosen = await assertShapes(home, "several sites, none chosen");
  assert.equal((unchosen.get("auth status --json") as { site: unknown }).site, null);
  expectExit(await twg(home, ["auth", "switch", "--site", "site-2"]), 0);
  const chosen = await assertShapes(home, "several sites, site-2 chosen");
  assert.equal((chosen.get("auth status --json") as { site: { id: string } }).site.id, "site-2");
});

const noSecretService = await missingSecretService;

Deno.test({
  name: `auth backend --json: a move to the keyring and back matches its schema${
    noSecretService ? ` (skipped: ${noSecretService})` : ""
  }`,
  ignore: noSecretService !== null,
  async fn() {
    await using keyring = await startSecretService();
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server, keyring.env);
    expectExit(await login(home, server), 0);
    const toKeyring = await twg(home, ["auth", "backend", "keyring", "--json"]);
    expectExit(toKeyring, 0);
    const toFile = await twg(home, ["auth", "backend", "file", "--json"]);
    expectExit(toFile, 0);
    const moves = [JSON.parse(toKeyring.stdout), JSON.parse(toFile.stdout)];
    for (const move of moves) assert.deepEqual(validate("auth-backend.schema.json", move), []);
    assert.deepEqual(
      moves.map(({ backend, from, moved, keyringItem }) => ({ backend, from, moved, keyringItem })),
      [
        { backend: "keyring", from: "file", moved: true, keyringItem: "skipped" },
        { backend: "file", from: "keyring", moved: true, keyringItem: "removed" },
      ],
    );
  },
});

Deno.test({
  name: "auth token --json succeeds in the shape of its schema: file, refreshed, another site, " +
    "the environment",
  async fn() {
    await using server = await startDevServer({ interval: 1, accessTokenTtl: 60, sites: 3 });
    await using home = await makeHome(server);
    expectExit(await login(home, server, ["--site", "site-1"]), 0);
    const answers: [state: string, args: string[], env?: Record<string, string>][] = [
      ["signed in", ["auth", "token", "--json"]],
      ["another site", ["auth", "token", "--json", "--site", "site-3"]],
      ["from the environment", ["auth", "token", "--json"], {
        TWG_OAUTH_ACCESS_TOKEN: "env-token",
      }],
    ];
    const documents: Record<string, unknown>[] = [];
    const check = async (state: string, args: string[], env?: Record<string, string>) => {
      const result = await twg(home, args, env ? { env } : {});
      expectExit(result, 0);
      const document = JSON.parse(result.stdout);
      assert.deepEqual(
        validate("auth-token.schema.json", document),
        [],
        `${state}: ${result.stdout}`,
      );
      documents.push(document);
    };
    for (const [state, args, env] of answers) await check(state, args, env);
    await ageToken(home, 1.5);
    await check("expired, refreshed first", ["auth", "token", "--json"]);
    assert.deepEqual(documents.map((document) => document.source), ["file", "file", "env", "file"]);
    // The same fields as a failure's document.
    await using signedOut = await makeHome(server);
    const failed = JSON.parse((await twg(signedOut, ["auth", "token", "--json"])).stdout);
    for (const document of documents) {
      assert.deepEqual(Object.keys(document), Object.keys(failed));
    }
  },
});
