/**
 * Atomic replacement of a file: a temporary file beside the target, written
 * and flushed, then renamed over it, then the directory flushed. A reader sees
 * the old file or the new one, never a mix, whatever is killed when.
 *
 * @module
 */
import type { Env, FileHandle } from "../env.ts";
import { joinPath, parentDir } from "../lean_path.ts";

/** A temporary file opened ahead of time, waiting for its content. */
export interface PreparedWrite {
  /** Writes `content`, flushes it, renames it over the target and flushes the directory. */
  commit(content: string | Uint8Array): Promise<void>;
  /** Removes the temporary file if `commit` did not happen. Safe to call twice. */
  discard(): Promise<void>;
}

const tempMarker = ".tmp-";

/**
 * createModeNote: every file twg writes gets its mode when it is created
 * (`open(O_CREAT|O_EXCL, mode)`), never from a `chmod` by path afterwards. A
 * chmod by path follows a symlink that whoever can write the directory swaps
 * in between the create and the chmod, and so changed the mode of any file
 * the person owns (issue 23: `~/.git-credentials` became 0644). The umask can
 * only take bits away from the mode asked for, so a file is never more open
 * than asked; Deno's file handle has no fchmod to undo a narrower umask.
 */

/**
 * The temporary name for `target` used by this process:
 * `<target>.tmp-<pid>-<random>`. The random part keeps two names of one
 * process apart, and a name from a crashed process whose pid came back;
 * every create is `O_EXCL` all the same, so a name that exists is refused,
 * never reused. `Math.random`, not `crypto`: an unguessable name would guard
 * against no one, since whoever may write the directory may list it too (the
 * `O_EXCL` create is what refuses a planted name), and under Node the first
 * use of `crypto` loads WebCrypto (about 2 ms of `auth status`, `node
 * --cpu-prof`).
 */
export function tempPathFor(env: Env, target: string): string {
  const random = Math.floor(Math.random() * 2 ** 32).toString(36);
  return `${target}${tempMarker}${env.pid}-${random}`;
}

/**
 * Opens the temporary file for `target` now, so that the later `commit` does
 * as little as possible: the refresh path calls this before its request, and
 * `commit` then runs synchronously (write, flush, rename: well under a
 * millisecond here, against several for the same steps awaited one by one).
 */
// deno-lint-ignore require-await -- async so that a failed open is a rejection, like every other step
export async function prepareWrite(env: Env, target: string, mode: number): Promise<PreparedWrite> {
  const tempPath = tempPathFor(env, target);
  const file = env.fs.openSync(tempPath, "wx", mode);
  let isOpen = true;
  let isRenamed = false;
  const close = () => {
    if (isOpen) {
      isOpen = false;
      file.close();
    }
  };
  return {
    async commit(content) {
      try {
        file.write(typeof content === "string" ? new TextEncoder().encode(content) : content);
        // The mode was set at creation (O_EXCL): never chmod by path, which
        // follows a symlink swapped in meanwhile (see createModeNote).
        file.sync();
      } finally {
        close();
      }
      env.fs.renameSync(tempPath, target);
      isRenamed = true;
      await syncDirectory(env, parentDir(target));
    },
    async discard() {
      if (isRenamed) return;
      try {
        close();
      } catch {
        // Already closed by a failed commit.
      }
      await env.fs.rm(tempPath, { force: true }).catch(() => {});
    },
  };
}

/** A {@link PreparedWrite} whose disk space is claimed before the content is known. */
export interface ReservedWrite extends PreparedWrite {
  /** The temporary file. */
  readonly tempPath: string;
  /** How many bytes the temporary file holds in reserve. */
  readonly reservedBytes: number;
  /**
   * Where the whole content is kept when `commit` failed before its rename
   * (the temporary file, or a second one when writing the first failed), for
   * the next run to adopt; null otherwise.
   */
  readonly keptPath: string | null;
}

