/**
 * The newest version of an npm-installed twg, asked of the npm registry when
 * no release manifest is configured (issue 25, item 8): the registry is
 * where `npm install -g` takes it from, so it is also the one source that
 * knows which version that command would install.
 *
 * Everything the registry says is checked before use: its version ends up on
 * npm's command line (`npm install -g <package>@<version>`).
 *
 * @module
 */
import type { Env } from "../env.ts";
import { isAbortError, NetworkError, TwgError } from "../errors.ts";
import { noPublicDefaultsVariable } from "../config/settings.ts";
import {
  assertSecureUrl,
  describeFetchError,
  readBodyAtMost,
  twgUserAgent,
} from "../oauth/http.ts";
import { isSemVer } from "./semver.ts";

/** The public registry, npm's own default. */
export const publicNpmRegistry = "https://registry.npmjs.org/";

/** The variable npm reads its registry from, and twg with it. */
export const npmRegistryVariable = "npm_config_registry";

/**
 * The bound on the registry's answer. The abbreviated document lists every
 * published version ("the size difference is more exaggerated for packages
 * with many versions": npm/registry docs/responses/package-metadata.md), at
 * about 1 KiB each; 4 MiB leaves room for thousands of twg releases and still
 * refuses an endless answer.
 */
export const maxPackageDocumentBytes = 4 * 1024 * 1024;

const requestTimeoutMs = 15_000;

/**
 * The registry to ask, with a trailing `/`: `npm_config_registry` (which npm
 * reads too, so the check and `npm install -g` look at the same registry),
 * else the public one, which `TWG_NO_PUBLIC_DEFAULTS=1` turns off (`null`).
 *
 * npm reads any `npm_config_<key>` variable as its `<key>` setting, "case-
 * insensitive, so NPM_CONFIG_FOO=bar will work the same", the lower-case
 * one winning (npm/cli docs/lib/content/using-npm/config.md, "Environment
 * Variables"). A registry set only in an `.npmrc` is not read here.
 *
 * @example
 * ```ts ignore
 * npmRegistryFor(env); // "https://registry.npmjs.org/"
 * ```
 */
export function npmRegistryFor(env: Pick<Env, "getVar">): string | null {
  const named = env.getVar(npmRegistryVariable) || env.getVar(npmRegistryVariable.toUpperCase());
  if (named) return named.endsWith("/") ? named : `${named}/`;
  return env.getVar(noPublicDefaultsVariable) === "1" ? null : publicNpmRegistry;
}

/**
 * The URL of a package's document: `<registry><name>`, a scoped name's `/`
 * written `%2f`, as npm itself requests it (npm/npm-registry-client#123: "scoped
 * package names are encoded such that `/` becomes `%2f`").
 *
 * @example
 * ```ts
 * packageDocumentUrl("https://registry.npmjs.org/", "@twg/cli");
 * // "https://registry.npmjs.org/@twg%2fcli"
 * ```
 */
export function packageDocumentUrl(registry: string, packageName: string): string {
  return `${registry}${packageName.replace("/", "%2f")}`;
}

/** What the registry says of a package, for a dist-tag or a version. */
export interface NpmRelease {
  /** The version the tag points to, or the version asked for. */
  version: string;
  /** The registry asked, with a trailing `/`. */
  registry: string;
}

/** What {@link fetchNpmRelease} asks for. */
export interface NpmReleaseQuery {
  registry: string;
  packageName: string;
  /** A dist-tag (`latest`, `beta`); ignored when `version` is given. */
  tag: string;
  /** An exact version, which must be published. */
  version?: string;
  signal?: AbortSignal;
}

/**
 * Asks the registry for the package's document and reads the version `tag`
 * points to (or checks that `version` is published). A document bigger than
 * {@link maxPackageDocumentBytes}, a redirect, an answer that is not the
 * package's JSON document, or a version that is not semver is a
 * {@link NetworkError} (exit 5); a package or tag the registry does not have
 * is a {@link TwgError} (exit 1) that says which registry was asked.
 *
 * The document, not `GET /<package>/<tag>`: the public registry refused that
 * endpoint for scoped packages such as `@twg/cli` (npm/registry-issue-archive
 * #45, "/latest endpoint does not work for scoped components", still open;
 * #130). The abbreviated form (`Accept: application/vnd.npm.install-v1+json`)
 * is what npm installs from and has `dist-tags` and `versions`
 * (npm/registry docs/responses/package-metadata.md).
 *
 * @example
 * ```ts ignore
 * await fetchNpmRelease(env, { registry: publicNpmRegistry, packageName: "@twg/cli", tag: "latest" });
 * // { version: "1.4.0", registry: "https://registry.npmjs.org/" }
 * ```
 */
