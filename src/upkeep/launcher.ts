/**
 * The stable program the schedule starts: a path that survives updates.
 * The compiled binary, the npm global bin, the `deno install` shim, or, when
 * running from a checkout, a small launcher script in the config directory.
 * Never a versioned cache path.
 *
 * @module
 */
import { basename, dirname, join, posix, sep, win32 } from "node:path";
import { pathToFileURL } from "node:url";
import { notifierCommands } from "../../platform/notify.ts";
import type { Env } from "../env.ts";

/** What the schedule runs, and the script to write first when there is one. */
export interface Launcher {
  kind: "compiled" | "npm" | "deno-install" | "checkout";
  path: string;
  args: string[];
  /** A launcher script twg writes (checkout only). */
  script: { path: string; content: string } | null;
}

/** Hosts the upkeep job may reach (Deno `--allow-net`): the issuer's and the update manifest's. */
export interface LauncherOptions {
  configDir: string;
  netHosts: string[];
  /** The stored sign-in uses the keyring backend: the job may load its addon (`--allow-ffi`). */
  keyring?: boolean;
}

const isDenoRuntime = (env: Env) => env.runtime.startsWith("deno");

/** Finds the stable launcher for this copy of twg. */
export async function resolveLauncher(env: Env, options: LauncherOptions): Promise<Launcher> {
  const runtimeName = basename(env.execPath).replace(/\.exe$/i, "").toLowerCase();
  if (isDenoRuntime(env) && runtimeName !== "deno") {
    return { kind: "compiled", path: env.execPath, args: [], script: null };
  }
  if (!isDenoRuntime(env)) {
    const npmBin = npmGlobalBin(env);
    if (npmBin && await exists(env, npmBin)) {
      return { kind: "npm", path: npmBin, args: [], script: null };
    }
  } else {
    const shim = await denoInstallShim(env);
    if (shim) return { kind: "deno-install", path: shim, args: [], script: null };
  }
  const script = checkoutLauncherScript(env, options);
  return { kind: "checkout", path: script.path, args: [], script };
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

/**
 * A script that runs this checkout with least-privilege Deno permissions:
 * read, env, write to the config dir only, net to the known hosts, run for
 * the notifiers. Upkeep itself shows the permission model at work.
 */
export function checkoutLauncherScript(
  env: Env,
  options: LauncherOptions,
): { path: string; content: string } {
  const path = env.os === "windows" ? win32 : posix;
  const runtimeArgs = isDenoRuntime(env)
    ? [
      "run",
      "--quiet",
      "--no-prompt",
      "--allow-read",
      "--allow-env",
      "--allow-sys=hostname,uid",
      `--allow-write=${options.configDir}`,
      ...(options.netHosts.length > 0 ? [`--allow-net=${options.netHosts.join(",")}`] : []),
      `--allow-run=${notifierPrograms(env).join(",")}`,
      ...(options.keyring ? ["--allow-ffi"] : []),
      env.mainPath,
    ]
    : [env.mainPath];
  if (env.os === "windows") {
    const quoted = [env.execPath, ...runtimeArgs].map((arg) => `"${arg}"`).join(" ");
    return {
      path: path.join(options.configDir, "twg-launcher.cmd"),
      content:
        `@echo off\r\nrem Written by "twg upkeep enable" for a checkout; "twg upkeep disable" removes it.\r\n${quoted} %*\r\n`,
    };
  }
  const quoted = [env.execPath, ...runtimeArgs].map(shellQuote).join(" ");
  return {
    path: path.join(options.configDir, "twg-launcher"),
    content:
      `#!/bin/sh\n# Written by "twg upkeep enable" for a checkout; "twg upkeep disable" removes it.\nexec ${quoted} "$@"\n`,
  };
}

/** The programs upkeep may start to show an update notification: exactly those `platform/notify.ts` runs. */
function notifierPrograms(env: Env): string[] {
  return notifierCommands(env.os, { title: "", body: "" }).map((notifier) => notifier.command);
}

function shellQuote(arg: string): string {
  return `'${arg.replaceAll("'", `'\\''`)}'`;
}

function exists(env: Env, path: string): Promise<boolean> {
  return env.fs.stat(path).then(() => true, () => false);
}
