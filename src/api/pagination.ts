/**
 * `twg api --paginate`: where the next page of an Atlassian REST answer is.
 * Atlassian's APIs page in three ways, each recognised from the page itself:
 *
 * - offset pages, `startAt`/`maxResults` with `total` or `isLast` (most of
 *   Jira; `isLast` without `total` on some, see
 *   https://jira.atlassian.com/browse/JRACLOUD-90676): the next page starts
 *   after the items received, since a server may return fewer than asked;
 * - token pages, `nextPageToken` (and `isLast`), as Jira's
 *   `/rest/api/3/search/jql`, whose last page has no token at all
 *   (https://jira.atlassian.com/browse/JRACLOUD-92184);
 * - link pages, `_links.next`, as Confluence (v2 and the v1 search), a URL
 *   relative to the site
 *   (https://developer.atlassian.com/cloud/confluence/change-notice-moderize-search-rest-apis/).
 *
 * gh follows the `Link` header instead (cli/cli `pkg/cmd/api/pagination.go`,
 * `findNextPage`), which Atlassian's APIs do not send; it is followed too.
 *
 * @module
 */

/** The URL of the page after `page` (fetched from `url`), or null on the last one. */
export function nextPageUrl(url: URL, page: unknown, linkHeader: string | null): URL | null {
  const fromLink = linkHeader ? nextFromLinkHeader(linkHeader) : null;
  if (fromLink) return new URL(fromLink, url);
  if (!page || typeof page !== "object" || Array.isArray(page)) return null;
  const record = page as Record<string, unknown>;
  const links = record._links as Record<string, unknown> | undefined;
  if (links && typeof links === "object" && typeof links.next === "string" && links.next) {
    return resolveSiteRelative(url, links.next);
  }
  if (record.isLast === true) return null;
  if (typeof record.nextPageToken === "string" && record.nextPageToken) {
    const next = new URL(url);
    next.searchParams.set("nextPageToken", record.nextPageToken);
    return next;
  }
  if (typeof record.startAt === "number" && typeof record.maxResults === "number") {
    const count = itemCount(record);
    if (count === 0) return null;
    const startAt = record.startAt + count;
    if (typeof record.total === "number" && startAt >= record.total) return null;
    // Neither `total` nor `isLast`: a short page is the last one.
    if (
      typeof record.total !== "number" && record.isLast === undefined && count < record.maxResults
    ) {
      return null;
    }
    const next = new URL(url);
    next.searchParams.set("startAt", String(startAt));
    return next;
  }
  return null;
}

/** How many items an offset page holds: the length of its one array of results. */
function itemCount(record: Record<string, unknown>): number {
  for (const key of ["values", "issues", "results", "comments", "worklogs"]) {
    const value = record[key];
    if (Array.isArray(value)) return value.length;
  }
  const arrays = Object.values(record).filter(Array.isArray);
  return arrays.length === 1 ? arrays[0]!.length : 0;
}

function nextFromLinkHeader(header: string): string | null {
  for (const match of header.matchAll(/<([^>]+)>\s*;\s*rel="?([^";]+)"?/g)) {
    if (match[2]!.split(/\s+/).includes("next")) return match[1]!;
  }
  return null;
}

/**
 * Confluence's `_links.next` is relative to the site (`/wiki/api/v2/…`). When
 * the API is reached through a gateway prefix (`/ex/confluence/<cloudid>/wiki/…`),
 * that prefix is kept: it is the part of the current path before the link's
 * first segment.
 */
function resolveSiteRelative(url: URL, next: string): URL {
  if (!next.startsWith("/") || next.startsWith("//")) return new URL(next, url);
  const firstSegment = next.split("/")[1] ?? "";
  const at = firstSegment ? url.pathname.indexOf(`/${firstSegment}/`) : -1;
  const prefix = at > 0 ? url.pathname.slice(0, at) : "";
  return new URL(prefix + next, url.origin);
}
