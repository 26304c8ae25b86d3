/**
 * What a failed file operation means, in words, without the runtime's own
 * decoration (Deno: "No such file or directory (os error 2): readfile 'x'";
 * Node: "ENOENT: no such file or directory, open 'x'"). Both runtimes set the
 * POSIX error name as `code`.
 *
 * @module
 */

const meanings: Record<string, string> = {
  ENOENT: "no such file or directory",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EISDIR: "it is a directory",
  ENOTDIR: "a part of the path is not a directory",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  ELOOP: "too many symbolic links",
  EMFILE: "too many open files",
};

/**
 * The reason `error` gives, in plain words.
 *
 * @example
 * ```ts ignore
 * fsErrorText(enoent); // "no such file or directory"
 * ```
 */
export function fsErrorText(error: unknown): string {
  const code = (error as { code?: unknown })?.code;
  if (typeof code === "string" && meanings[code]) return meanings[code];
  const message = String((error as Error)?.message ?? error);
  // Whatever else: without the runtime's "(os error N): call 'path'" tail.
  return message.replace(/\s*\(os error \d+\).*$/s, "").replace(/^E[A-Z]+: /, "");
}
