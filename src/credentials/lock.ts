/**
 * A cross-process lock around the refresh transaction (re-read, decide,
 * request, save), in plain files so that it behaves the same under Deno and
 * Node and on every OS.
 *
 * The lock file is created complete and atomically: its content goes into a
 * private file that is then hard-linked to `auth.lock`, which fails if the
 * lock exists. The holder touches it every few seconds (a heartbeat). A lock
 * is stale when its owner process is gone from this host, or its heartbeat is
 * older than the stale limit (a stopped or hung owner). Taking over a stale
 * lock happens under a second, short-lived guard file, and only after
 * re-reading that the same stale lock is still there, so two waiters never
 * both remove a lock and both believe they own the new one.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { TwgError } from "../errors.ts";
import { tempPathFor } from "../safe_files/atomic_write.ts";

/** Tunables; the defaults suit the refresh path. */
export interface LockOptions {
  /** How long to wait for another holder before giving up. */
  timeoutMs?: number;
  /** Heartbeat age after which a live-looking owner counts as gone. */
  staleMs?: number;
  signal?: AbortSignal;
  /** The user id a lock file must belong to (the owner of `auth.conf`); unchecked when undefined. */
  ownerUid?: number | null;
}

/** A held lock. */
export interface Lock {
  /** Whether the lock file is still ours (a stopped holder may have lost it). */
  isHeld(): Promise<boolean>;
  release(): Promise<void>;
  /** Names this holding, for {@link takeOverHeldLock} by a child it starts. */
  readonly nonce: string;
}

interface LockOwner {
  pid: number;
  hostname: string;
  nonce: string;
  acquiredAt: string;
}

/**
 * The lock file is not one twg made (a symbolic link, a directory, content
 * that is not a twg lock, another user's file): reported at once, never
 * followed, waited for or removed (exit 1).
 */
export class ForeignLockError extends TwgError {
  override name = "ForeignLockError";
  constructor(path: string, what: string, isDirectory: boolean) {
    super(`The lock file "${path}" is not twg's: ${what}`, {
      hint: `twg neither follows nor removes it. If no twg is running, remove it and try again: ` +
        (isDirectory ? `rm -r "${path}"` : `rm "${path}"`),
    });
  }
}

/** Another process held the lock for longer than we were willing to wait (exit 1). */
export class LockTimeoutError extends TwgError {
  override name = "LockTimeoutError";
  static override defaultCode = "lock-timeout";
}

const defaultTimeoutMs = 30_000;
// Longer than the worst-case refresh (three attempts with their timeouts and
// backoff); a live owner heartbeats far more often than this.
const defaultStaleMs = 60_000;
const guardStaleMs = 10_000;

/** The lock file could not be read or written (an I/O error, a full disk; exit 1). */
export class LockError extends TwgError {
  override name = "LockError";
}

/** Waits for and takes the lock at `path`; a file-system failure is a {@link LockError}. */
export async function acquireLock(
  env: Env,
  path: string,
  options: LockOptions = {},
): Promise<Lock> {
  try {
    return await acquire(env, path, options);
  } catch (error) {
    throw asLockError(error, path);
  }
}

function asLockError(error: unknown, path: string): unknown {
  const code = (error as NodeJS.ErrnoException)?.code;
  if (error instanceof TwgError || typeof code !== "string") return error;
  return new LockError(`Cannot take the lock "${path}": ${code}`, {
    hint: code === "ENOSPC" ? "Free some disk space and try again" : "Try again",
    cause: error,
  });
}