/**
 * Like {@link prepareWrite}, but claims everything the commit will need
 * before returning: the temporary file is filled with `reserveBytes` spaces,
 * its mode set and flushed, and the directory opened for the final flush. The
 * commit then overwrites the reserved bytes in place, truncates, flushes and
 * renames: on a file system that overwrites in place (ext4, xfs, tmpfs, APFS
 * for small files) no step after the reservation allocates space or opens a
 * file, so a full disk, a quota or a descriptor limit hit after the refresh
 * token was sent cannot stop the save. When a step of the commit fails after
 * the content is written (a flush's EIO, a rename refused), the file is kept
 * (`discard` leaves it) so that the next run under the lock can adopt it.
 */
export async function prepareReservedWrite(
  env: Env,
  target: string,
  mode: number,
  reserveBytes: number,
): Promise<ReservedWrite> {
  const tempPath = tempPathFor(env, target);
  const file = env.fs.openSync(tempPath, "wx", mode);
  let dir: FileHandle | null = null;
  let isOpen = true;
  let isRenamed = false;
  let holdsContent = false;
  let keptPath: string | null = null;
  const close = () => {
    if (isOpen) {
      isOpen = false;
      file.close();
    }
  };
  const closeDir = async () => {
    const handle = dir;
    dir = null;
    await handle?.close().catch(() => {});
  };
  try {
    // Spaces: JSON followed by whitespace still parses, whatever part of the
    // reservation a failed commit left behind.
    file.write(new Uint8Array(reserveBytes).fill(0x20));
    // The mode was set at creation: never chmod by path (see createModeNote).
    file.sync();
    if (env.os !== "windows") {
      dir = await env.fs.open(parentDir(target), "r");
      // The reservation's name made durable now, before anything is spent:
      // otherwise a power cut after the content's flush but before the
      // rename's could leave the new sign-in flushed in a file with no name,
      // and the next run would send the spent refresh token again (found by
      // the crash-state explorer, tests/credentials/crash_explorer_test.ts).
      await dir.sync();
    }
  } catch (error) {
    try {
      close();
    } catch {
      // The open file is gone with the error.
    }
    await env.fs.rm(tempPath, { force: true }).catch(() => {});
    throw error;
  }
  return {
    tempPath,
    reservedBytes: reserveBytes,
    get keptPath() {
      return isRenamed ? null : keptPath;
    },
    async commit(content) {
      const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
      let writeError: unknown;
      // Twice: a transient failure (EINTR, an EIO the disk recovers from)
      // must not cost a token already spent.
      for (let attempt = 0; attempt < 2 && !holdsContent; attempt++) {
        try {
          file.rewind();
          file.write(bytes);
          holdsContent = true;
          keptPath = tempPath;
        } catch (error) {
          writeError = error;
        }
      }
      if (!holdsContent) {
        try {
          close();
        } catch {
          // Closed with the error.
        }
        // The reserved file is unusable: a second file is the last place the
        // content can be kept for the next run.
        const fallback = tempPathFor(env, target);
        try {
          await env.fs.writeFile(fallback, bytes, { mode, flag: "wx" });
          keptPath = fallback;
        } catch {
          await env.fs.rm(fallback, { force: true }).catch(() => {});
        }
        throw writeError;
      }
      try {
        // Shrinking frees blocks and never needs any; if it fails the file
        // is the content followed by spaces, which parses the same.
        try {
          file.truncate(bytes.length);
        } catch {
          // Kept as it is.
        }
        file.sync();
      } finally {
        close();
      }
      env.fs.renameSync(tempPath, target);
      isRenamed = true;
      // The rename is done and visible: a failed directory flush only means
      // it might not survive a power cut, never a reason to report a failure.
      await dir?.sync().catch(() => {});
      await closeDir();
    },
    async discard() {
      try {
        close();
      } catch {
        // Already closed by a failed commit.
      }
      await closeDir();
      if (isRenamed || keptPath === tempPath) return;
      await env.fs.rm(tempPath, { force: true }).catch(() => {});
    },
  };
}

