/**
 * Reading a file twg does not own (an agent's settings in a repository, a
 * config file in the person's home): a regular file only, and only up to a
 * size bound. A hostile repository can make `.claude/settings.json` a
 * symlink to `/dev/zero` (read whole, it takes all memory in seconds) or a
 * FIFO (a read that never ends); both are refused before any byte is read.
 *
 * @module
 */
import type { Env } from "./env.ts";

/** The bound for a settings file: far above any real one (Claude Code's and Codex's are a few KiB). */
export const settingsFileMaxBytes = 1024 * 1024;

/** A file refused by {@link readBoundedText}: not a regular file, or larger than the bound. */
export class RefusedFileError extends Error {
  override name = "RefusedFileError";
}

/**
 * The text of `path` when it is (or links to) a regular file of at most
 * `maxBytes`; throws {@link RefusedFileError} otherwise, and the file
 * system's error (`ENOENT`, …) when it cannot be read. `stat` follows links
 * on purpose: a dotfiles symlink to a real file is fine, one to a device, a
 * FIFO or a socket is not. The size is checked before the read and the text
 * after it (a file that grew meanwhile is refused all the same).
 *
 * @example
 * ```ts ignore
 * const text = await readBoundedText(env, ".claude/settings.json", settingsFileMaxBytes);
 * ```
 */
export async function readBoundedText(
  env: Pick<Env, "fs">,
  path: string,
  maxBytes: number,
): Promise<string> {
  const info = await env.fs.stat(path);
  if (!info.isFile()) throw new RefusedFileError(`Not a regular file: ${path}`);
  if (info.size > maxBytes) {
    throw new RefusedFileError(`Larger than ${maxBytes} bytes (${info.size}): ${path}`);
  }
  const text = await env.fs.readFile(path, "utf8");
  if (text.length > maxBytes) throw new RefusedFileError(`Grew past ${maxBytes} bytes: ${path}`);
  return text;
}
