/**
 * The release manifest (contract: "Release manifest"): which version is
 * current, the npm package that carries it, and a checksummed binary per
 * platform. Everything in it is checked before use, because its values end
 * up on command lines (`npm install -g <npm>@<version>`) and in file names.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import { loadSettings } from "../config/settings.ts";
import type { Env, OsName } from "../env.ts";
import { NetworkError } from "../errors.ts";
import { isLoopbackHost } from "../../platform/loopback.ts";
import { assertSecureUrl, requestJson } from "../oauth/http.ts";
import { isSemVer } from "./semver.ts";

/** One downloadable binary. */
export interface ReleaseArtifact {
  url: string;
  /** Lowercase hex SHA-256 of the file. */
  sha256: string;
}

/** A validated release manifest. */
export interface ReleaseManifest {
  version: string;
  released: string | null;
  notes: string | null;
  /** The npm package name, or `null` when the release is not on npm. */
  npm: string | null;
  /** By platform key, e.g. `"linux-x64"`, `"darwin-arm64"`, `"windows-x64"`. */
  artifacts: Record<string, ReleaseArtifact>;
  /**
   * Other release channels (`"beta"`), each described like the manifest
   * itself; the top level is the stable channel. Absent: stable only.
   */
  channels?: Record<string, ReleaseManifest>;
}

// npm's own rule for new package names (validate-npm-package-name): lowercase,
// URL-safe, optionally scoped. Anything else could be read by npm as a path,
// a URL, a git spec or an option; a leading "-" is refused too, though npm
// would take "-ddd@1.0.0" as an option, not a name.
const NPM_PACKAGE_NAME = /^(?:@[a-z0-9~][a-z0-9-._~]*\/)?[a-z0-9~][a-z0-9-._~]*$/;

/**
 * Whether `name` is an npm package name safe to put on npm's command line.
 *
 * @example
 * ```ts
 * isNpmPackageName("@twg/cli"); // true
 * isNpmPackageName("-ddd"); // false
 * ```
 */
export function isNpmPackageName(name: string): boolean {
  return name.length <= 214 && NPM_PACKAGE_NAME.test(name);
}

/**
 * Checks the parsed JSON of a manifest; throws an `Error` naming the first
 * field that is wrong.
 *
 * @example
 * ```ts
 * parseManifest({ version: "1.4.0", npm: "@twg/cli", artifacts: {} }).version; // "1.4.0"
 * ```
 */
export function parseManifest(value: unknown): ReleaseManifest {
  const manifest = parseRelease(value, "the manifest");
  const record = asRecord(value, "the manifest");
  if (record.channels == null) return manifest;
  const channels: Record<string, ReleaseManifest> = {};
  for (const [name, entry] of Object.entries(asRecord(record.channels, '"channels"'))) {
    if (!/^[a-z][a-z0-9-]{0,31}$/.test(name)) {
      throw new Error(`"channels" has a name that is not a channel: ${JSON.stringify(name)}`);
    }
    channels[name] = parseRelease(entry, `"channels.${name}"`);
  }
  return { ...manifest, channels };
}

function parseRelease(value: unknown, what: string): ReleaseManifest {
  const record = asRecord(value, what);
  const version = record.version;
  if (typeof version !== "string" || !isSemVer(version)) {
    throw new Error(`"version" is not a semantic version: ${JSON.stringify(version)}`);
  }
  const npm = optionalString(record, "npm");
  if (npm !== null && !isNpmPackageName(npm)) {
    throw new Error(`"npm" is not an npm package name: ${JSON.stringify(npm)}`);
  }
  const artifacts: Record<string, ReleaseArtifact> = {};
  const listed = record.artifacts == null ? {} : asRecord(record.artifacts, '"artifacts"');
  for (const [key, entry] of Object.entries(listed)) {
    const artifact = asRecord(entry, `"artifacts.${key}"`);
    const url = artifact.url;
    const sha256 = artifact.sha256;
    if (typeof url !== "string" || !/^[!-~]+$/.test(url) || !URL.canParse(url)) {
      throw new Error(`"artifacts.${key}.url" is not a URL`);
    }
    if (!isSecureUrl(url)) {
      throw new Error(`"artifacts.${key}.url" is neither https nor http to a loopback host`);
    }
    if (typeof sha256 !== "string" || !/^[0-9a-fA-F]{64}$/.test(sha256)) {
      throw new Error(`"artifacts.${key}.sha256" is not a hex SHA-256`);
    }
    artifacts[key] = { url, sha256: sha256.toLowerCase() };
  }
  return {
    version,
    released: optionalString(record, "released"),
    notes: optionalString(record, "notes"),
    npm,
    artifacts,
  };
}

/** The configured manifest URL (`TWG_UPDATE_MANIFEST_URL` or `updateManifestUrl`), or `null`. */
export async function manifestUrlFor(env: Env, paths: ConfigPaths): Promise<string | null> {
  return (await loadSettings(env, paths.configJson)).manifestUrl;
}

/**
 * Downloads and validates the manifest at `url` (https, or http to a loopback
 * host; at most 1 MiB; no redirects). Anything but a valid manifest is a
 * {@link NetworkError} (exit 5).
 */
export async function fetchManifest(
  env: Env,
  url: string,
  options: { signal?: AbortSignal } = {},
): Promise<ReleaseManifest> {
  assertSecureUrl(url, "update manifest URL");
  const response = await requestJson(
    env,
    url,
    options.signal ? { signal: options.signal } : {},
  );
  const host = new URL(url).host;
  if (!response.ok) {
    throw new NetworkError(
      `Cannot read the release manifest from ${host}: HTTP ${response.status}`,
    );
  }
  try {
    return parseManifest(response.json);
  } catch (error) {
    throw new NetworkError(
      `The release manifest from ${host} is not valid: ${(error as Error).message}`,
      error,
    );
  }
}

/**
 * The manifest key of the binary for this platform: `<os>-<arch>`, with
 * Node's architecture names (`x64`, `arm64`).
 *
 * @example
 * ```ts
 * artifactKey("darwin", "arm64"); // "darwin-arm64"
 * ```
 */
export function artifactKey(os: OsName, arch: string): string {
  return `${os}-${arch}`;
}

function isSecureUrl(url: string): boolean {
  const parsed = new URL(url);
  return parsed.protocol === "https:" ||
    (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname));
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw new Error(`${what} is not a JSON object`);
}

function optionalString(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  if (value == null) return null;
  if (typeof value === "string") return value;
  throw new Error(`"${key}" is not a string`);
}