/**
 * Replaces `target` with `content` atomically. Never follows a symlink at
 * `target`: the temporary file is created new (`O_EXCL`), and the rename
 * replaces the link itself, so a planted `twg-launcher -> ~/.bashrc` leaves
 * `~/.bashrc` untouched.
 */
export async function writeFileAtomic(
  env: Env,
  target: string,
  content: string | Uint8Array,
  mode: number,
): Promise<void> {
  const prepared = await prepareWrite(env, target, mode);
  try {
    await prepared.commit(content);
  } finally {
    await prepared.discard();
  }
}

/** Flushes a directory entry change (the rename) to disk; not possible on Windows. */
export async function syncDirectory(env: Env, dir: string): Promise<void> {
  if (env.os === "windows") return;
  const handle = await env.fs.open(dir, "r");
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * The files twg replaces through a temporary file in its config directory
 * (and the lock's staging files). Only their temporary names are ever
 * cleaned up: `<name>.tmp-<pid>-<random>`, exactly as {@link tempPathFor}
 * makes them.
 */
export const replacedFileNames = [
  "auth.conf",
  // The refresh's "request in flight" record (src/auth/refresh_in_flight.ts).
  "auth.conf.inflight",
  "auth.lock",
  "auth.lock.takeover",
  "upkeep.json",
  "config.json",
  "access-token.json",
] as const;

const tempNamePattern = /^(.+)\.tmp-([1-9][0-9]{0,9})-([0-9a-z]{1,8})$/;

/** The file and writer's pid of a temporary name twg made, or null for any other name. */
export function parseTempName(name: string): { target: string; pid: number } | null {
  const match = tempNamePattern.exec(name);
  if (!match || !(replacedFileNames as readonly string[]).includes(match[1]!)) return null;
  return { target: match[1]!, pid: Number(match[2]) };
}

/**
 * The temporary files in `dir` that twg wrote and whose writer is gone: the
 * exact names of {@link parseTempName}, a pid that is not this process and
 * not alive (pid 0 is no process), a regular file (lstat: a link is never
 * followed) owned by `ownerUid` when the OS has owners. Anything else is
 * left alone. `includeOwn` adds this process's own files (a save it kept
 * after a failed commit, adopted under the lock).
 */
export async function orphanedTempFiles(
  env: Env,
  dir: string,
  ownerUid: number | null | undefined,
  options: { includeOwn?: boolean } = {},
): Promise<{ name: string; path: string; target: string; size: number }[]> {
  const found = [];
  for (const name of await env.fs.readdir(dir)) {
    const parsed = parseTempName(name);
    if (!parsed) continue;
    const isOwn = parsed.pid === env.pid;
    if (isOwn ? !options.includeOwn : await env.isProcessAlive(parsed.pid)) continue;
    const path = joinPath(dir, name);
    const info = await env.fs.lstat(path).catch(() => null);
    if (!info || !info.isFile()) continue;
    if (ownerUid != null && info.uid != null && info.uid !== ownerUid) continue;
    found.push({ name, path, target: parsed.target, size: info.size });
  }
  return found;
}

/**
 * Removes the temporary files left in `dir` by processes that are gone
 * (killed mid-write), as {@link orphanedTempFiles} picks them. Call it while
 * holding the lock, so that no live writer loses a file it still needs. A
 * file that cannot be removed is left: clean-up never fails a refresh.
 */
export async function removeOrphanedTempFiles(
  env: Env,
  dir: string,
  ownerUid?: number | null,
): Promise<number> {
  let removed = 0;
  for (const orphan of await orphanedTempFiles(env, dir, ownerUid).catch(() => [])) {
    if (await env.fs.rm(orphan.path).then(() => true, () => false)) removed++;
  }
  return removed;
}
