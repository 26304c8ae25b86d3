/**
 * Installing a newer release the way this copy was installed: npm for the
 * npm package, `deno install` again for a shim, the binary replaced in place
 * for a compiled twg. A checkout is left to `git pull`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { commandFailure } from "../../platform/failure.ts";
import type { Env } from "../env.ts";
import { messageOf, TwgError } from "../errors.ts";
import { displayPath, warn } from "../ui/style.ts";
import { artifactKey, type ReleaseManifest } from "./manifest.ts";
import { checkoutRootOf, checkoutUpdateError } from "./checkout.ts";
import { installBinaryUpdate } from "./compiled.ts";
import { denoReinstallArgs, isLocalModule, parseDenoShim } from "./deno_install.ts";
import type { Installation } from "./detect.ts";
import { npmInvocation } from "./npm.ts";
import { readOwnPackage } from "./own_package.ts";

/** What {@link updateInstallation} needs besides the installation and the release. */
export interface UpdateInstallationOptions {
  /** The running version. */
  currentVersion: string;
  /** This machine's CPU architecture, Node's name for it (`x64`, `arm64`). */
  arch: string;
}

/**
 * Installs `manifest`'s release over `installation`. Progress goes to
 * stderr; a failed installer, a missing artifact or a checkout is a
 * {@link TwgError} that says what to run instead (exit 1), a failed download
 * a network error (exit 5).
 *
 * @example
 * ```ts ignore
 * await updateInstallation(env, await detectInstallation(env), manifest, {
 *   currentVersion: "0.1.0",
 *   arch: "x64",
 * });
 * ```
 */
export async function updateInstallation(
  env: Env,
  installation: Installation,
  manifest: ReleaseManifest,
  options: UpdateInstallationOptions,
): Promise<void> {
  switch (installation.kind) {
    case "npm":
      return await updateWithNpm(env, manifest);
    case "deno-install":
      return await updateWithDeno(env, installation.path, manifest, options.currentVersion);
    case "compiled":
      return await updateCompiled(env, manifest, options.arch);
    case "checkout":
      throw checkoutUpdateError(env, checkoutRootOf(env.mainPath), manifest.version);
  }
}

async function updateWithNpm(env: Env, manifest: ReleaseManifest): Promise<void> {
  // The package is this copy's own (its package.json), never the manifest's
  // "npm": a manifest that could name the package could install anything.
  const own = await readOwnPackage(env);
  if (manifest.npm !== null && manifest.npm !== own.name) {
    warn(env, `The release manifest names npm package ${manifest.npm}; updating ${own.name}`);
  }
  const npm = npmInvocation(env);
  const args = ["install", "-g", `${own.name}@${manifest.version}`];
  const shown = `npm ${args.join(" ")}`;
  await runInstaller(env, npm.command, [...npm.args, ...args], shown);
  const installed = await readOwnPackage(env).then((after) => after.version, () => null);
  if (installed !== manifest.version) {
    throw new TwgError(
      `"${shown}" finished, but ${own.name} ${
        installed ?? "(unreadable)"
      } is installed, not ${manifest.version}`,
      { hint: `Run "${shown}" yourself to see what went wrong` },
    );
  }
}

async function updateWithDeno(
  env: Env,
  shimPath: string,
  manifest: ReleaseManifest,
  current: string,
): Promise<void> {
  let shim;
  try {
    shim = parseDenoShim(await env.fs.readFile(shimPath, "utf8"), env.os);
  } catch (error) {
    const shown = displayPath(shimPath, env.homeDir);
    throw new TwgError(`Cannot read the "deno install" shim "${shown}": ${messageOf(error)}`, {
      cause: error,
    });
  }
  if (isLocalModule(shim.module)) {
    throw checkoutUpdateError(env, checkoutRootOf(fileURLToPath(shim.module)), manifest.version);
  }
  const args = denoReinstallArgs(shim, { fromVersion: current, toVersion: manifest.version });
  const shown = `deno ${args.join(" ")}`;
  await runInstaller(env, "deno", args, shown);
  await assertDenoShimUpdated(env, shimPath, shim.module, manifest.version, shown);
}

/**
 * After `deno install`, the shim must run the new version: a pinned
 * specifier names it; an unpinned one (reinstalled with --reload) is asked
 * for its version (`twg --version`), except on Windows, where the shim is a
 * .cmd that twg cannot start without a shell.
 */
async function assertDenoShimUpdated(
  env: Env,
  shimPath: string,
  previousModule: string,
  wanted: string,
  shown: string,
): Promise<void> {
  let module: string | null = null;
  try {
    module = parseDenoShim(await env.fs.readFile(shimPath, "utf8"), env.os).module;
  } catch {
    // Reported below as not updated.
  }
  if (module !== null && module !== previousModule && module.includes(wanted)) return;
  if (module !== null && module === previousModule && !/\d+\.\d+\.\d+/.test(module)) {
    if (env.os === "windows") return;
    const result = await env.run(shimPath, ["--version"]);
    if (result.code === 0 && result.stdout.includes(wanted)) return;
  }
  throw new TwgError(`"${shown}" finished, but "${shimPath}" does not run twg ${wanted}`, {
    hint: `Run "${shown}" yourself to see what went wrong`,
  });
}

async function updateCompiled(env: Env, manifest: ReleaseManifest, cpu: string): Promise<void> {
  const key = artifactKey(env.os, cpu);
  const artifact = manifest.artifacts[key];
  if (!artifact) {
    throw new TwgError(`The release manifest has no ${key} binary for twg ${manifest.version}`, {
      hint: "Download it from the release notes, or install twg with npm or deno instead",
    });
  }
  env.stderr.write(`Downloading twg ${manifest.version} (${key})…\n`);
  await installBinaryUpdate(env, { artifact, binaryPath: env.execPath, version: manifest.version });
}

async function runInstaller(
  env: Env,
  command: string,
  args: string[],
  shown: string,
): Promise<void> {
  env.stderr.write(`Running "${shown}"…\n`);
  const result = await env.run(command, args);
  if (result.code !== 0) {
    throw new TwgError(`"${shown}" failed with ${commandFailure(result)}`, {
      hint: `Run "${shown}" yourself to see what went wrong`,
    });
  }
}
