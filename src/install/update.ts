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
import { displayPath } from "../ui/style.ts";
import { artifactKey, type ReleaseManifest } from "../update/manifest.ts";
import { checkoutRootOf, checkoutUpdateError } from "./checkout.ts";
import { installBinaryUpdate } from "./compiled.ts";
import { denoReinstallArgs, isLocalModule, parseDenoShim } from "./deno_install.ts";
import type { Installation } from "./detect.ts";
import { npmInvocation } from "./npm.ts";

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
  if (!manifest.npm) {
    throw new TwgError(`The release manifest names no npm package for twg ${manifest.version}`);
  }
  const npm = npmInvocation(env);
  const args = ["install", "-g", `${manifest.npm}@${manifest.version}`];
  await runInstaller(env, npm.command, [...npm.args, ...args], `npm ${args.join(" ")}`);
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
  await runInstaller(env, "deno", args, `deno ${args.join(" ")}`);
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
