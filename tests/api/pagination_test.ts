import assert from "node:assert/strict";
import { nextPageUrl } from "../../src/api/pagination.ts";

const page = new URL("https://api.example.test/ex/confluence/cloud-1/wiki/api/v2/pages?limit=2");

Deno.test("Confluence's site-relative _links.next keeps the gateway prefix of the current URL", () => {
  const next = nextPageUrl(
    page,
    { results: [], _links: { next: "/wiki/api/v2/pages?cursor=abc" } },
    null,
  );
  assert.equal(
    next?.href,
    "https://api.example.test/ex/confluence/cloud-1/wiki/api/v2/pages?cursor=abc",
  );
  const direct = new URL("https://site.atlassian.net/wiki/api/v2/pages");
  assert.equal(
    nextPageUrl(direct, { _links: { next: "/wiki/api/v2/pages?cursor=x" } }, null)?.href,
    "https://site.atlassian.net/wiki/api/v2/pages?cursor=x",
  );
});

Deno.test("offset pages stop at total, at isLast, or on a short page when neither is given", () => {
  const url = new URL("https://site.test/rest/api/3/project/search?maxResults=2");
  const at = (body: unknown) => nextPageUrl(url, body, null)?.searchParams.get("startAt") ?? null;
  assert.equal(at({ startAt: 0, maxResults: 2, total: 5, values: [1, 2] }), "2");
  assert.equal(at({ startAt: 4, maxResults: 2, total: 5, values: [5] }), null);
  assert.equal(
    at({ startAt: 0, maxResults: 50, total: 100, values: [1, 2] }),
    "2",
    "the server capped the page",
  );
  assert.equal(at({ startAt: 0, maxResults: 2, isLast: true, values: [1, 2] }), null);
  assert.equal(at({ startAt: 0, maxResults: 2, isLast: false, values: [1, 2] }), "2");
  assert.equal(at({ startAt: 0, maxResults: 2, values: [1] }), null);
  assert.equal(at({ startAt: 0, maxResults: 2, values: [] }), null);
});

Deno.test("nextPageToken pages continue until isLast or no token; a Link header wins", () => {
  const url = new URL("https://site.test/rest/api/3/search/jql?jql=x");
  assert.equal(
    nextPageUrl(url, { issues: [], nextPageToken: "t2" }, null)?.href,
    "https://site.test/rest/api/3/search/jql?jql=x&nextPageToken=t2",
  );
  assert.equal(nextPageUrl(url, { issues: [], nextPageToken: "t2", isLast: true }, null), null);
  assert.equal(nextPageUrl(url, { issues: [] }, null), null);
  assert.equal(
    nextPageUrl(url, [], '<https://site.test/rest/x?page=2>; rel="next", <…>; rel="last"')?.href,
    "https://site.test/rest/x?page=2",
  );
});
