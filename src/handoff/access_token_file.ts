/**
 * The access-token file, `<data dir>/access-tokens/<profile>.json` (one per
 * profile, in a directory of its own outside the config directory, so that a
 * sandbox can be given this directory and denied the config directory): what host-side
 * twg (a foreground command outside any sandbox, the upkeep job, the keeper
 * `twg auth serve`) leaves for a sandbox that may read but not write, or
 * that sees only this one file (a container that mounts it). It holds the
 * current access token, its expiry and its site — never the refresh token —
 * so that hiding `auth.conf` from a sandbox costs it nothing while the host
 * keeps the token fresh.
 *
 * Written atomically (temporary file, flush, rename), mode 0600, only by a
 * process that could also save `auth.conf`; a newer token is never replaced
 * by an older one.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import { expiresAtMs, type OAuthTokens, type Site } from "../credentials/auth_conf.ts";
import { writeFileAtomic } from "../safe_files/atomic_write.ts";
import { ensureConfigDir } from "../safe_files/config_dir.ts";
import { parentDir } from "../lean_path.ts";
import type { Env } from "../env.ts";

/** The content of the access-token file (the contract's agreed fields). */
export interface AccessTokenDocument {
  version: 1;
  token: string;
  /** RFC 3339, UTC. */
  expiresAt: string;
  tokenType: string;
  /** The site's URL, or null when no site is selected. */
  site: string | null;
  /** The site's id (Atlassian's cloud id), or null. */
  cloudId: string | null;
  issuer: string;
}

/** The file's mode: only the user may read it (an access token is a credential). */
export const accessTokenFileMode = 0o600;

/** The document for `tokens` and `site`; never carries the refresh token. */
export function accessTokenDocument(tokens: OAuthTokens, site: Site | null): AccessTokenDocument {
  return {
    version: 1,
    token: tokens.accessToken,
    expiresAt: new Date(expiresAtMs(tokens)).toISOString(),
    tokenType: tokens.tokenType,
    site: site?.url ?? null,
    cloudId: site?.id ?? null,
    issuer: tokens.issuer,
  };
}

/**
 * Writes the file for `tokens` unless it already holds a token that lives
 * as long or longer (two host-side writers racing leave the newer token).
 * Returns whether it wrote. Tokens of unknown lifetime (`login
 * --with-token` with an opaque token) are not written: a reader could not
 * tell when to stop using them.
 */
export async function keepAccessTokenFile(
  env: Env,
  paths: ConfigPaths,
  tokens: OAuthTokens,
  site: Site | null,
): Promise<boolean> {
  if (!(tokens.expiresIn > 0)) return false;
  const document = accessTokenDocument(tokens, site);
  const current = await readAccessTokenFile(env, paths).catch(() => null);
  if (
    current && current.token === document.token && current.site === document.site &&
    current.cloudId === document.cloudId
  ) return false;
  if (
    current && current.token !== document.token &&
    Date.parse(current.expiresAt) > Date.parse(document.expiresAt)
  ) {
    return false;
  }
  await ensureConfigDir(env, parentDir(paths.accessTokenFile));
  await writeFileAtomic(
    env,
    paths.accessTokenFile,
    JSON.stringify(document, null, 2) + "\n",
    accessTokenFileMode,
  );
  return true;
}

/**
 * Like {@link keepAccessTokenFile}, but a failure only costs the sandboxes
 * their copy: the sign-in itself was saved, and the next host-side run
 * writes the file again.
 */
export async function keepAccessTokenFileQuietly(
  env: Env,
  paths: ConfigPaths,
  tokens: OAuthTokens,
  site: Site | null,
): Promise<void> {
  try {
    await keepAccessTokenFile(env, paths, tokens, site);
  } catch {
    // Nothing to say on a host whose config dir is writable for auth.conf
    // but not for this file; upkeep status and doctor report the file.
  }
}

/**
 * The file's document, or null when there is none. A symbolic link, a
 * non-regular file or a malformed document is refused (an error), never
 * followed: whoever planted it must not choose the token twg hands out.
 */
export async function readAccessTokenFile(
  env: Env,
  paths: ConfigPaths,
): Promise<AccessTokenDocument | null> {
  let info;
  try {
    info = await env.fs.lstat(paths.accessTokenFile);
  } catch (error) {
    if ((error as { code?: string }).code === "ENOENT") return null;
    throw error;
  }
  if (info.isSymbolicLink() || !info.isFile()) {
    throw new Error(`"${paths.accessTokenFile}" is not a regular file`);
  }
  if (info.size > 64 * 1024) throw new Error(`"${paths.accessTokenFile}" is too large`);
  return parseAccessTokenDocument(JSON.parse(await env.fs.readFile(paths.accessTokenFile, "utf8")));
}

/** Checks the shape of a document (the file's or the broker's answer). */
export function parseAccessTokenDocument(value: unknown): AccessTokenDocument {
  const record = value as Record<string, unknown> | null;
  const isString = (key: string) => typeof record?.[key] === "string";
  const isNullableString = (key: string) => record?.[key] === null || isString(key);
  if (
    typeof record !== "object" || record === null || !isString("token") ||
    !isString("expiresAt") || Number.isNaN(Date.parse(String(record.expiresAt))) ||
    !isString("tokenType") || !isNullableString("site") || !isNullableString("cloudId") ||
    !isString("issuer") || /\s/.test(String(record.token)) || String(record.token) === ""
  ) {
    throw new Error("The access-token document has the wrong shape");
  }
  return {
    version: 1,
    token: String(record.token),
    expiresAt: String(record.expiresAt),
    tokenType: String(record.tokenType),
    site: record.site as string | null,
    cloudId: record.cloudId as string | null,
    issuer: String(record.issuer),
  };
}

/** Removes the file (logout): an access token must not outlive its sign-in on disk. */
export async function removeAccessTokenFile(env: Env, paths: ConfigPaths): Promise<void> {
  await env.fs.rm(paths.accessTokenFile, { force: true });
}
