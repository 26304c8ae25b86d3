/**
 * A copy of twg that runs from a source checkout: `twg update` and
 * `twg uninstall` leave the checkout to the person (it is their working
 * tree), and the upkeep schedule starts it through a small launcher script
 * in the config directory.
 *
 * @module
 */
import { dirname, posix, win32 } from "node:path";
import { notifierCommands } from "../../platform/notify.ts";
import type { Env } from "../env.ts";
import { TwgError, UsageError } from "../errors.ts";
import { permissionFlag } from "../permission_list.ts";
import { displayPath } from "../ui/style.ts";
import { isDenoRuntime } from "./detect.ts";

/**
 * The checkout's root, from the entry point `<root>/src/main.ts`.
 *
 * @example
 * ```ts
 * import { checkoutRootOf } from "./checkout.ts";
 *
 * checkoutRootOf("/home/ada/src/twg/src/main.ts"); // "/home/ada/src/twg"
 * ```
 */
export function checkoutRootOf(mainPath: string): string {
  return dirname(dirname(mainPath));
}

/**
 * Why `twg update` changes nothing in a checkout (exit 1), and the command
 * that does; `latest` when a release manifest named the newest version.
 */
export function checkoutUpdateError(env: Env, root: string, latest: string | null): TwgError {
  return new TwgError(
    `This twg runs from a checkout (${displayPath(root, env.homeDir)}), which twg does not change`,
    {
      hint: latest === null
        ? `Update the checkout with "git -C ${root} pull"`
        : `Update the checkout to ${latest} with "git -C ${root} pull"`,
    },
  );
}

/** What the checkout's own refs say, without the network. */
export interface CheckoutStatus {
  /** The checkout's root. */
  path: string;
  /** The branch `git pull` merges from (`origin/main`), or `null` when none is set or git cannot tell. */
  upstream: string | null;
  /** Commits of `upstream` that HEAD lacks, as of the last fetch; `null` when unknown. */
  behind: number | null;
}

/**
 * How far the checkout at `root` is behind its upstream branch, as its last
 * fetch left the remote-tracking ref: `git rev-parse --abbrev-ref
 * --symbolic-full-name @{upstream}` names the branch it "is set to build on
 * top of" (gitrevisions(7), "@{upstream}"), `git rev-list --count
 * HEAD..@{upstream}` counts the commits HEAD lacks. Both read local refs only:
 * nothing is fetched, nothing in the repository changes. No git, not a
 * repository, no upstream: `upstream` and `behind` are `null`.
 *
 * @example
 * ```ts ignore
 * await checkoutStatus(env, "/home/ada/src/twg");
 * // { path: "/home/ada/src/twg", upstream: "origin/main", behind: 3 }
 * ```
 */
export async function checkoutStatus(env: Env, root: string): Promise<CheckoutStatus> {
  const unknown = { path: root, upstream: null, behind: null };
  try {
    const named = await env.run("git", [
      "-C",
      root,
      "rev-parse",
      "--abbrev-ref",
      "--symbolic-full-name",
      "@{upstream}",
    ]);
    const upstream = named.stdout.trim();
    if (named.code !== 0 || !upstream) return unknown;
    const counted = await env.run("git", ["-C", root, "rev-list", "--count", "HEAD..@{upstream}"]);
    const count = counted.stdout.trim();
    return {
      path: root,
      upstream,
      behind: counted.code === 0 && /^\d+$/.test(count) ? Number(count) : null,
    };
  } catch {
    // git cannot be started at all (a runtime permission, say): unknown, not a failure.
    return unknown;
  }
}

/** What the launcher script may reach. */
export interface CheckoutLauncherOptions {
  /** The config directory: with {@link accessTokenDir}, the only places the upkeep job may write. */
  configDir: string;
  /** The access-token files' directory, which upkeep keeps fresh for sandboxes. */
  accessTokenDir?: string;
  /** Hosts the upkeep job may reach (Deno `--allow-net`): the issuer's and the update manifest's. */
  netHosts: string[];
  /** The stored sign-in uses the keyring backend: the job may load its addon (`--allow-ffi`). */
  keyring?: boolean;
  /**
   * Where the launcher goes: the per-user data directory, never the config
   * directory an agent may be told to make writable (default: `configDir`,
   * for callers that only render).
   */
  launcherDir?: string;
  /**
   * The token keeper's socket, which `auth serve` binds (its directory
   * writable) and probes for a running keeper: Deno 2 asks `--allow-net`
   * for a Unix socket too, as `unix:<path>` (seen with Deno 2.9).
   */
  socketPath?: string | null;
}

/** A script twg writes, with its path and text. */
export interface LauncherScript {
  path: string;
  content: string;
}

/**
 * The script the upkeep schedule starts for a checkout: it runs this
 * checkout with least-privilege Deno permissions (read, env, write to the
 * config dir only, net to the known hosts, run for the notifiers), so
 * upkeep itself shows the permission model at work. `twg-launcher` (a
 * POSIX shell script) or `twg-launcher.cmd`, in the config directory.
 *
 * @example
 * ```ts ignore
 * const script = checkoutLauncherScript(env, { configDir: paths.dir, netHosts: ["auth.example.com"] });
 * script.path; // "/home/ada/.config/twg/twg-launcher"
 * ```
 */
export function checkoutLauncherScript(
  env: Env,
  options: CheckoutLauncherOptions,
): LauncherScript {
  const path = env.os === "windows" ? win32 : posix;
  const socket = options.socketPath ?? null;
  const netAllowed = [...options.netHosts, ...(socket ? [`unix:${socket}`] : [])];
  const writeFlag = permissionFlag("allow-write", [
    options.configDir,
    ...(options.accessTokenDir ? [options.accessTokenDir] : []),
    ...(socket ? [dirname(socket)] : []),
  ]);
  if (isDenoRuntime(env) && writeFlag === null) {
    // Deno would split the path at the comma and grant each part.
    if (options.configDir.includes(",") || options.configDir === "") {
      throw new UsageError(
        `The config directory "${options.configDir}" has a comma in its path, which Deno's permission flags cannot express`,
        "Point TWG_CONFIG_DIR at a directory whose path has no comma, then run the command again",
      );
    }
    throw new UsageError(
      `The token keeper's socket "${socket}" has a comma in its path, which Deno's permission flags cannot express`,
      "Point TWG_BROKER_SOCKET at a path without a comma, then run the command again",
    );
  }
  const runtimeArgs = isDenoRuntime(env)
    ? [
      "run",
      "--quiet",
      "--no-prompt",
      "--allow-read",
      "--allow-env",
      "--allow-sys=hostname,uid",
      writeFlag!,
      ...(netAllowed.length > 0 ? [`--allow-net=${netAllowed.join(",")}`] : []),
      `--allow-run=${notifierPrograms(env).join(",")}`,
      ...(options.keyring ? ["--allow-ffi"] : []),
      env.mainPath,
    ]
    : [env.mainPath];
  if (env.os === "windows") {
    const quoted = [env.execPath, ...runtimeArgs].map((arg) => `"${arg}"`).join(" ");
    return {
      path: path.join(options.launcherDir ?? options.configDir, "twg-launcher.cmd"),
      content:
        `@echo off\r\nrem Written by "twg upkeep enable" for a checkout; "twg upkeep disable" removes it.\r\n${quoted} %*\r\n`,
    };
  }
  const quoted = [env.execPath, ...runtimeArgs].map(shellQuote).join(" ");
  return {
    path: path.join(options.launcherDir ?? options.configDir, "twg-launcher"),
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
