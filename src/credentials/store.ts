/**
 * The file credential store: `auth.conf`, 0600 in a 0700 directory, every
 * write atomic, and a file that cannot be trusted refused without touching it.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { permissionDenialOf } from "../env_deno.ts";
import { parentDir } from "../lean_path.ts";
import { TwgError } from "../errors.ts";
import { displayPath } from "../ui/style.ts";
import { assertOwnedByUser } from "../safe_files/ownership.ts";
import { writeFileAtomic } from "../safe_files/atomic_write.ts";
import { ensureConfigDir } from "../safe_files/config_dir.ts";

// Where they were before the safety layer had its own folder.
export { configDirMode, ensureConfigDir } from "../safe_files/config_dir.ts";
import type { Credentials, OAuthTokens, Site, User } from "./auth_conf.ts";

/** Mode of `auth.conf`. */
export const authConfMode = 0o600;

/** `auth.conf` exists but cannot be trusted (exit 1, message names the fix). */
export class UntrustedStoreError extends TwgError {
  override name = "UntrustedStoreError";
  static override defaultCode = "credentials-untrusted";
}

/**
 * Reads `auth.conf`: `null` when there is none; an {@link UntrustedStoreError}
 * when it is unparseable, of the wrong shape, a symlink, not a regular file,
 * or readable by group or others. Never follows, rewrites or deletes it.
 *
 * @example
 * ```ts
 * import { createProcessEnv, readCredentials } from "@twg/cli";
 *
 * const stored = await readCredentials(createProcessEnv(), "/nonexistent/twg/auth.conf");
 * if (stored !== null) throw new Error("no file, no credentials");
 * ```
 */
export async function readCredentials(env: Env, path: string): Promise<Credentials | null> {
  const shown = displayPath(path, env.homeDir);
  const forceHint =
    'Run "twg login --force" to sign in again (the file is moved aside, not deleted)';
  // Whoever can write the directory can swap the file: judge it first.
  await assertOwnedByUser(env, parentDir(path), "directory");
  let info;
  try {
    info = await env.fs.lstat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    // A runtime permission twg lacks says nothing about the file: main names the flag.
    if (permissionDenialOf(error)) throw error;
    throw new UntrustedStoreError(`Cannot read "${shown}": ${(error as Error).message}`);
  }
  if (info.isSymbolicLink()) {
    throw new UntrustedStoreError(`Refusing to use "${shown}": it is a symbolic link`, {
      hint: forceHint,
    });
  }
  if (!info.isFile()) {
    throw new UntrustedStoreError(`Refusing to use "${shown}": it is not a regular file`, {
      hint: forceHint,
    });
  }
  if (env.os !== "windows" && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(3, "0");
    throw new UntrustedStoreError(
      `Refusing to use "${shown}": it is readable by other users (mode ${mode})`,
      { hint: `Run "chmod 600 ${path}" if only you had access, otherwise "twg login --force"` },
    );
  }
  let text: string;
  try {
    text = await env.fs.readFile(path, "utf8");
  } catch (error) {
    throw new UntrustedStoreError(`Cannot read "${shown}": ${(error as Error).message}`);
  }
  try {
    return parseCredentials(JSON.parse(text));
  } catch (error) {
    throw new UntrustedStoreError(`Cannot read "${shown}": ${(error as Error).message}`, {
      hint: forceHint,
    });
  }
}

/**
 * Saves credentials atomically with mode 0600, creating the 0700 directory if
 * needed, outside any lock: a starting state for tests and fixtures. Product
 * code changes `auth.conf` only through the door, `sign_in_door.ts` (a test
 * checks it).
 */
export async function saveCredentials(
  env: Env,
  path: string,
  credentials: Credentials,
): Promise<void> {
  await ensureConfigDir(env, parentDir(path));
  await writeFileAtomic(env, path, serializeCredentials(credentials), authConfMode);
}

/** The exact bytes saved for `credentials`. */
export function serializeCredentials(credentials: Credentials): string {
  return JSON.stringify(credentials, null, 2) + "\n";
}