async function acquire(
  env: Env,
  path: string,
  options: LockOptions,
): Promise<Lock> {
  const timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
  const staleMs = options.staleMs ?? defaultStaleMs;
  const owner: LockOwner = {
    pid: env.pid,
    hostname: env.hostname,
    nonce: crypto.randomUUID(),
    acquiredAt: new Date(env.now()).toISOString(),
  };
  const deadline = env.now() + timeoutMs;
  let delay = 5;
  for (;;) {
    // Creating is tried only when no lock is there: a waiter's poll is then
    // one read, not three writes, and 50 waiters stay cheap.
    const holder = await readOwner(env, path, options.ownerUid);
    if (!holder) {
      if (await tryCreate(env, path, owner)) return heldLock(env, path, owner, staleMs);
      continue;
    }
    if (await isStale(env, holder.owner, holder.mtimeMs, staleMs)) {
      await takeOverStale(env, path, holder.owner.nonce, staleMs);
      continue;
    }
    if (env.now() >= deadline) {
      throw new LockTimeoutError(
        `Timed out after ${Math.round(timeoutMs / 1000)} s waiting for another twg process ` +
          `(held by process ${holder.owner.pid} on ${holder.owner.hostname}): ${path}`,
        {
          hint:
            "Try again; if no other twg is running, the lock is released automatically within a minute",
        },
      );
    }
    // Short polls: a refresh takes tens of milliseconds, and waiters should
    // see its result as soon as it is saved. Jitter keeps them out of lockstep.
    await env.sleep(delay + Math.random() * delay, options.signal);
    delay = Math.min(delay * 2, 40);
  }
}

/**
 * Waits, without taking it, until the lock at `path` is free or stale (or the
 * time-out passes): a process that will hand its refresh to a child first
 * lets a running refresh finish, so that 50 waiters start no child once the
 * first has rotated. Throws {@link ForeignLockError} at once, like
 * {@link acquireLock}.
 */
export async function waitForRelease(
  env: Env,
  path: string,
  options: LockOptions = {},
): Promise<void> {
  try {
    await waitUntilFree(env, path, options);
  } catch (error) {
    throw asLockError(error, path);
  }
}

async function waitUntilFree(env: Env, path: string, options: LockOptions): Promise<void> {
  const deadline = env.now() + (options.timeoutMs ?? defaultTimeoutMs);
  let delay = 5;
  for (;;) {
    const holder = await readOwner(env, path, options.ownerUid);
    if (!holder || env.now() >= deadline) return;
    if (await isStale(env, holder.owner, holder.mtimeMs, options.staleMs ?? defaultStaleMs)) return;
    await env.sleep(delay + Math.random() * delay, options.signal);
    delay = Math.min(delay * 2, 40);
  }
}

