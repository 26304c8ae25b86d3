/**
 * Attack: another issuer's access token sent to Atlassian's API (issue 23,
 * finding 4), and a default that reaches a public host from a test. Inside a
 * network namespace made by the test, Atlassian's and Bitbucket's host names
 * resolve to a listener on the namespace's own loopback interface, which
 * counts connections: a sign-in at another issuer, an empty
 * `TWG_RESOURCES_URL`/`TWG_API_URL`, and the test harness's
 * `TWG_NO_PUBLIC_DEFAULTS=1` must each leave it at zero.
 */
import assert from "node:assert/strict";
import { countConnections, netnsTest } from "./_netns.ts";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, login, makeHome, twg } from "../e2e/_twg.ts";
import { loadSettings } from "../../src/config/settings.ts";
import { fakeEnv } from "../_fake_env.ts";
import { isLoopbackHost } from "../../platform/loopback.ts";

/** The scenario, run inside the namespace: connections seen after each step. */
async function scenario(): Promise<Record<string, number>> {
  const listener = countConnections();
  const seen: Record<string, number> = {};
  try {
    // 1. Signed in at another issuer (the dev server), nothing else configured.
    await using server = await startDevServer();
    await using home = await makeHome(server);
    delete home.env.TWG_RESOURCES_URL;
    delete home.env.TWG_API_URL;
    delete home.env.TWG_NO_PUBLIC_DEFAULTS;
    expectExit(await login(home, server), 0);
    await twg(home, ["api", "rest/api/3/myself"]);
    await twg(home, ["auth", "switch", "--site", "x"]);
    await twg(home, ["doctor", "--json"]);
    seen.otherIssuer = listener.count();
    // 2. Atlassian's issuer (the default), both URLs set to "": none.
    await using empty = await makeHome(undefined, { TWG_RESOURCES_URL: "", TWG_API_URL: "" });
    delete empty.env.TWG_NO_PUBLIC_DEFAULTS;
    await twg(empty, ["login", "--with-token"], { stdin: "given-token" });
    await twg(empty, ["api", "rest/api/3/myself"]);
    seen.emptyMeansNone = listener.count() - seen.otherIssuer;
    // 3. The harness: nothing configured at all.
    await using bare = await makeHome();
    await twg(bare, ["login", "--no-browser"]);
    await twg(bare, ["login", "--with-token"], { stdin: "given-token" });
    await twg(bare, ["api", "--bitbucket", "user"], { env: { TWG_BBC_TOKEN: "bb-token" } });
    seen.harness = listener.count() - seen.otherIssuer - seen.emptyMeansNone;
  } finally {
    listener.close();
  }
  return seen;
}

await netnsTest(
  import.meta,
  "no token reaches Atlassian's hosts without being configured for them",
  scenario,
  (seen) => {
    assert.deepEqual(seen, { otherIssuer: 0, emptyMeansNone: 0, harness: 0 });
  },
);

Deno.test("the API defaults hold only for Atlassian's issuer, and an empty value means none", async () => {
  await using atlassian = fakeEnv();
  const defaults = await loadSettings(atlassian, `${atlassian.homeDir}/nope/config.json`);
  assert.match(defaults.resourcesUrl ?? "", /^https:\/\/api\.atlassian\.com\//);
  await using other = fakeEnv({ vars: { TWG_ISSUER: "https://id.example.test" } });
  const otherSettings = await loadSettings(other, `${other.homeDir}/nope/config.json`);
  assert.equal(otherSettings.resourcesUrl, null);
  assert.equal(otherSettings.apiUrl, null);
  await using empty = fakeEnv({ vars: { TWG_RESOURCES_URL: "", TWG_BITBUCKET_API_URL: "" } });
  const emptySettings = await loadSettings(empty, `${empty.homeDir}/nope/config.json`);
  assert.equal(emptySettings.resourcesUrl, null);
  assert.equal(emptySettings.bitbucketApiUrl, null);
});

Deno.test("under the test harness no setting points at a public host", async () => {
  await using home = await makeHome();
  assert.equal(home.env.TWG_NO_PUBLIC_DEFAULTS, "1");
  await using env = fakeEnv({ vars: home.env });
  const settings = await loadSettings(env, `${home.path}/nope/config.json`);
  assert.equal(settings.scopes, "openid profile email", "defaults without a host stay");
  for (const [key, value] of Object.entries(settings)) {
    if (typeof value !== "string" || !/^[a-z]+:\/\//.test(value)) continue;
    assert.ok(isLoopbackHost(new URL(value).hostname), `${key} points at ${value}`);
  }
});
