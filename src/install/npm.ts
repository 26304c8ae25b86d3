/**
 * Running npm for a twg installed with `npm install -g`.
 *
 * @module
 */
import { dirname, join } from "node:path";
import type { Env } from "../env.ts";

/** A program and the arguments that come before npm's own. */
export interface NpmInvocation {
  command: string;
  args: string[];
}

/**
 * How to start npm. On Windows npm is `npm.cmd`, which Node refuses to spawn
 * without a shell since the fix for CVE-2024-27980, and twg never uses a
 * shell; so npm's own script is run with this very Node, from the
 * `node_modules/npm` that every Windows Node installation ships beside
 * `node.exe`. Elsewhere `npm` is an executable script on PATH.
 *
 * @example
 * ```ts ignore
 * const npm = npmInvocation(env);
 * await env.run(npm.command, [...npm.args, "uninstall", "-g", "@twg/cli"]);
 * ```
 */
export function npmInvocation(env: Pick<Env, "os" | "execPath">): NpmInvocation {
  if (env.os !== "windows") return { command: "npm", args: [] };
  return {
    command: env.execPath,
    args: [join(dirname(env.execPath), "node_modules", "npm", "bin", "npm-cli.js")],
  };
}

/**
 * The npm package this file belongs to, from its path inside a global
 * `node_modules` (scoped names included), or `null`.
 *
 * @example
 * ```ts
 * npmPackageOf("/usr/local/lib/node_modules/@twg/cli/dist/twg.js"); // "@twg/cli"
 * ```
 */
export function npmPackageOf(mainPath: string): string | null {
  const parts = mainPath.split(/[\\/]/);
  const modules = parts.lastIndexOf("node_modules");
  if (modules < 0) return null;
  const [first, second] = parts.slice(modules + 1);
  if (!first) return null;
  if (!first.startsWith("@")) return first;
  return second ? `${first}/${second}` : null;
}
