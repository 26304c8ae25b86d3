/**
 * `twg update [--check] [--json]`: compares this version with the release
 * manifest and, unless `--check`, installs the new one the way this copy was
 * installed. Only ever run by the person; upkeep never updates.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { arch } from "node:os";
import { fileURLToPath } from "node:url";
import { commandFailure } from "../../platform/schedule_spec.ts";
import { configPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { messageOf, TwgError, UsageError } from "../errors.ts";
import { displayPath, styleFor, warn } from "../ui/style.ts";
import { installBinaryUpdate } from "../update/binary.ts";
import { checkoutRootOf } from "../update/checkout.ts";
import { denoReinstallArgs, isLocalModule, parseDenoShim } from "../update/deno_install.ts";
import {
  artifactKey,
  fetchManifest,
  manifestUrlFor,
  type ReleaseManifest,
} from "../update/manifest.ts";
import { howToUpdate } from "../update/how_to_update.ts";
import { npmInvocation } from "../update/npm.ts";
import { readOwnPackage } from "../update/own_package.ts";
import { isNewerVersion } from "../update/semver.ts";
import { type Launcher, resolveLauncher } from "../upkeep/launcher.ts";
import { version } from "../version.ts";

/** Options of `twg update`. */
export interface UpdateOptions {
  /** Only report whether a newer version exists. */
  check: boolean;
  /** With `check`: print {@link UpdateCheckResult} on stdout. */
  json: boolean;
  /** This machine's CPU architecture, Node's name for it (`x64`, `arm64`). */
  arch: string;
  /** The running version (default: `src/version.ts`). */
  currentVersion?: string;
}

/** `twg update --check --json`. */
export interface UpdateCheckResult {
  current: string;
  latest: string;
  updateAvailable: boolean;
  released: string | null;
  notes: string | null;
}

/** Declares `twg update`. */
export function updateCommand(env: Env) {
  return new Command("update")
    .description("Install the newest twg, the same way this copy was installed")
    .option("--check", "only say whether a newer version exists")
    .option("--json", "with --check: print the result as JSON on stdout")
    .action(async (options) => {
      await runUpdate(env, {
        check: options.check ?? false,
        json: options.json ?? false,
        // The architecture is a fact of this build, not of the outside
        // world that Env stands for; node:os reads it without a permission.
        arch: arch(),
      });
    });
}

/**
 * Checks the manifest and, unless `check`, updates: npm global, `deno
 * install`, or the compiled binary in place. A checkout is left to `git pull`
 * (exit 1: nothing was installed, so a script must not go on as if it had).
 */
export async function runUpdate(env: Env, options: UpdateOptions): Promise<void> {
  if (options.json && !options.check) {
    throw new UsageError("--json applies only with --check", 'Run "twg update --check --json"');
  }
  const current = options.currentVersion ?? version;
  const paths = configPaths(env);
  const url = await manifestUrlFor(env, paths);
  if (!url) {
    throw new TwgError("No release manifest is configured", {
      hint: 'Set TWG_UPDATE_MANIFEST_URL (or "updateManifestUrl" in config.json) to its URL',
    });
  }
  const manifest = await fetchManifest(env, url, { signal: env.interrupt });
  const isAvailable = isNewerVersion(manifest.version, current);
  // --json comes only with --check (refused above otherwise).
  if (options.json) {
    const result: UpdateCheckResult = {
      current,
      latest: manifest.version,
      updateAvailable: isAvailable,
      released: manifest.released,
      notes: manifest.notes,
    };
    env.stdout.write(JSON.stringify(result, null, 2) + "\n");
    return;
  }
  // With --check the answer is the report the command exists for: stdout.
  const report = options.check ? env.stdout : env.stderr;
  const style = styleFor(env, report);
  if (!isAvailable) {
    report.write(`${style.success("✔")} twg ${current} is up to date\n`);
    return;
  }
  if (options.check) {
    const command = await howToUpdate(env, {
      configDir: paths.dir,
      currentVersion: current,
      latestVersion: manifest.version,
      npmPackage: manifest.npm,
    });
    report.write(`twg ${current} → ${manifest.version} available: run "${command}"\n`);
    return;
  }
  const launcher = await resolveLauncher(env, { configDir: paths.dir, netHosts: [] });
  await installUpdate(env, launcher, manifest, { current, arch: options.arch });
  env.stderr.write(`${style.success("✔")} Updated twg ${current} → ${manifest.version}\n`);
}

async function installUpdate(
  env: Env,
  launcher: Launcher,
  manifest: ReleaseManifest,
  context: { current: string; arch: string },
): Promise<void> {
  switch (launcher.kind) {
    case "npm":
      return await updateWithNpm(env, manifest);
    case "deno-install":
      return await updateWithDeno(env, launcher.path, manifest, context.current);
    case "compiled":
      return await updateCompiled(env, manifest, context.arch);
    case "checkout":
      throw checkoutError(env, checkoutRootOf(env.mainPath), manifest.version);
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
    throw checkoutError(env, checkoutRootOf(fileURLToPath(shim.module)), manifest.version);
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

function checkoutError(env: Env, root: string, latest: string): TwgError {
  return new TwgError(
    `This twg runs from a checkout (${displayPath(root, env.homeDir)}), which twg does not change`,
    { hint: `Update the checkout to ${latest} with "git -C ${root} pull"` },
  );
}
