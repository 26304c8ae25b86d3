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
