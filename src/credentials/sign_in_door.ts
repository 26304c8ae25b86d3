/**
 * The one door to the stored sign-in: every change to `auth.conf` — a
 * refresh, a login, `--with-token`, a site choice, the Bitbucket token, a
 * logout, a backend move — goes through {@link changeSignIn}, which runs the
 * one transaction that must never lose a credential:
 *
 * lock → adopt a kept save → remove orphans → re-read → the caller computes
 * the next state from the current one (or declines) → reserve → write → flush
 * → rename → flush the directory → release.
 *
 * Removing the file (logout, `login --force`) and moving an untrusted one
 * aside are changes too, and are flushed the same way: without the directory
 * flush a power cut can bring a signed-out session back (a revoked refresh
 * token, a live access token, a Bitbucket token the person asked to delete).
 *
 * Where the store lives is a parameter ({@link SignInStore}), so that a
 * feature keeping several sign-ins passes another store, never copies this.
 *
 * @module
 */
import type { Env } from "../env.ts";
import {
  orphanedTempFiles,
  prepareReservedWrite,
  prepareWrite,
  removeOrphanedTempFiles,
  type ReservedWrite,
  syncDirectory,
} from "../safe_files/atomic_write.ts";
import type { Credentials } from "./auth_conf.ts";
import { acquireLock, type Lock, type LockOptions, takeOverHeldLock } from "./lock.ts";
import { StoreNotWritableError } from "./preflight.ts";
import {
  authConfMode,
  exposedCredentials,
  readCredentials,
  serializeCredentials,
  UntrustedStoreError,
} from "./store.ts";

/** Where one sign-in is stored: its directory, its `auth.conf` and its lock file. */
export interface SignInStore {
  dir: string;
  authConf: string;
  lock: string;
}

/**
 * What the caller decided, given the current state. `onSaved` runs still
 * under the lock, once the change is in place (a keyring key removed only
 * after the file that used it, a save window measured).
 */
export type SignInChange<T> =
  /** Nothing to write (declined, or already as wanted). */
  | { kind: "keep"; result: T }
  /** Replace `auth.conf` with `credentials`. */
  | { kind: "write"; credentials: Credentials; result: T; onSaved?: () => void | Promise<void> }
  /** Remove `auth.conf`. */
  | { kind: "remove"; result: T; onSaved?: () => void | Promise<void> };

/** What the computing step may use while the door is held. */
export interface DoorContext {
  /** The held lock (a request checks it is still held before spending a token). */
  readonly lock: Lock;
  /** Where an untrusted `auth.conf` was moved (only with `untrusted: "move-aside"`). */
  readonly movedAsideTo: string | null;
  /**
   * The credentials of the file moved aside when others could read it (its
   * tokens may be in someone else's hands: `login --force` revokes them).
   */
  readonly movedAsideExposed: Credentials | null;
  /**
   * Claims everything the save will need (disk space, the temporary file, the
   * directory handle) now, before a request whose answer must be saved. A
   * save that then fails after its write is kept for the next run to adopt.
   */
  reserve(bytes: number): Promise<void>;
}

/** Options for {@link changeSignIn}. */
export interface DoorOptions {
  /** How long to wait for the lock, and what aborts the wait. */
  lock?: Omit<LockOptions, "ownerUid">;
  /** The lock a parent process holds for this one (the refresh child), taken over instead of waited for. */
  inheritLockNonce?: string;
  /** `login --force`: an untrusted `auth.conf` is moved aside (and flushed) instead of refused. */
  untrusted?: "refuse" | "move-aside";
  /** Runs after the clean-up, before the re-read (a test pauses here). */
  beforeRead?: () => Promise<void>;
}

/**
 * Runs one change of the stored sign-in under the lock; see the module
 * comment for the steps. `compute` receives the current credentials (null:
 * none stored) and returns the change; its result is returned.
 *
 * @example
 * ```ts ignore
 * await changeSignIn(env, configPaths(env), (current) => {
 *   if (!current) return { kind: "keep", result: false };
 *   return { kind: "write", credentials: { ...current, bitbucketToken: token }, result: true };
 * });
 * ```
 */
