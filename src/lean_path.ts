/**
 * The few path operations the token path needs, on the config directory's
 * absolute paths. Not `node:path`: under Deno, importing any `node:` module
 * starts the Node compatibility layer, about 10 ms of a 20 ms start-up, for
 * three string functions (measured in bench/). The rest of twg, off the hot
 * path, uses `node:path`.
 *
 * @module
 */
import type { OsName } from "./env.ts";

const windowsPath = /^(?:[a-zA-Z]:[\\/]|\\\\)/;

/** `\` for a Windows path (drive letter or UNC), else `/`. */
function separatorOf(path: string): "/" | "\\" {
  return windowsPath.test(path) ? "\\" : "/";
}

/** Whether `path` is absolute on `os`. */
export function isAbsolutePath(path: string, os: OsName): boolean {
  return os === "windows" ? windowsPath.test(path) : path.startsWith("/");
}

/** `base` and `names` joined with `base`'s own separator. */
export function joinPath(base: string, ...names: string[]): string {
  const separator = separatorOf(base);
  const trimmed = base.length > 1 ? base.replace(/[\\/]+$/, "") : base;
  return [trimmed, ...names].join(separator).replace(separator + separator, separator);
}

/** The directory holding `path` (a root is its own parent). */
export function parentDir(path: string): string {
  if (/^(?:\/|[a-zA-Z]:[\\/])$/.test(path)) return path;
  const trimmed = path.replace(/(.)[\\/]+$/, "$1");
  const separators = separatorOf(path) === "\\" ? /[\\/]/g : /\//g;
  const index = Math.max(-1, ...[...trimmed.matchAll(separators)].map((match) => match.index));
  if (index < 0) return ".";
  const parent = trimmed.slice(0, index);
  // The roots "/" and "C:\" keep their separator.
  if (parent === "") return trimmed[0]!;
  return /^[a-zA-Z]:$/.test(parent) ? parent + "\\" : parent;
}
