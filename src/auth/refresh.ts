/**
 * The refresh path, the heart of twg: never spend a refresh token whose
 * replacement cannot be saved.
 *
 * 1. Read the credentials; rotate only when due (75% of the lifetime) or forced.
 * 2. Prove the store can be replaced atomically (permissions and a real probe).
 * 3. Hand the rest to a detached child (`refresh_child.ts`) that outlives a
 *    kill of this process and its group, and wait for its answer.
 * 4. Take the cross-process lock; adopt a save a killed or failed run left
 *    behind; re-read: another process may have rotated.
 * 5. Reserve the temporary file (every byte and descriptor the save needs),
 *    then ask the token endpoint.
 * 6. Overwrite in place, flush, rename over `auth.conf`, flush the directory;
 *    release the lock.
 *
 * The fault model behind each step is in docs/fault-model.md.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { AuthExpiredError, AuthRequiredError, NetworkError, TwgError } from "../errors.ts";
import {
  orphanedTempFiles,
  prepareReservedWrite,
  removeOrphanedTempFiles,
  type ReservedWrite,
  syncDirectory,
} from "../credentials/atomic_write.ts";
import {
  type Credentials,
  expiresAtMs,
  isExpired,
  isRefreshDue,
  type OAuthTokens,
  refreshDueAtMs,
} from "../credentials/auth_conf.ts";
import { acquireLock, type Lock, takeOverHeldLock } from "../credentials/lock.ts";
import { assertStoreWritable, StoreNotWritableError } from "../credentials/preflight.ts";
import { backendOf, readKeyOrFail, refreshTokenToSend } from "../credentials/keyring.ts";
import { authConfMode, readCredentials, serializeCredentials } from "../credentials/store.ts";
import { oauthErrorOf, requestJson, ResponseTooLargeError } from "../oauth/http.ts";
import { explainOAuthError } from "../oauth/oauth_error_text.ts";
import { formatTime } from "../ui/time.ts";
import { parseTokenResponse, type TokenResponse } from "../oauth/token_response.ts";
import { refreshInChild, type RefreshReason } from "./refresh_child.ts";
import {
  beginInFlight,
  type InFlight,
  provesNothingRotated,
  withRecordedRejection,
} from "./refresh_in_flight.ts";
import { settleRejection } from "./refresh_rejection.ts";
import { assertConsentValid } from "./consent_expiry.ts";

export type { RefreshReason };

/** Stored credentials that hold OAuth tokens. */
export interface SignedIn {
  credentials: Credentials;
  tokens: OAuthTokens;
}

/** The outcome of {@link refreshIfDue}. */
export interface RefreshResult extends SignedIn {
  refreshed: boolean;
  reason: RefreshReason;
}

/** Options for {@link refreshIfDue}. */
export interface RefreshOptions {
  force?: boolean;
  /** Aborts waiting for the lock and between retries, never a request already sent. */
  signal?: AbortSignal;
  /** Refresh when the due time is at most this far ahead (upkeep: 15 minutes). */
  dueWithinMs?: number;
  /** Receives the time from the token response to the completed rename (ms). */
  onSaveWindow?: (ms: number) => void;
  /** Runs the exchange in this process, not in a detached child (upkeep, benchmarks). */
  inProcess?: boolean;
  /** The refresh child: the lock held by its parent, to take over instead of waiting. */
  lockNonce?: string;
}

const maxAttempts = 3;

/** Reads the stored OAuth credentials or explains why there are none usable. */
export async function readSignedIn(
  env: Env,
  paths: ConfigPaths,
): Promise<SignedIn> {
  const credentials = await readCredentials(env, paths.authConf);
  const tokens = credentials?.oauth;
  if (!credentials || !tokens) throw new AuthRequiredError("You are not logged in");
  const rejectedAt = (await withRecordedRejection(env, paths, tokens)).rejectedAt;
  if (rejectedAt) {
    throw new AuthExpiredError(
      `The server rejected the stored sign-in at ${formatTime(rejectedAt, env.now())}`,
    );
  }
  // Past the issuer's absolute expiry nothing is sent: the person must consent again.
  assertConsentValid(tokens, env.now());
  return { credentials, tokens };
}

