/**
 * How this copy of twg was installed: a compiled binary, the npm global
 * package, a `deno install` shim, or a source checkout. Each kind updates
 * (`./update.ts`) and is removed (`./remove.ts`) its own way, and the
 * upkeep schedule starts the path found here, which survives updates:
 * never a versioned cache path.
 *
 * @module
 */
import { basename, dirname, join, sep } from "node:path";
import { pathToFileURL } from "node:url";
import type { Env } from "../env.ts";

/** The ways twg can be installed. */
export type InstallKind = "compiled" | "npm" | "deno-install" | "checkout";

/** This copy of twg: how it was installed, and the program that starts it. */
export interface Installation {
  kind: InstallKind;
  /**
   * The stable program a person (or the schedule) starts: the binary, the
   * npm bin, the `deno install` shim; for a checkout, its entry point
   * (`<root>/src/main.ts`), which only a runtime can start.
   */
  path: string;
}

/** Whether this process runs on Deno (a compiled binary included). */
export function isDenoRuntime(env: Pick<Env, "runtime">): boolean {
  return env.runtime.startsWith("deno");
}

/**
 * Finds how this copy of twg was installed, from the running executable and
 * entry point: a Deno that is not named `deno` is a compiled binary; Node
 * running from a global `node_modules` is the npm package; a `deno install`
 * shim that names this entry point is that; anything else is a checkout.
 *
 * @example
 * ```ts ignore
 * const installation = await detectInstallation(env);
 * installation.kind; // "deno-install"
 * installation.path; // "/home/ada/.deno/bin/twg"
 * ```
 */
export async function detectInstallation(env: Env): Promise<Installation> {
  const runtimeName = basename(env.execPath).replace(/\.exe$/i, "").toLowerCase();
  if (isDenoRuntime(env) && runtimeName !== "deno") return { kind: "compiled", path: env.execPath };
  if (!isDenoRuntime(env)) {
    const npmBin = npmGlobalBin(env);
    if (npmBin && await exists(env, npmBin)) return { kind: "npm", path: npmBin };
  } else {
    const shim = await denoInstallShim(env);
    if (shim) return { kind: "deno-install", path: shim };
  }
  return { kind: "checkout", path: env.mainPath };
}

/** `<prefix>/bin/twg` when this file runs from `<prefix>/lib/node_modules/…` (or the Windows layout). */
function npmGlobalBin(env: Env): string | null {
  const marker = `${sep}node_modules${sep}`;
  const index = env.mainPath.lastIndexOf(marker);
  if (index < 0) return null;
  const modules = env.mainPath.slice(0, index);
  if (env.os === "windows") return join(modules, "twg.cmd");
  // POSIX: <prefix>/lib/node_modules/<package>/… → <prefix>/bin/twg
  return basename(modules) === "lib" ? join(dirname(modules), "bin", "twg") : null;
}

/** The `deno install -g -n twg` shim, if it runs this very entry point. */
async function denoInstallShim(env: Env): Promise<string | null> {
  const root = env.getVar("DENO_INSTALL_ROOT") || join(env.homeDir, ".deno");
  const shim = join(root, "bin", env.os === "windows" ? "twg.cmd" : "twg");
  const content = await env.fs.readFile(shim, "utf8").catch(() => null);
  if (!content) return null;
  return content.includes(env.mainPath) || content.includes(pathToFileURL(env.mainPath).href)
    ? shim
    : null;
}

function exists(env: Env, path: string): Promise<boolean> {
  return env.fs.stat(path).then(() => true, () => false);
}
