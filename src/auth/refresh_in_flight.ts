/**
 * The "request in flight" record: written durably, under the lock, before a
 * refresh token is sent, and removed once the answer is saved (or proven
 * never to have rotated anything). A record still present on the next run
 * means an answer was lost — the refresh child was killed (a cgroup kill at
 * logout, a container stopped) or the machine died between sending and
 * saving — and the server may have rotated the token already.
 *
 * Such a token is sent again only while the issuer's reuse leeway is known
 * and still open, counted from the first send: within it the issuer accepts
 * the old token once more; after it, reuse revokes every refresh token of
 * the family, so twg sends nothing and asks for a new sign-in (exit 77).
 *
 * The record holds a digest of the stored refresh token, never the token.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { AuthExpiredError, NetworkError } from "../errors.ts";
import { writeFileAtomic } from "../safe_files/atomic_write.ts";
import type { OAuthTokens } from "../credentials/auth_conf.ts";

/** The record's name: the store's own name with this suffix (`auth.conf.inflight`). */
export const inFlightSuffix = ".inflight";

/** What the record says: which stored token was sent, and when it was first sent. */
export interface InFlightRecord {
  version: 1;
  /** SHA-256 (hex) of the stored `refreshToken` field (a keyring reference or the token). */
  tokenDigest: string;
  /** When the token was first sent (ISO 8601). A retry never moves it. */
  sentAt: string;
  issuer: string;
  /**
   * Set when the server rejected this token: the rejection is kept here,
   * beside `auth.conf`, never written into it, so that a newer credential
   * saved meanwhile by another program (which does not take twg's lock)
   * can never be overwritten by the rejected one.
   */
  rejectedAt?: string;
}

/**
 * Reuse leeways of known issuers, in seconds. Atlassian: "Reuse of old
 * tokens outside the leeway interval invalidates all refresh tokens, and
 * requires the user to re-consent. The leeway interval is 10 minutes"
 * (https://community.developer.atlassian.com/t/updated-31-january-2022-action-required-deprecating-persistent-refresh-tokens/54172).
 */
const knownLeewaySeconds: Record<string, number> = {
  "https://auth.atlassian.com": 600,
};

/**
 * The issuer's reuse leeway in milliseconds, or null when unknown:
 * `TWG_REFRESH_REUSE_LEEWAY_SECONDS` (for another issuer, or the
 * development server) wins over the table of known issuers.
 */
export function reuseLeewayMs(env: Pick<Env, "getVar">, issuer: string): number | null {
  const configured = env.getVar("TWG_REFRESH_REUSE_LEEWAY_SECONDS");
  if (configured !== undefined && configured !== "") {
    const seconds = Number(configured);
    return Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : null;
  }
  const seconds = knownLeewaySeconds[issuer.replace(/\/+$/, "")];
  return seconds === undefined ? null : seconds * 1000;
}

/**
 * How long after the first send a retry may still go out: the leeway less a
 * safety margin (a fifth of it, at most 2 minutes, at least 1 s) for the
 * retry's own travel time and a wall clock that drifts. Atlassian: 8 minutes.
 * The server counts its leeway from the rotation, which comes after our
 * `sentAt`, so the margin only ever errs towards not retrying.
 */
export function retryWindowMs(leewayMs: number): number {
  const margin = Math.min(120_000, Math.max(1000, leewayMs / 5));
  return Math.max(0, leewayMs - margin);
}

function recordPath(paths: ConfigPaths): string {
  return `${paths.authConf}${inFlightSuffix}`;
}