/**
 * Returns usable credentials, rotating the refresh token first when a refresh
 * is due (or forced). Throws `StoreNotWritableError` (exit 4) before any
 * request when the result could not be saved.
 *
 * @example
 * ```ts ignore
 * import { configPaths, createProcessEnv, refreshIfDue, StoreNotWritableError } from "@twg/cli";
 *
 * const env = createProcessEnv();
 * try {
 *   const { tokens } = await refreshIfDue(env, configPaths(env));
 *   await fetch("https://api.example.com/me", {
 *     headers: { authorization: `Bearer ${tokens.accessToken}` },
 *   });
 * } catch (error) {
 *   if (!(error instanceof StoreNotWritableError)) throw error;
 *   // A sandbox that cannot write the config dir: nothing was sent.
 * }
 * ```
 */
export async function refreshIfDue(
  env: Env,
  paths: ConfigPaths,
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  const force = options.force ?? false;
  const initial = await readSignedIn(env, paths);
  if (initial.tokens.method === "token") return givenTokenAsIs(env, initial, force);
  const isDue = (tokens: OAuthTokens) =>
    isRefreshDue(tokens, env.now() + (options.dueWithinMs ?? 0));
  if (!force && !isDue(initial.tokens)) {
    return { ...initial, refreshed: false, reason: "fresh" };
  }
  await assertStoreWritable(env, paths.dir, paths.authConf);
  // The keyring backend: the addon, the service and the key, proven before a child starts.
  if (backendOf(initial.tokens.refreshToken) === "keyring") {
    await readKeyOrFail(env, paths.dir);
  }
  if (!options.inProcess && env.getVar("TWG_TEST_REFRESH_IN_PROCESS") !== "1") {
    const outcome = await handOff(env, paths, initial.tokens, force, isDue, options);
    if (outcome) return { ...(await readSignedIn(env, paths)), ...outcome };
  }
  return await refreshTransaction(env, paths, options);
}

/**
 * Takes the lock here (waiters wait in their own process and start no child
 * when the holder's refresh makes theirs unneeded), re-reads, and hands the
 * lock and the rest of the transaction to a detached child. Null when no
 * child can be started: the lock is released and the caller goes on
 * in-process.
 */
async function handOff(
  env: Env,
  paths: ConfigPaths,
  tokens: OAuthTokens,
  force: boolean,
  isDue: (tokens: OAuthTokens) => boolean,
  options: RefreshOptions,
): Promise<RefreshResult | null> {
  const self = await env.selfCommand?.({
    dir: paths.dir,
    tokenHost: new URL(tokens.tokenEndpoint).host,
  });
  if (!self) return null;
  const ownerUid = (await env.fs.lstat(paths.authConf).catch(() => null))?.uid;
  const lock = await acquireLock(env, paths.lock, {
    ...lockOptions(env, options.signal),
    ...(ownerUid === undefined ? {} : { ownerUid }),
  });
  try {
    // Another process may have rotated while we waited for the lock.
    const current = await readSignedIn(env, paths);
    if (!force && !isDue(current.tokens)) return { ...current, refreshed: false, reason: "fresh" };
    const outcome = await refreshInChild(env, paths, self, {
      force,
      dueWithinMs: options.dueWithinMs ?? 0,
      lockNonce: lock.nonce,
    });
    if (outcome) return { ...(await readSignedIn(env, paths)), ...outcome };
  } finally {
    // Once the child took the lock over, the file names it, and this removes nothing.
    await lock.release();
  }
  return null;
}

/**
 * Steps 4 to 6 in this process: what the refresh child runs, and the
 * fallback where no child can be started.
 */
export async function refreshTransaction(
  env: Env,
  paths: ConfigPaths,
  options: RefreshOptions = {},
): Promise<RefreshResult> {
  const force = options.force ?? false;
  const isDue = (tokens: OAuthTokens) =>
    isRefreshDue(tokens, env.now() + (options.dueWithinMs ?? 0));
  for (let attempt = 1;; attempt++) {
    try {
      // The parent's lock is taken over once; a retry (lost lock) waits like anyone.
      const { lockNonce: _inherited, ...retry } = options;
      return await refreshUnderLock(
        env,
        paths,
        force ? null : isDue,
        attempt === 1 ? options : retry,
      );
    } catch (error) {
      // Paused past the stale limit, we lost the lock before sending anything;
      // the peer that took over has probably rotated, so start again from the
      // re-read, which will adopt its tokens.
      if (!(error instanceof LockLostError) || attempt === maxAttempts) throw error;
    }
  }
}

/**
 * A token stored by `login --with-token` has no refresh token: it is used
 * until it expires (when that is known), and nothing is ever sent.
 */