/**
 * The credentials in an `auth.conf` that others could read (a regular file,
 * group or other bits set) and that still parses: tokens that may have been
 * read by someone else, for `login --force` to revoke. Null otherwise.
 */
export async function exposedCredentials(env: Env, path: string): Promise<Credentials | null> {
  try {
    const info = await env.fs.lstat(path);
    if (env.os === "windows" || !info.isFile() || (info.mode & 0o077) === 0) return null;
    return parseCredentials(JSON.parse(await env.fs.readFile(path, "utf8")));
  } catch {
    return null;
  }
}

function parseCredentials(value: unknown): Credentials {
  const record = asRecord(value, "the file");
  if (record.version !== 1) {
    throw new Error(`unsupported version ${JSON.stringify(record.version)}`);
  }
  return {
    version: 1,
    oauth: record.oauth == null ? null : parseTokens(asRecord(record.oauth, "oauth")),
    user: record.user == null ? null : parseUser(asRecord(record.user, "user")),
    site: record.site == null ? null : parseSite(asRecord(record.site, "site")),
    // Absent in files written before twg stored the list.
    sites: record.sites == null ? null : parseSites(record.sites),
    bitbucketToken: optionalString(record, "bitbucketToken"),
    ...(Array.isArray(record.origins) &&
        record.origins.every((origin) => typeof origin === "string")
      ? { origins: record.origins as string[] }
      : {}),
  };
}

function parseTokens(record: Record<string, unknown>): OAuthTokens {
  const expiresIn = record.expiresIn;
  if (typeof expiresIn !== "number" || !Number.isFinite(expiresIn) || expiresIn < 0) {
    throw new Error("oauth.expiresIn is not a number of seconds");
  }
  const obtainedAt = requiredString(record, "obtainedAt", "oauth");
  // A token stored by `login --with-token` has no client or token endpoint.
  const isGiven = record.method === "token";
  const endpointString = (key: string) =>
    isGiven ? optionalString(record, key) ?? "" : requiredString(record, key, "oauth");
  if (Number.isNaN(Date.parse(obtainedAt))) throw new Error("oauth.obtainedAt is not a date");
  return {
    accessToken: requiredString(record, "accessToken", "oauth"),
    refreshToken: optionalString(record, "refreshToken"),
    tokenType: requiredString(record, "tokenType", "oauth"),
    scope: optionalString(record, "scope"),
    obtainedAt,
    expiresIn,
    issuer: requiredString(record, "issuer", "oauth"),
    clientId: endpointString("clientId"),
    tokenEndpoint: endpointString("tokenEndpoint"),
    revocationEndpoint: optionalString(record, "revocationEndpoint"),
    rejectedAt: optionalString(record, "rejectedAt"),
    consentExpiresAt: optionalString(record, "consentExpiresAt"),
    ...(isGiven ? { method: "token" as const } : {}),
  };
}

function parseUser(record: Record<string, unknown>): User {
  return {
    id: requiredString(record, "id", "user"),
    name: optionalString(record, "name"),
    email: optionalString(record, "email"),
  };
}

function parseSite(record: Record<string, unknown>): Site {
  return {
    id: requiredString(record, "id", "site"),
    url: requiredString(record, "url", "site"),
    name: requiredString(record, "name", "site"),
  };
}

function parseSites(value: unknown): Site[] {
  if (!Array.isArray(value)) throw new Error("sites is not a JSON array");
  return value.map((entry) => parseSite(asRecord(entry, "sites[]")));
}

function asRecord(value: unknown, what: string): Record<string, unknown> {
  if (value && typeof value === "object" && !Array.isArray(value)) {
    return value as Record<string, unknown>;
  }
  throw new Error(`${what} is not a JSON object`);
}

function requiredString(record: Record<string, unknown>, key: string, where: string): string {
  const value = record[key];
  if (typeof value === "string" && value !== "") return value;
  throw new Error(`${where}.${key} is missing`);
}

function optionalString(record: Record<string, unknown>, key: string): string | null {
  const value = record[key];
  if (value == null) return null;
  if (typeof value === "string") return value;
  throw new Error(`${key} is not a string`);
}
