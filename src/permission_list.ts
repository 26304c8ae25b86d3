/**
 * Deno's permission flags take comma-separated lists (`--allow-write=a,b`)
 * with no dependable escape: a doubled comma is meant to be one (denoland/deno
 * pull 25453), but with Deno 2.9.6 `--allow-read=/x/a,,b` alone, or followed
 * by another path, fails with "Empty path is not allowed", and works only
 * as the last entry after another path (checked here). A path with a comma
 * in it would be split into two paths, and `~/x,/home/ada` would grant the
 * whole home directory. Such a path is never put in a flag.
 *
 * @module
 */

/**
 * `--<flag>=<values joined by commas>`, or null when a value holds a comma
 * (or is empty) and so cannot be expressed without granting something else.
 *
 * @example
 * ```ts
 * import { permissionFlag } from "./permission_list.ts";
 * permissionFlag("allow-write", ["/home/ada/.config/twg"]); // "--allow-write=/home/ada/.config/twg"
 * permissionFlag("allow-write", ["/home/ada/x,/home/ada"]); // null
 * ```
 */
export function permissionFlag(flag: string, values: string[]): string | null {
  if (values.length === 0 || values.some((value) => value === "" || value.includes(","))) {
    return null;
  }
  return `--${flag}=${values.join(",")}`;
}
