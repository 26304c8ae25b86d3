/**
 * The refresh path, the heart of twg: never spend a refresh token whose
 * replacement cannot be saved.
 *
 * 1. Read the credentials; rotate only when due (75% of the lifetime) or forced.
 * 2. Prove the store can be replaced atomically (permissions and a real probe).
 * 3. Take the cross-process lock; re-read: another process may have rotated.
 * 4. Open the temporary file, then ask the token endpoint.
 * 5. Write, flush, rename over `auth.conf`, flush the directory; release the lock.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { AuthRequiredError, NetworkError, TwgError } from "../errors.ts";
import {
  type PreparedWrite,
  prepareWrite,
  removeOrphanedTempFiles,
} from "../credentials/atomic_write.ts";
import {
  type Credentials,
  expiresAtMs,
  isExpired,
  isRefreshDue,
  type OAuthTokens,
  refreshDueAtMs,
} from "../credentials/credentials.ts";
import { acquireLock, type Lock } from "../credentials/lock.ts";
import { assertStoreWritable } from "../credentials/preflight.ts";
import { authConfMode, readCredentials, serializeCredentials } from "../credentials/store.ts";
import { oauthErrorOf, requestJson, ResponseTooLargeError } from "../oauth/http.ts";
import { explainOAuthError } from "../oauth/oauth_error_text.ts";
import { formatTime } from "../ui/time.ts";
import { parseTokenResponse, type TokenResponse } from "../oauth/token_response.ts";

/** Why a refresh happened or not, as `auth refresh --json` reports it. */
export type RefreshReason = "fresh" | "due" | "forced";

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
  if (tokens.rejectedAt) {
    throw new AuthRequiredError(
      `The server rejected the stored sign-in at ${formatTime(tokens.rejectedAt, env.now())}`,
      'Sign in again: run "twg login"',
      "refresh-token-rejected",
    );
  }
  return { credentials, tokens };
}

/**
 * Returns usable credentials, rotating the refresh token first when a refresh
 * is due (or forced). Throws `StoreNotWritableError` (exit 4) before any
 * request when the result could not be saved.
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
  for (let attempt = 1;; attempt++) {
    try {
      return await refreshUnderLock(env, paths, force ? null : isDue, options);
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
    throw new AuthRequiredError(
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
  const lock = await acquireLock(env, paths.lock, lockOptions(env, options.signal));
  try {
    await removeOrphanedTempFiles(env, paths.dir);
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
  // Opened before the request so that the window between the token response
  // and the rename is only write + flush + rename.
  const prepared = await prepareWrite(env, paths.authConf, authConfMode);
  try {
    const response = await requestRefresh(env, tokens, tokens.refreshToken, lock, options.signal);
    if (response.kind === "rejected") {
      return await handleRejection(env, paths, credentials, prepared, response.detail);
    }
    const receivedAt = performance.now();
    const next = rotatedTokens(tokens, response.tokens, env.now());
    await prepared.commit(serializeCredentials({ ...credentials, oauth: next }));
    options.onSaveWindow?.(performance.now() - receivedAt);
    return next;
  } finally {
    await prepared.discard();
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

async function handleRejection(
  env: Env,
  paths: ConfigPaths,
  sent: Credentials,
  prepared: PreparedWrite,
  detail: string,
): Promise<OAuthTokens> {
  // If the stored token changed since we read it, someone else rotated outside
  // our view (an older twg without the lock, a restore): adopt theirs.
  const stored = await readCredentials(env, paths.authConf);
  if (
    stored?.oauth && stored.oauth.refreshToken !== sent.oauth!.refreshToken &&
    !stored.oauth.rejectedAt
  ) {
    return stored.oauth;
  }
  // Keep the file for diagnosis, but mark it so status and doctor say why.
  const rejectedAt = new Date(env.now()).toISOString();
  await prepared.commit(serializeCredentials({ ...sent, oauth: { ...sent.oauth!, rejectedAt } }));
  throw new AuthRequiredError(
    `The server rejected the stored sign-in: ${detail}`,
    'Sign in again: run "twg login"',
    "refresh-token-rejected",
  );
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
