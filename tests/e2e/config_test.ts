/**
 * A newcomer without a client id is told where one comes from, can save it
 * with `twg config set`, and `twg help environment` lists every variable
 * (issue 25, item 2).
 */
import assert from "node:assert/strict";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, login, makeHome, twg } from "./_twg.ts";

Deno.test("login without a client id names where one comes from; config set saves it and login works", async () => {
  await using server = await startDevServer({ interval: 1 });
  const clientId = server.env.TWG_CLIENT_ID!;
  await using home = await makeHome(server);
  delete home.env.TWG_CLIENT_ID;

  const refused = await twg(home, ["login", "--no-browser"]);
  expectExit(refused, 2);
  assert.match(refused.stderr, /No OAuth client id is configured/);
  assert.match(refused.stderr, /developer\.atlassian\.com\/console\/myapps/);
  assert.match(refused.stderr, /twg config set client-id <id>/);
  assert.match(refused.stderr, /twg help environment/);

  const saved = await twg(home, ["config", "set", "client-id", clientId]);
  expectExit(saved, 0);
  assert.match(saved.stderr, /Saved client-id in ~\/\.config\/twg\/config\.json/);
  const file = JSON.parse(await Deno.readTextFile(`${home.configDir}/config.json`));
  assert.deepEqual(file, { clientId });

  const got = await twg(home, ["config", "get", "client-id"]);
  assert.equal(got.stdout, `${clientId}\n`);
  const listed = await twg(home, ["config", "list", "--json"]);
  const entry = JSON.parse(listed.stdout).settings.find((s: { name: string }) =>
    s.name === "client-id"
  );
  assert.deepEqual(entry, {
    name: "client-id",
    fileKey: "clientId",
    variable: "TWG_CLIENT_ID",
    value: clientId,
    source: "file",
  });

  await login(home, server);

  const typo = await twg(home, ["config", "set", "client-di", "x"]);
  expectExit(typo, 2);
  assert.match(typo.stderr, /Unknown setting "client-di" \(did you mean "client-id"\?\)/);
  const badBackend = await twg(home, ["config", "set", "credential-backend", "vault"]);
  expectExit(badBackend, 2);

  const unset = await twg(home, ["config", "unset", "client-id"]);
  expectExit(unset, 0);
  assert.deepEqual(JSON.parse(await Deno.readTextFile(`${home.configDir}/config.json`)), {});
});

Deno.test("twg help environment lists every TWG_ variable the code reads, on stdout", async () => {
  await using home = await makeHome();
  const result = await twg(home, ["help", "environment"]);
  expectExit(result, 0);
  const source = new Deno.Command("grep", {
    args: ["-rhoE", '"TWG_[A-Z_]+"', "src", "platform"],
    cwd: new URL("../../", import.meta.url),
    stdout: "piped",
  }).outputSync();
  const read = new Set(
    new TextDecoder().decode(source.stdout).match(/TWG_[A-Z_]+/g)!.filter((name) =>
      // Test hooks, lock tuning and what upkeep's own job sets are not the person's to set.
      !/^TWG_(TEST_|LOCK_|PINNED_|PERCENT_SIGN)/.test(name)
    ),
  );
  for (const name of [...read, "TWG_CLIENT_ID", "TWG_ISSUER", "TWG_DEBUG"]) {
    assert.match(result.stdout, new RegExp(`^${name}$`, "m"), `${name} is listed`);
  }
});