function givenTokenAsIs(env: Env, signedIn: SignedIn, force: boolean): RefreshResult {
  const hint = 'Run "twg login" to sign in with a refresh token';
  if (force) {
    throw new AuthRequiredError(
      'The stored token was given with "twg login --with-token" and cannot be refreshed',
      hint,
    );
  }
  const { tokens } = signedIn;
  if (tokens.expiresIn > 0 && isExpired(tokens, env.now())) {
    throw new AuthExpiredError(
      `The token given with "twg login --with-token" expired at ${
        new Date(expiresAtMs(tokens)).toISOString()
      }`,
      hint,
    );
  }
  return { ...signedIn, refreshed: false, reason: "fresh" };
}

/** `isDue` is null when forced. */
async function refreshUnderLock(
  env: Env,
  paths: ConfigPaths,
  isDue: ((tokens: OAuthTokens) => boolean) | null,
  options: RefreshOptions,
): Promise<RefreshResult> {
  // Files twg wrote belong to the user who owns auth.conf; anything else in
  // the directory (a planted lock, another user's file) is not ours.
  const ownerUid = (await env.fs.lstat(paths.authConf).catch(() => null))?.uid;
  const lockOptionsHere = {
    ...lockOptions(env, options.signal),
    ...(ownerUid === undefined ? {} : { ownerUid }),
  };
  const inherited = options.lockNonce
    ? await takeOverHeldLock(env, paths.lock, options.lockNonce, lockOptionsHere)
    : null;
  const lock = inherited ?? await acquireLock(env, paths.lock, lockOptionsHere);
  try {
    await adoptPendingSave(env, paths, ownerUid);
    await removeOrphanedTempFiles(env, paths.dir, ownerUid);
    await pauseForTests(env, options.signal);
    // Another process may have rotated while we waited for the lock.
    const current = await readSignedIn(env, paths);
    if (isDue && !isDue(current.tokens)) return { ...current, refreshed: false, reason: "fresh" };
    const tokens = await rotateUnderLock(env, paths, current.credentials, lock, options);
    return {
      credentials: { ...current.credentials, oauth: tokens },
      tokens,
      refreshed: true,
      reason: isDue ? "due" : "forced",
    };
  } finally {
    await lock.release();
  }
}

/** The lock was taken over by a peer while this process was paused. */
class LockLostError extends TwgError {
  override name = "LockLostError";
  static override defaultCode = "lock-lost";
}

/**
 * A fault-injection point for the lock-takeover tests: holds the lock for
 * `TWG_TEST_PAUSE_AFTER_LOCK_MS` so that a test can stop the process there.
 */
async function pauseForTests(env: Env, signal: AbortSignal | undefined): Promise<void> {
  const ms = Number(env.getVar("TWG_TEST_PAUSE_AFTER_LOCK_MS"));
  if (ms > 0) await env.sleep(ms, signal);
}

async function rotateUnderLock(
  env: Env,
  paths: ConfigPaths,
  credentials: Credentials,
  lock: Lock,
  options: RefreshOptions,
): Promise<OAuthTokens> {
  const tokens = credentials.oauth!;
  if (!tokens.refreshToken) {
    throw new AuthRequiredError(
      "The stored sign-in has no refresh token",
      'Sign in again: run "twg login"',
      "no-refresh-token",
    );
  }
  // The keyring's key read (and the stored token opened) before anything is sent.
  const toSend = await refreshTokenToSend(env, paths.dir, tokens.refreshToken);
  // Reserve before you spend: every byte and descriptor the save needs is
  // claimed before the token is sent, so that the window between the token
  // response and the rename is only overwrite + flush + rename, none of
  // which can run out of space, quota or descriptors.
  const prepared = await prepareReservedWrite(
    env,
    paths.authConf,
    authConfMode,
    reservationFor(serializeCredentials(credentials)),
  ).catch((error) => {
    throw new StoreNotWritableError(
      paths.dir,
      `no room for the new sign-in (${
        (error as NodeJS.ErrnoException).code ?? error
      }); nothing was sent`,
    );
  });
  try {
    // Durably "in flight" just before the first send (after the lock check):
    // a lost answer is retried only inside the issuer's reuse leeway
    // (refresh_in_flight.ts).
    let inFlight = null as InFlight | null;
    const recordSend = async () => {
      inFlight = await beginInFlight(env, paths, tokens).catch((error) => {
        if (error instanceof TwgError) throw error;
        throw new StoreNotWritableError(
          paths.dir,
          `cannot record the refresh before sending it (${
            (error as NodeJS.ErrnoException).code ?? error
          }); nothing was sent`,
        );
      });
    };
    const response = await requestRefresh(
      env,
      tokens,
      toSend.plain,
      lock,
      options.signal,
      recordSend,
    ).catch(async (error) => {
      if (provesNothingRotated(error)) await inFlight?.clear();
      throw error;
    });
    if (response.kind === "rejected") {
      // Adopts a newer save, or records the rejection (replacing the
      // in-flight record); never writes auth.conf.
      return await settleRejection(env, paths, credentials, response.detail);
    }
    const receivedAt = performance.now();
    const next = await toSend.sealNext(
      rotatedTokens(tokens, response.tokens, env.now()),
      response.tokens.refreshToken,
    );
    await commitOrKeep(paths, prepared, serializeCredentials({ ...credentials, oauth: next }));
    options.onSaveWindow?.(performance.now() - receivedAt);
    await inFlight?.clear();
    return next;
  } finally {
    await prepared.discard();
  }
}

