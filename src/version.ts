/**
 * twg's version; a test keeps it equal to `deno.json`'s.
 *
 * @example
 * ```ts
 * import { version } from "@twg/cli";
 *
 * version; // "0.1.0"
 * ```
 */
export const version = "0.1.0";

/** What `twg --version` prints: the version and the runtime, e.g. `twg 0.1.0 (deno 2.9.0)`. */
export function versionLine(env: { runtime: string }): string {
  return `twg ${version} (${env.runtime})`;
}
