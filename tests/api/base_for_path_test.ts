import assert from "node:assert/strict";
import { apiTarget } from "../../src/api/base_for_path.ts";

Deno.test("a Bitbucket path that repeats the base's /2.0 is not doubled", () => {
  assert.deepEqual(apiTarget("https://api.bitbucket.org/2.0", "/2.0/user"), {
    base: "https://api.bitbucket.org/2.0",
    path: "/user",
  });
  assert.deepEqual(apiTarget("https://api.bitbucket.org/2.0", "/user"), {
    base: "https://api.bitbucket.org/2.0",
    path: "/user",
  });
  // Only a version segment: a path that merely starts like the base's last word is kept.
  assert.deepEqual(apiTarget("https://x.test/api", "/api/x"), {
    base: "https://x.test/api",
    path: "/api/x",
  });
});

Deno.test("a Confluence path goes through the Confluence gateway, a Jira path through Jira's", () => {
  const jira = "https://api.atlassian.com/ex/jira/{siteId}";
  assert.equal(
    apiTarget(jira, "/wiki/api/v2/pages").base,
    "https://api.atlassian.com/ex/confluence/{siteId}",
  );
  assert.equal(apiTarget(jira, "/rest/api/3/myself").base, jira);
  // A base the person configured elsewhere is left as it is.
  assert.equal(apiTarget("https://proxy.test/jira", "/wiki/x").base, "https://proxy.test/jira");
});