export async function fetchNpmRelease(env: Env, query: NpmReleaseQuery): Promise<NpmRelease> {
  const url = packageDocumentUrl(query.registry, query.packageName);
  assertSecureUrl(url, `npm registry URL (${npmRegistryVariable})`);
  const host = new URL(url).host;
  const document = await requestPackageDocument(env, url, query.packageName, query.signal);
  const where = `${query.packageName} on ${host}`;
  if (document.name !== query.packageName) {
    throw new NetworkError(
      `The npm registry at ${host} answered for ${
        JSON.stringify(document.name)
      }, not ${query.packageName}`,
      undefined,
      { code: "server-error" },
    );
  }
  if (query.version !== undefined) {
    const versions = document.versions;
    const isPublished = versions !== null && typeof versions === "object" &&
      Object.hasOwn(versions, query.version);
    if (!isPublished) {
      throw new TwgError(`No version ${query.version} of ${where}`, {
        hint: `See the published versions with "npm view ${query.packageName} versions"`,
      });
    }
    return { version: query.version, registry: query.registry };
  }
  const tags = document["dist-tags"];
  const tagged = tags !== null && typeof tags === "object" && !Array.isArray(tags)
    ? (tags as Record<string, unknown>)[query.tag]
    : undefined;
  if (tagged === undefined) {
    throw new TwgError(
      `${where} has no "${query.tag}" dist-tag`,
      query.tag === "latest"
        ? {}
        : { hint: 'Follow the stable releases with "twg upgrade --channel stable"' },
    );
  }
  if (typeof tagged !== "string" || !isSemVer(tagged)) {
    throw new NetworkError(
      `The "${query.tag}" dist-tag of ${where} is not a semantic version: ${
        JSON.stringify(tagged).slice(0, 80)
      }`,
      undefined,
      { code: "server-error" },
    );
  }
  return { version: tagged, registry: query.registry };
}

async function requestPackageDocument(
  env: Env,
  url: string,
  packageName: string,
  signal: AbortSignal | undefined,
): Promise<Record<string, unknown>> {
  const host = new URL(url).host;
  const timeout = AbortSignal.timeout(requestTimeoutMs);
  let response: Response;
  try {
    response = await env.fetch(url, {
      headers: {
        accept: "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8",
        "user-agent": twgUserAgent(env),
      },
      // Said, not followed: a registry that moved is a setting to correct.
      redirect: "manual",
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    if (timeout.aborted || isAbortError(error)) {
      throw new NetworkError(`No answer from the npm registry at ${host} within 15 s`);
    }
    throw new NetworkError(
      `Cannot reach the npm registry at ${host}: ${describeFetchError(error)}`,
      error,
      {
        hint: `Check the network, or set ${npmRegistryVariable} to the registry npm installs from`,
      },
    );
  }
  if (response.status >= 300 && response.status < 400) {
    await response.body?.cancel();
    const location = response.headers.get("location");
    throw new NetworkError(
      `The npm registry at ${host} answered with a redirect (HTTP ${response.status}${
        location ? ` to ${location.slice(0, 200)}` : ""
      }), which twg does not follow`,
      undefined,
      {
        code: "server-error",
        hint: `Set ${npmRegistryVariable} to the registry's own URL`,
      },
    );
  }
  if (response.status === 404) {
    await response.body?.cancel();
    throw new TwgError(`The npm registry at ${host} has no package ${packageName}`, {
      hint: `If npm installs twg from another registry, set ${npmRegistryVariable} to it`,
    });
  }
  const body = await readBodyAtMost(response, maxPackageDocumentBytes, host, signal);
  if (!response.ok) {
    throw new NetworkError(
      `The npm registry at ${host} answered HTTP ${response.status}`,
      undefined,
      { code: "server-error" },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(new TextDecoder().decode(body));
  } catch {
    parsed = undefined;
  }
  if (!parsed || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new NetworkError(
      `The npm registry at ${host} answered with something that is not a package document (not a JSON object)`,
      undefined,
      { code: "server-error" },
    );
  }
  return parsed as Record<string, unknown>;
}
