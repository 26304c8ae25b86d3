/**
 * Which base a `twg api` path goes under, so that paths copied from the
 * product documentation work with the default bases: Confluence paths
 * (`/wiki/…`) go through Atlassian's Confluence gateway rather than Jira's,
 * and a path that repeats the base's version segment (`/2.0/user` under
 * `https://api.bitbucket.org/2.0`) is not doubled.
 *
 * @module
 */

/** A base URL and the path to request under it. */
export interface ApiTarget {
  base: string;
  path: string;
}

/**
 * The base and path for `path` under `base`. Atlassian's gateway takes
 * OAuth 2.0 (3LO) requests at `https://api.atlassian.com/ex/jira/{cloudId}/…`
 * for Jira and `…/ex/confluence/{cloudId}/wiki/…` for Confluence
 * (https://developer.atlassian.com/cloud/oauth/getting-started/making-calls-to-api/;
 * the Confluence REST v2 reference lists every path under `/wiki/api/v2`).
 *
 * @example
 * ```ts ignore
 * apiTarget("https://api.bitbucket.org/2.0", "/2.0/user"); // { base: "https://api.bitbucket.org/2.0", path: "/user" }
 * ```
 */
export function apiTarget(base: string, path: string): ApiTarget {
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) return { base, path };
  let target = base;
  if (/^\/?wiki(\/|$)/.test(path)) target = target.replace(/\/ex\/jira\//, "/ex/confluence/");
  const lastSegment = target.replace(/\/+$/, "").split("/").at(-1) ?? "";
  const segments = path.replace(/^\//, "").split("/");
  if (/^v?\d+(\.\d+)*$/.test(lastSegment) && segments[0] === lastSegment) {
    return { base: target, path: `/${segments.slice(1).join("/")}` };
  }
  return { base: target, path };
}
