/**
 * Steps 4 to 6 of the refresh (see `refresh.ts`), through the door
 * (`credentials/sign_in_door.ts`): under the lock, adopt a kept save and
 * re-read; if still due, reserve, send the refresh grant
 * (`oauth/refresh_grant.ts`) and save its answer. What the detached child
 * runs, and the caller where no child can be started.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { AuthRequiredError, TwgError } from "../errors.ts";
import { type Credentials, isRefreshDue, type OAuthTokens } from "../credentials/auth_conf.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import { refreshTokenToSend } from "../credentials/keyring.ts";
import { serializeCredentials } from "../credentials/store.ts";
import { changeSignIn, type DoorContext, type SignInChange } from "../credentials/sign_in_door.ts";
import { requestRefresh, rotatedTokens } from "../oauth/refresh_grant.ts";
import type { RefreshReason } from "./refresh_child_message.ts";
import { type SignedIn, signedInFrom } from "./signed_in.ts";
import { assertPinnedOrigins } from "./origin_pin.ts";
import { beginInFlight, type InFlight, provesNothingRotated } from "./refresh_in_flight.ts";
import { settleRejection } from "./refresh_rejection.ts";

/** The outcome of `refreshIfDue` (`refresh.ts`). */
export interface RefreshResult extends SignedIn {
  refreshed: boolean;
  reason: RefreshReason;
}

/** Options for `refreshIfDue` (`refresh.ts`). */
export interface RefreshOptions {
  force?: boolean;
  /** Aborts waiting for the lock and between retries, never a request already sent. */
  signal?: AbortSignal;
  /**
   * Without `signal`: abort on `env.interrupt` (Ctrl-C and the other
   * interrupt signals), read only once a refresh is due, because reading it
   * binds their handlers and a fresh token has nothing to abort. twg's
   * commands ask for it; a program using twg as a library keeps its own
   * signal handling unless it asks too.
   */
  interruptible?: boolean;
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

/** `isDue` is null when forced. Steps 4 to 6, through the door. */
async function refreshUnderLock(
  env: Env,
  paths: ConfigPaths,
  isDue: ((tokens: OAuthTokens) => boolean) | null,
  options: RefreshOptions,
): Promise<RefreshResult> {
  return await changeSignIn(
    env,
    paths,
    async (stored, door): Promise<SignInChange<RefreshResult>> => {
      // Another process may have rotated while we waited for the lock.
      const current = await signedInFrom(env, paths, stored);
      if (isDue && !isDue(current.tokens)) {
        return { kind: "keep", result: { ...current, refreshed: false, reason: "fresh" } };
      }
      return await rotate(env, paths, current.credentials, door, isDue ? "due" : "forced", options);
    },
    {
      lock: lockOptions(env, options.signal),
      ...(options.lockNonce ? { inheritLockNonce: options.lockNonce } : {}),
      beforeRead: () => pauseForTests(env, options.signal),
    },
  );
}

/** The lock was taken over by a peer while this process was paused. */
class LockLostError extends TwgError {
  override name = "LockLostError";
  static override defaultCode = "lock-lost";
}

/**
 * A fault-injection point for the lock-takeover tests: holds the lock for
 * `Env.testHooks.pauseAfterLockMs` so that a test can stop the process there.
 */
async function pauseForTests(env: Env, signal: AbortSignal | undefined): Promise<void> {
  const ms = env.testHooks?.pauseAfterLockMs ?? 0;
  if (ms > 0) await env.sleep(ms, signal);
}

async function rotate(
  env: Env,
  paths: ConfigPaths,
  credentials: Credentials,
  door: DoorContext,
  reason: RefreshReason,
  options: RefreshOptions,
): Promise<SignInChange<RefreshResult>> {
  const tokens = credentials.oauth!;
  if (!tokens.refreshToken) {
    throw new AuthRequiredError(
      "The stored sign-in has no refresh token",
      'Sign in again: run "twg login"',
      "no-refresh-token",
    );
  }
  // The scheduled job's pins, checked on these very credentials (re-read
  // under the lock): an earlier check on an earlier read leaves a window in
  // which a sandbox that may write auth.conf points the endpoint elsewhere.
  assertPinnedOrigins(env, tokens);
  // The keyring's key read (and the stored token opened) before anything is sent.
  const toSend = await refreshTokenToSend(env, paths.dir, tokens.refreshToken, tokens);
  // Reserve before you spend: every byte and descriptor the save needs is
  // claimed before the token is sent, so that the window between the token
  // response and the rename is only overwrite + flush + rename, none of
  // which can run out of space, quota or descriptors.
  await door.reserve(reservationFor(serializeCredentials(credentials))).catch((error) => {
    throw new StoreNotWritableError(
      paths.dir,
      `no room for the new sign-in (${
        (error as NodeJS.ErrnoException).code ?? error
      }); nothing was sent`,
    );
  });
  // Durably "in flight" just before the first send (after the lock check):
  // a lost answer is retried only inside the issuer's reuse leeway
  // (refresh_in_flight.ts).
  let inFlight = null as InFlight | null;
  const response = await requestRefresh(env, tokens, toSend.plain, async () => {
    // A holder that was stopped past the stale limit has lost the lock to a
    // peer that may be rotating this very token: sending it would be reuse.
    if (!(await door.lock.isHeld())) {
      throw new LockLostError(
        "Another twg process took over the credentials while this one was paused",
        { hint: "Run the command again" },
      );
    }
    inFlight ??= await beginInFlight(env, paths, tokens).catch((error) => {
      if (error instanceof TwgError) throw error;
      throw new StoreNotWritableError(
        paths.dir,
        `cannot record the refresh before sending it (${
          (error as NodeJS.ErrnoException).code ?? error
        }); nothing was sent`,
      );
    });
  }, options.signal).catch(async (error) => {
    if (provesNothingRotated(error)) await inFlight?.clear();
    throw error;
  });
  if (response.kind === "rejected") {
    // Adopts a newer save, by anyone, or records the rejection beside
    // auth.conf (exit 77); never writes auth.conf.
    const adopted = await settleRejection(env, paths, credentials, response.detail);
    return {
      kind: "keep",
      result: {
        credentials: { ...credentials, oauth: adopted },
        tokens: adopted,
        refreshed: true,
        reason,
      },
    };
  }
  const receivedAt = performance.now();
  const next = await toSend.sealNext(
    rotatedTokens(tokens, response.tokens, env.now()),
    response.tokens.refreshToken,
  );
  const saved = { ...credentials, oauth: next };
  return {
    kind: "write",
    credentials: saved,
    result: { credentials: saved, tokens: next, refreshed: true, reason },
    onSaved: async () => {
      options.onSaveWindow?.(performance.now() - receivedAt);
      await inFlight?.clear();
    },
  };
}

/**
 * Bytes reserved for the new `auth.conf`: the old one twice over plus 64 KiB,
 * far more than new tokens add (a JWT access token is a few KiB).
 */
export function reservationFor(current: string): number {
  return 64 * 1024 + 2 * new TextEncoder().encode(current).length;
}

/** The lock's wait and stale limits (`TWG_LOCK_TIMEOUT_MS`, `TWG_LOCK_STALE_MS`), and what aborts the wait. */
export function lockOptions(env: Env, signal: AbortSignal | undefined) {
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
