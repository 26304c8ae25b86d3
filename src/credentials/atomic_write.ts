/**
 * Atomic replacement of a file: a temporary file beside the target, written
 * and flushed, then renamed over it, then the directory flushed. A reader sees
 * the old file or the new one, never a mix, whatever is killed when.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { joinPath, parentDir } from "../path.ts";

/** A temporary file opened ahead of time, waiting for its content. */
export interface PreparedWrite {
  /** Writes `content`, flushes it, renames it over the target and flushes the directory. */
  commit(content: string | Uint8Array): Promise<void>;
  /** Removes the temporary file if `commit` did not happen. Safe to call twice. */
  discard(): Promise<void>;
}

const tempMarker = ".tmp-";

/** The temporary name for `target` used by this process: `<target>.tmp-<pid>-<random>`. */
export function tempPathFor(env: Env, target: string): string {
  const random = crypto.getRandomValues(new Uint32Array(1))[0]!.toString(36);
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
        // The mode given to open() is filtered by the umask; set it exactly.
        if (env.os !== "windows") env.fs.chmodSync(tempPath, mode);
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
 * Removes the temporary files (`*.tmp-<pid>-*`) left in `dir` by processes
 * that are gone (killed mid-write). Call it while holding the lock, so that no
 * live writer loses a file it still needs.
 */
export async function removeOrphanedTempFiles(env: Env, dir: string): Promise<number> {
  let removed = 0;
  for (const name of await env.fs.readdir(dir)) {
    const marker = name.lastIndexOf(tempMarker);
    if (marker <= 0) continue;
    const pid = Number(name.slice(marker + tempMarker.length).split("-")[0]);
    if (!Number.isInteger(pid) || pid === env.pid || await env.isProcessAlive(pid)) continue;
    await env.fs.rm(joinPath(dir, name), { force: true });
    removed++;
  }
  return removed;
}