/**
 * Bytes reserved for the new `auth.conf`: the old one twice over plus 64 KiB,
 * far more than new tokens add (a JWT access token is a few KiB).
 */
export function reservationFor(current: string): number {
  return 64 * 1024 + 2 * new TextEncoder().encode(current).length;
}

/**
 * The refreshed sign-in could not be renamed into place; it is kept in its
 * temporary file and adopted by the next run (exit 4, like a store that
 * cannot be written).
 */
export class SaveDeferredError extends StoreNotWritableError {
  override name = "SaveDeferredError";
}

async function commitOrKeep(
  paths: ConfigPaths,
  prepared: ReservedWrite,
  content: string,
): Promise<void> {
  try {
    await prepared.commit(content);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    if (prepared.keptPath) {
      throw new SaveDeferredError(
        paths.dir,
        `the refreshed sign-in could not be moved into place (${code}); it is kept in ` +
          `"${prepared.keptPath}" and the next twg command adopts it`,
      );
    }
    throw new StoreNotWritableError(
      paths.dir,
      `the refreshed sign-in could not be written (${code}); sign in again with "twg login"`,
    );
  }
}

/**
 * Adopts the newest complete save that a run killed or failed after its
 * rename left in a temporary file: only a file {@link orphanedTempFiles}
 * picks (twg's exact name, a dead writer, a regular file of this user),
 * which `readCredentials` accepts (mode, parse, shape), for the same issuer
 * and client, with another refresh token obtained later than the stored one.
 * Called under the lock, before the orphans are removed.
 */
async function adoptPendingSave(
  env: Env,
  paths: ConfigPaths,
  ownerUid: number | null | undefined,
): Promise<void> {
  const stored = (await readCredentials(env, paths.authConf).catch(() => null))?.oauth;
  if (!stored) return;
  let best: { path: string; obtainedAt: number } | null = null;
  const orphans = await orphanedTempFiles(env, paths.dir, ownerUid, { includeOwn: true })
    .catch(() => []);
  for (const orphan of orphans) {
    if (orphan.target !== "auth.conf" || orphan.size > 4 * 1024 * 1024) continue;
    const pending = (await readCredentials(env, orphan.path).catch(() => null))?.oauth;
    if (
      !pending?.refreshToken || pending.rejectedAt || pending.issuer !== stored.issuer ||
      pending.clientId !== stored.clientId || pending.refreshToken === stored.refreshToken
    ) continue;
    const obtainedAt = Date.parse(pending.obtainedAt);
    if (obtainedAt <= Date.parse(stored.obtainedAt)) continue;
    if (!best || obtainedAt > best.obtainedAt) best = { path: orphan.path, obtainedAt };
  }
  if (!best) return;
  // A failed adoption leaves the file for the next run.
  if (await env.fs.rename(best.path, paths.authConf).then(() => true, () => false)) {
    await syncDirectory(env, paths.dir).catch(() => {});
  }
}

/** The new tokens; a response without a refresh token keeps the old one (RFC 6749 §6). */
export function rotatedTokens(
  previous: OAuthTokens,
  response: TokenResponse,
  obtainedAt: number,
): OAuthTokens {
  return {
    ...previous,
    accessToken: response.accessToken,
    refreshToken: response.refreshToken ?? previous.refreshToken,
    tokenType: response.tokenType,
    scope: response.scope ?? previous.scope,
    obtainedAt: new Date(obtainedAt).toISOString(),
    expiresIn: response.expiresIn,
    rejectedAt: null,
  };
}