async function digestOf(refreshToken: string): Promise<string> {
  const bytes = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(refreshToken));
  return Array.from(new Uint8Array(bytes), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The record, or null when there is none (or it cannot be read as one). */
export async function readInFlight(env: Env, paths: ConfigPaths): Promise<InFlightRecord | null> {
  const text = await env.fs.readFile(recordPath(paths), "utf8").catch(() => null);
  if (text === null) return null;
  try {
    const value = JSON.parse(text) as Partial<InFlightRecord>;
    if (
      value?.version === 1 && typeof value.tokenDigest === "string" &&
      typeof value.sentAt === "string" && typeof value.issuer === "string"
    ) return value as InFlightRecord;
  } catch {
    // Torn or foreign: treated as absent, and replaced by the next send.
  }
  return null;
}

/** What {@link beginInFlight} decided. */
export interface InFlight {
  /** Removes the record: the answer is saved, or nothing was rotated. */
  clear(): Promise<void>;
}

/**
 * Called under the lock just before `tokens.refreshToken` is sent. Records
 * the send durably (file, flush, rename, directory flush) unless a record
 * of this very token is there already — an answer that was lost — in which
 * case the send is a retry, allowed only inside the issuer's leeway;
 * outside it (or with no known leeway) throws {@link AuthExpiredError} and
 * nothing is sent. A record of another token is stale (its save happened)
 * and is replaced.
 */
export async function beginInFlight(
  env: Env,
  paths: ConfigPaths,
  tokens: OAuthTokens,
): Promise<InFlight> {
  const path = recordPath(paths);
  const tokenDigest = await digestOf(tokens.refreshToken ?? "");
  const clear = () => env.fs.rm(path, { force: true }).catch(() => {});
  const existing = await readInFlight(env, paths);
  if (existing?.rejectedAt && existing.tokenDigest === tokenDigest) {
    throw new AuthExpiredError(`The server rejected the stored sign-in at ${existing.rejectedAt}`);
  }
  if (existing && existing.tokenDigest === tokenDigest) {
    const leewayMs = reuseLeewayMs(env, tokens.issuer);
    const sentAt = Date.parse(existing.sentAt);
    const elapsedMs = env.now() - sentAt;
    if (leewayMs !== null && elapsedMs >= 0 && elapsedMs < retryWindowMs(leewayMs)) {
      // The lost answer's token, sent again inside the leeway; the first
      // send time stays, so that retries never stretch the window.
      return { clear };
    }
    throw new AuthExpiredError(
      `The answer to the refresh sent at ${existing.sentAt} was lost, and ` +
        (leewayMs === null
          ? "this issuer's reuse leeway is unknown"
          : `the issuer's reuse leeway (${Math.round(leewayMs / 1000)} s) has passed`) +
        "; sending that refresh token again would revoke the sign-in, so nothing was sent",
      'Sign in again: run "twg login"',
    );
  }
  const record: InFlightRecord = {
    version: 1,
    tokenDigest,
    sentAt: new Date(env.now()).toISOString(),
    issuer: tokens.issuer,
  };
  try {
    await writeFileAtomic(env, path, JSON.stringify(record) + "\n", 0o600);
  } catch (error) {
    // Renamed into place but not flushed (the directory's fsync failed):
    // nothing will be sent, so the record must not outlive this run.
    await clear();
    throw error;
  }
  return { clear };
}

/**
 * Whether a failed refresh proves that the server rotated nothing, so the
 * record can go: an HTTP error answer (5xx, 429, a refused client), or a
 * connection that was never made. A time-out, a broken connection or a 200
 * whose body is unusable may have come with a rotation: the record stays.
 */
export function provesNothingRotated(error: unknown): boolean {
  if (!(error instanceof NetworkError)) return false;
  return /answered HTTP (5\d\d|429)|refused the refresh|ECONNREFUSED|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|Connection refused|Network is unreachable|No route to host|dns error|failed to lookup/i
    .test(error.message);
}

/**
 * Records that the server rejected `tokens.refreshToken` (replacing the
 * in-flight record): `auth.conf` itself is left as it is.
 */
export async function recordRejection(
  env: Env,
  paths: ConfigPaths,
  tokens: OAuthTokens,
): Promise<string> {
  const rejectedAt = new Date(env.now()).toISOString();
  const record: InFlightRecord = {
    version: 1,
    tokenDigest: await digestOf(tokens.refreshToken ?? ""),
    sentAt: rejectedAt,
    issuer: tokens.issuer,
    rejectedAt,
  };
  await writeFileAtomic(env, recordPath(paths), JSON.stringify(record) + "\n", 0o600);
  return rejectedAt;
}

/**
 * `tokens` with `rejectedAt` filled in when the record says the server
 * rejected this very refresh token; unchanged otherwise (another token was
 * saved since, or there is no record).
 */
export async function withRecordedRejection<T extends OAuthTokens | null | undefined>(
  env: Env,
  paths: ConfigPaths,
  tokens: T,
): Promise<T> {
  if (!tokens || tokens.rejectedAt || !tokens.refreshToken) return tokens;
  const record = await readInFlight(env, paths);
  if (!record?.rejectedAt) return tokens;
  if (record.tokenDigest !== await digestOf(tokens.refreshToken ?? "")) return tokens;
  return { ...tokens, rejectedAt: record.rejectedAt };
}

/** `credentials` with {@link withRecordedRejection} applied to its tokens. */
export async function withRecordedRejectionIn<T extends { oauth: OAuthTokens | null }>(
  env: Env,
  paths: ConfigPaths,
  credentials: T | null,
): Promise<T | null> {
  if (!credentials?.oauth) return credentials;
  return { ...credentials, oauth: await withRecordedRejection(env, paths, credentials.oauth) };
}
