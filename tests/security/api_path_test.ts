/**
 * Attack: `twg api` paths that leave the configured base path on the same
 * host (issue 23, finding 9): `../` segments, their percent-encoded forms,
 * and a sibling path sharing the base's prefix without a segment boundary.
 * Each must be refused before any request; paths inside the base still work.
 */
import assert from "node:assert/strict";
import { requestUrl } from "../../src/commands/api.ts";

const base = "https://api.example.test/ex/jira/site-1";

const escapes = [
  "../site-2/rest/api/3/myself",
  "/../../../admin",
  "rest/../../site-2/x",
  "%2e%2e/site-2/x",
  "%2E%2E/site-2/x",
  ".%2e/site-2/x",
  "rest/..%2f..%2fsite-2",
  "rest/..%5c..%5csite-2",
  "./rest",
  "https://api.example.test/ex/jira/site-10/rest",
  "https://api.example.test/ex/jira/site-1-evil/rest",
  "https://api.example.test/ex/jira/site-1/../site-2",
  "https://api.example.test/ex/jira/site-1/%2e%2e/site-2",
  "https://other.example.test/ex/jira/site-1/rest",
];

for (const path of escapes) {
  Deno.test(`twg api refuses ${JSON.stringify(path)}, which leaves the base path`, () => {
    assert.throws(() => requestUrl(base, path), /Refusing to send the token outside/);
  });
}

Deno.test("twg api keeps paths inside the base path", () => {
  assert.equal(requestUrl(base, "rest/api/3/myself").href, `${base}/rest/api/3/myself`);
  assert.equal(
    requestUrl(base, "/rest/api/3/search?jql=a%2Fb").href,
    `${base}/rest/api/3/search?jql=a%2Fb`,
  );
  assert.equal(requestUrl(base, `${base}/rest/x?y=1`).href, `${base}/rest/x?y=1`);
  assert.equal(requestUrl(base, "rest/a..b/c").href, `${base}/rest/a..b/c`);
});