export async function changeSignIn<T>(
  env: Env,
  store: SignInStore,
  compute: (current: Credentials | null, door: DoorContext) => Promise<SignInChange<T>>,
  options: DoorOptions = {},
): Promise<T> {
  // Files twg wrote belong to the user who owns auth.conf; anything else in
  // the directory (a planted lock, another user's file) is not ours.
  const ownerUid = (await env.fs.lstat(store.authConf).catch(() => null))?.uid;
  const lockOptions: LockOptions = {
    ...options.lock,
    ...(ownerUid === undefined ? {} : { ownerUid }),
  };
  const inherited = options.inheritLockNonce
    ? await takeOverHeldLock(env, store.lock, options.inheritLockNonce, lockOptions)
    : null;
  const lock = inherited ?? await acquireLock(env, store.lock, lockOptions);
  let reserved: ReservedWrite | null = null;
  try {
    await adoptPendingSave(env, store, ownerUid);
    await removeOrphanedTempFiles(env, store.dir, ownerUid);
    await options.beforeRead?.();
    let movedAsideTo: string | null = null;
    let movedAsideExposed: Credentials | null = null;
    let current: Credentials | null;
    try {
      current = await readCredentials(env, store.authConf);
    } catch (error) {
      if (!(error instanceof UntrustedStoreError) || options.untrusted !== "move-aside") {
        throw error;
      }
      movedAsideExposed = await exposedCredentials(env, store.authConf);
      movedAsideTo = await moveAside(env, store.authConf);
      await syncDirectory(env, store.dir).catch(() => {});
      current = null;
    }
    const context: DoorContext = {
      lock,
      movedAsideTo,
      movedAsideExposed,
      async reserve(bytes) {
        if (reserved) return;
        reserved = await prepareReservedWrite(env, store.authConf, authConfMode, bytes);
      },
    };
    const change = await compute(current, context);
    if (change.kind === "write") {
      const content = serializeCredentials(change.credentials);
      if (reserved) await commitOrKeep(store, reserved, content);
      else await writeAtomically(env, store.authConf, content);
      await change.onSaved?.();
    } else if (change.kind === "remove") {
      await env.fs.rm(store.authConf, { force: true });
      // The removal is visible now; the flush makes it survive a power cut.
      await syncDirectory(env, store.dir).catch(() => {});
      await change.onSaved?.();
    }
    return change.result;
  } finally {
    await (reserved as ReservedWrite | null)?.discard();
    await lock.release();
  }
}

async function writeAtomically(env: Env, target: string, content: string): Promise<void> {
  const prepared = await prepareWrite(env, target, authConfMode);
  try {
    await prepared.commit(content);
  } finally {
    await prepared.discard();
  }
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
  store: SignInStore,
  prepared: ReservedWrite,
  content: string,
): Promise<void> {
  try {
    await prepared.commit(content);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? (error as Error).message;
    if (prepared.keptPath) {
      throw new SaveDeferredError(
        store.dir,
        `the refreshed sign-in could not be moved into place (${code}); it is kept in ` +
          `"${prepared.keptPath}" and the next twg command adopts it`,
      );
    }
    throw new StoreNotWritableError(
      store.dir,
      `the refreshed sign-in could not be written (${code}); sign in again with "twg login"`,
    );
  }
}

/**
 * Adopts the newest complete save that a run killed or failed after its
 * write left in a temporary file: only a file {@link orphanedTempFiles}
 * picks (twg's exact name, a dead writer, a regular file of this user),
 * which `readCredentials` accepts (mode, parse, shape), for the same issuer
 * and client, with another refresh token obtained later than the stored one.
 * Called under the lock, before the orphans are removed.
 */
async function adoptPendingSave(
  env: Env,
  store: SignInStore,
  ownerUid: number | null | undefined,
): Promise<void> {
  const stored = (await readCredentials(env, store.authConf).catch(() => null))?.oauth;
  if (!stored) return;
  let best: { path: string; obtainedAt: number } | null = null;
  const orphans = await orphanedTempFiles(env, store.dir, ownerUid, { includeOwn: true })
    .catch(() => []);
  for (const orphan of orphans) {
    // The store's own file name: another store's kept save is not this one's.
    if (orphan.target !== baseName(store.authConf) || orphan.size > 4 * 1024 * 1024) continue;
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
  if (await env.fs.rename(best.path, store.authConf).then(() => true, () => false)) {
    await syncDirectory(env, store.dir).catch(() => {});
  }
}

function baseName(path: string): string {
  return path.slice(Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\")) + 1);
}

/**
 * Moves an untrusted `auth.conf` aside as `auth.conf.bad-<timestamp>` (only
 * `login --force`). A regular file that others could read is copied to a
 * new 0600 file and removed, so the copy kept is no longer readable by them
 * (its mode set at creation, never by path); anything else (a symlink, a
 * device) is renamed, never followed.
 */
async function moveAside(env: Env, path: string): Promise<string> {
  const stamp = new Date(env.now()).toISOString().replace(/[:.]/g, "-");
  const target = `${path}.bad-${stamp}`;
  const info = await env.fs.lstat(path);
  if (env.os !== "windows" && info.isFile() && (info.mode & 0o077) !== 0) {
    await writeAtomically(env, target, await env.fs.readFile(path, "utf8"));
    await env.fs.rm(path);
    return target;
  }
  await env.fs.rename(path, target);
  return target;
}
