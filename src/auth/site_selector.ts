/**
 * `--site` and `--cloud-id` (mutually exclusive, as in Atlassian's own CLI):
 * one command uses another of the sites the sign-in reaches, without
 * changing the stored choice (`twg auth switch --site` changes that).
 *
 * @module
 */
import type { Site } from "../credentials/auth_conf.ts";
import { UsageError } from "../errors.ts";
import { describeSites } from "./site_choice.ts";

/** Which site one command uses instead of the stored one. */
export type SiteSelector =
  /** An id, URL or host name (`--site`). */
  | { kind: "site"; value: string }
  /** The site's id exactly (`--cloud-id`). */
  | { kind: "cloud-id"; value: string };

/** The selector the parsed options name, or null. */
export function selectorOf(options: { site?: string; cloudId?: string }): SiteSelector | null {
  if (options.site !== undefined) return { kind: "site", value: options.site };
  if (options.cloudId !== undefined) return { kind: "cloud-id", value: options.cloudId };
  return null;
}

/**
 * The site `selector` names among `sites` (those the sign-in reaches), or a
 * usage error listing them.
 */
export function selectSite(sites: Site[], selector: SiteSelector): Site {
  const found = selector.kind === "site"
    ? matchSite(sites, selector.value)
    : sites.find((site) => site.id === selector.value) ?? null;
  if (found) return found;
  const flag = selector.kind === "site" ? "--site" : "--cloud-id";
  throw new UsageError(
    `No site this sign-in reaches matches ${flag} ${JSON.stringify(selector.value)}${
      sites.length > 0 ? `; it reaches: ${describeSites(sites)}` : ""
    }`,
    sites.length > 0
      ? `Use one of them, or run "twg auth switch" if the list is out of date`
      : 'Run "twg auth switch" to list the sites again',
  );
}

/**
 * Finds `wanted` (an id, URL or host name) among `sites`. Kept here, not
 * beside the sites request (`oauth/identity.ts`), so that `auth status`
 * loads no HTTP client.
 */
export function matchSite(sites: Site[], wanted: string): Site | null {
  const normalized = wanted.replace(/\/$/, "").toLowerCase();
  return sites.find((site) =>
    site.id.toLowerCase() === normalized ||
    site.url.replace(/\/$/, "").toLowerCase() === normalized ||
    safeHost(site.url) === normalized
  ) ?? null;
}

function safeHost(url: string): string | null {
  try {
    return new URL(url).host.toLowerCase();
  } catch {
    return null;
  }
}