type RefreshAnswer = { kind: "ok"; tokens: TokenResponse } | { kind: "rejected"; detail: string };

async function requestRefresh(
  env: Env,
  tokens: OAuthTokens,
  refreshToken: string,
  lock: Lock,
  signal: AbortSignal | undefined,
  /** Runs once, after the lock check and before the first send. */
  beforeFirstSend: () => Promise<void>,
): Promise<RefreshAnswer> {
  const host = new URL(tokens.tokenEndpoint).host;
  let lastError: NetworkError | undefined;
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) await env.sleep(1000 * 2 ** (attempt - 2) * (1 + Math.random() / 2), signal);
    // A holder that was stopped past the stale limit has lost the lock to a
    // peer that may be rotating this very token: sending it would be reuse.
    if (!(await lock.isHeld())) {
      throw new LockLostError(
        "Another twg process took over the credentials while this one was paused",
        {
          hint: "Run the command again",
        },
      );
    }
    if (attempt === 1) await beforeFirstSend();
    let response;
    try {
      // Deliberately not abortable: once the refresh token is sent, the server
      // may already have rotated it, so an interrupt waits for the answer and
      // the save (a second Ctrl-C still ends the process at once).
      response = await requestJson(env, tokens.tokenEndpoint, {
        form: {
          grant_type: "refresh_token",
          refresh_token: refreshToken,
          client_id: tokens.clientId,
        },
      });
    } catch (error) {
      // A body over 1 MiB is a hostile answer, not a network blip: no retry.
      if (error instanceof NetworkError && !(error instanceof ResponseTooLargeError)) {
        lastError = error;
        continue;
      }
      throw error;
    }
    if (response.ok) return { kind: "ok", tokens: parseTokenResponse(response, host) };
    const oauthError = oauthErrorOf(response);
    const explained = explainOAuthError(oauthError, response.status, {
      request: "refresh",
      clientId: tokens.clientId,
    });
    if (isRejection(response.status, oauthError?.error)) {
      // Not the server's own wording ("grant request is invalid"): what it means.
      const detail = oauthError?.error === "invalid_grant"
        ? explained.meaning
        : oauthError?.description ?? oauthError?.error ?? `HTTP ${response.status}`;
      return { kind: "rejected", detail };
    }
    if (response.status >= 500 || response.status === 429) {
      lastError = new NetworkError(
        `The token endpoint at ${host} answered HTTP ${response.status}`,
      );
      continue;
    }
    // Exit 5 as every refused refresh (the contract), but with what to check
    // when the answer means a configuration mistake (wrong client id, scopes).
    throw new NetworkError(
      `The token endpoint at ${host} refused the refresh: ${explained.meaning}`,
      undefined,
      { code: explained.code, ...(explained.hint ? { hint: explained.hint } : {}) },
    );
  }
  throw new NetworkError(
    `${
      lastError?.message ?? "The refresh failed"
    } (after ${maxAttempts} attempts; credentials unchanged)`,
  );
}

/** Whether an error answer means "this refresh token is no longer valid". */
function isRejection(status: number, error: string | undefined): boolean {
  if (error === "invalid_grant" || error === "invalid_token") return true;
  // Some servers answer 401/404 with no OAuth error body for an unknown token.
  return (status === 401 || status === 404) && error === undefined;
}

function lockOptions(env: Env, signal: AbortSignal | undefined) {
  const number = (name: string) => {
    const value = Number(env.getVar(name));
    return Number.isFinite(value) && value > 0 ? value : undefined;
  };
  const timeoutMs = number("TWG_LOCK_TIMEOUT_MS");
  const staleMs = number("TWG_LOCK_STALE_MS");
  return {
    ...(timeoutMs === undefined ? {} : { timeoutMs }),
    ...(staleMs === undefined ? {} : { staleMs }),
    ...(signal ? { signal } : {}),
  };
}

/** Times for status output. */
export function tokenTimes(tokens: OAuthTokens): { expiresAt: string; refreshDueAt: string } {
  return {
    expiresAt: new Date(expiresAtMs(tokens)).toISOString(),
    refreshDueAt: new Date(refreshDueAtMs(tokens)).toISOString(),
  };
}