async function tryCreate(env: Env, path: string, owner: LockOwner): Promise<boolean> {
  const staging = tempPathFor(env, path);
  try {
    // Inside the try: a failed write or flush leaves no staging file behind.
    await writeFlushed(env, staging, JSON.stringify(owner));
    await env.fs.link(staging, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw error;
  } finally {
    await env.fs.rm(staging, { force: true });
  }
}

/**
 * Writes a new lock file's content and flushes it before it is linked or
 * renamed into place: the directory flush of the save that follows makes the
 * lock's name durable too, and without this flush a power cut could leave an
 * empty `auth.lock`, which twg rightly refuses as not its own (found by the
 * crash-state explorer, tests/credentials/crash_explorer_test.ts).
 */
async function writeFlushed(env: Env, path: string, text: string): Promise<void> {
  const handle = await env.fs.open(path, "wx", 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function readOwner(
  env: Env,
  path: string,
  ownerUid: number | null | undefined,
): Promise<{ owner: LockOwner; mtimeMs: number } | null> {
  // lstat first: a planted link is reported, never followed.
  let info;
  try {
    info = await env.fs.lstat(path);
  } catch (error) {
    // Gone between our attempt and the read: simply try again.
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  if (info.isSymbolicLink()) throw new ForeignLockError(path, "it is a symbolic link", false);
  if (!info.isFile()) {
    throw new ForeignLockError(path, "it is not a regular file", info.isDirectory());
  }
  if (ownerUid != null && info.uid != null && info.uid !== ownerUid) {
    throw new ForeignLockError(path, `it belongs to another user (uid ${info.uid})`, false);
  }
  let text;
  try {
    text = await env.fs.readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw error;
  }
  // tryCreate links a complete file: content that is not a lock never came from twg.
  const owner = parseOwner(text);
  if (!owner) throw new ForeignLockError(path, "its content is not a twg lock", false);
  return { owner, mtimeMs: info.mtimeMs };
}

function parseOwner(text: string): LockOwner | null {
  try {
    const value = JSON.parse(text) as Partial<LockOwner> | null;
    if (
      value && typeof value.pid === "number" && typeof value.hostname === "string" &&
      typeof value.nonce === "string" && value.nonce !== ""
    ) {
      return value as LockOwner;
    }
  } catch {
    // Not JSON.
  }
  return null;
}

async function isStale(
  env: Env,
  owner: LockOwner,
  mtimeMs: number,
  staleMs: number,
): Promise<boolean> {
  if (owner.hostname === env.hostname && owner.pid > 0 && !(await env.isProcessAlive(owner.pid))) {
    return true;
  }
  return env.now() - mtimeMs > staleMs;
}

async function takeOverStale(
  env: Env,
  path: string,
  staleNonce: string,
  staleMs: number,
): Promise<void> {
  const guard = `${path}.takeover`;
  const guardOwner: LockOwner = {
    pid: env.pid,
    hostname: env.hostname,
    nonce: crypto.randomUUID(),
    acquiredAt: new Date(env.now()).toISOString(),
  };
  if (!(await tryCreate(env, guard, guardOwner))) {
    // Someone else is taking over; a guard whose taker died is cleared by age.
    const info = await env.fs.stat(guard).catch(() => null);
    if (info && env.now() - info.mtimeMs > guardStaleMs) await env.fs.rm(guard, { force: true });
    return;
  }
  try {
    const current = await readOwner(env, path, undefined);
    if (
      current && current.owner.nonce === staleNonce &&
      await isStale(env, current.owner, current.mtimeMs, staleMs)
    ) {
      await env.fs.rm(path, { force: true });
    }
  } finally {
    await env.fs.rm(guard, { force: true });
  }
}

/**
 * Takes over the lock `nonce` names, held by the process that started this
 * one (the refresh hand-off): under the takeover guard, so that no waiter
 * removes it meanwhile, the lock file is replaced by one naming this
 * process. Resolves to null when the lock is no longer that holding (its
 * holder died and a waiter took it): then wait for it like anyone else.
 */
export async function takeOverHeldLock(
  env: Env,
  path: string,
  nonce: string,
  options: LockOptions = {},
): Promise<Lock | null> {
  try {
    return await takeOverHeld(env, path, nonce, options);
  } catch (error) {
    throw asLockError(error, path);
  }
}

async function takeOverHeld(
  env: Env,
  path: string,
  nonce: string,
  options: LockOptions,
): Promise<Lock | null> {
  const owner: LockOwner = {
    pid: env.pid,
    hostname: env.hostname,
    nonce: crypto.randomUUID(),
    acquiredAt: new Date(env.now()).toISOString(),
  };
  const guard = `${path}.takeover`;
  const deadline = env.now() + 2000;
  while (!(await tryCreate(env, guard, { ...owner, nonce: crypto.randomUUID() }))) {
    if (env.now() >= deadline) return null;
    await env.sleep(10 + Math.random() * 10, options.signal);
  }
  try {
    const current = await readOwner(env, path, options.ownerUid);
    if (current?.owner.nonce !== nonce) return null;
    const staging = tempPathFor(env, path);
    try {
      await writeFlushed(env, staging, JSON.stringify(owner));
      await env.fs.rename(staging, path);
    } finally {
      await env.fs.rm(staging, { force: true }).catch(() => {});
    }
    return heldLock(env, path, owner, options.staleMs ?? defaultStaleMs);
  } finally {
    await env.fs.rm(guard, { force: true }).catch(() => {});
  }
}

function heldLock(env: Env, path: string, owner: LockOwner, staleMs: number): Lock {
  const heartbeat = setInterval(() => {
    const now = new Date(env.now());
    env.fs.utimes(path, now, now).catch(() => {});
  }, Math.max(250, Math.floor(staleMs / 6)));
  let isReleased = false;
  const isHeld = async () => {
    try {
      return (JSON.parse(await env.fs.readFile(path, "utf8")) as LockOwner).nonce === owner.nonce;
    } catch {
      return false;
    }
  };
  return {
    isHeld,
    nonce: owner.nonce,
    async release() {
      if (isReleased) return;
      isReleased = true;
      clearInterval(heartbeat);
      // Only remove the file if it is still ours: a peer may have taken over.
      // A removal that fails leaves a lock of a dead process, which the next
      // run takes over at once: never a reason to fail a finished refresh.
      try {
        if (await isHeld()) await env.fs.rm(path, { force: true });
      } catch {
        // Left for the next run.
      }
    },
  };
}
