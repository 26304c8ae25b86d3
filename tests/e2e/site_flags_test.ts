/**
 * `--site` / `--cloud-id` (issue 21): one command uses another of the
 * sign-in's sites without changing the stored choice; the two flags exclude
 * each other; a re-login keeps the chosen site while it is still reachable.
 */
import { strict as assert } from "node:assert";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, type Home, login, makeHome, twg } from "./_twg.ts";

async function storedSite(home: Home): Promise<string> {
  return JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8")).site.id;
}

Deno.test("--site and --cloud-id choose among the sign-in's sites for one command only", async () => {
  await using server = await startDevServer({ interval: 1, sites: 3 });
  await using home = await makeHome(server);
  expectExit(await login(home, server, ["--site", "site-1"]), 0);

  const token = async (args: string[]) => {
    const result = await twg(home, ["auth", "token", "--json", ...args]);
    expectExit(result, 0);
    return JSON.parse(result.stdout);
  };
  assert.equal((await token([])).cloudId, "site-1");
  const bySite = await token(["--site", "https://example-2.atlassian.test"]);
  assert.equal(bySite.cloudId, "site-2");
  assert.equal(bySite.site, "https://example-2.atlassian.test");
  assert.equal((await token(["--cloud-id", "site-3"])).cloudId, "site-3");
  assert.equal(await storedSite(home), "site-1", "the stored choice is unchanged");

  const api = await twg(home, ["api", "--cloud-id", "site-2", "/rest/api/3/myself"]);
  expectExit(api, 0);
  assert.equal(JSON.parse(api.stdout).siteId, "site-2");
  const apiStored = await twg(home, ["api", "/rest/api/3/myself"]);
  assert.equal(JSON.parse(apiStored.stdout).siteId, "site-1");

  const exec = await twg(home, [
    "exec",
    "--site",
    "site-3",
    "--",
    "sh",
    "-c",
    'echo "$TWG_CLOUD_ID"',
  ]);
  expectExit(exec, 0);
  assert.equal(exec.stdout.trim(), "site-3");

  const status = await twg(home, ["auth", "status", "--json", "--cloud-id", "site-2"]);
  expectExit(status, 0);
  assert.equal(JSON.parse(status.stdout).site.id, "site-2");

  // Both at once, or a site the sign-in does not reach: usage errors, nothing sent.
  const both = await twg(home, ["auth", "token", "--site", "site-2", "--cloud-id", "site-3"]);
  expectExit(both, 2);
  assert.match(both.stderr, /cannot be used with/);
  const unknown = await twg(home, ["api", "--site", "nowhere", "/rest/api/3/myself"]);
  expectExit(unknown, 2);
  assert.match(
    unknown.stderr,
    /No site this sign-in reaches matches --site "nowhere"; it reaches: site-1/,
  );
  assert.equal(await storedSite(home), "site-1");
});

Deno.test("a re-login keeps the chosen site while the new sign-in still reaches it", async () => {
  await using server = await startDevServer({ interval: 1, sites: 3 });
  await using home = await makeHome(server);
  expectExit(await login(home, server, ["--site", "site-1"]), 0);
  expectExit(await twg(home, ["auth", "switch", "--site", "site-3"]), 0);
  // Without a terminal and without --site, three sites would be a usage error.
  expectExit(await login(home, server, ["--force"]), 0);
  assert.equal(await storedSite(home), "site-3");
  const api = await twg(home, ["api", "/rest/api/3/myself"]);
  expectExit(api, 0);
  assert.equal(JSON.parse(api.stdout).siteId, "site-3");
});
