/**
 * `twg update [--check] [--json]`: compares this version with the release
 * manifest and, unless `--check`, installs the new one the way this copy was
 * installed. Only ever run by the person; upkeep never updates.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { arch } from "node:os";
import { configPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { UsageError } from "../errors.ts";
import { detectInstallation } from "../install/detect.ts";
import { updateInstallation } from "../install/update.ts";
import { styleFor } from "../ui/style.ts";
import { fetchManifest, manifestUrlFor } from "../install/manifest.ts";
import { howToUpdate } from "../install/how_to_update.ts";
import { isNewerVersion } from "../install/semver.ts";
import { version } from "../version.ts";
import { noManifestError } from "../install/no_manifest.ts";
import { jsonDocument } from "../json_documents.ts";

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
  if (!url) throw await noManifestError(env, { configDir: paths.dir, currentVersion: current });
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
    env.stdout.write(JSON.stringify(jsonDocument("update", { ...result }), null, 2) + "\n");
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
    });
    report.write(`twg ${current} → ${manifest.version} available: run "${command}"\n`);
    return;
  }
  await updateInstallation(env, await detectInstallation(env), manifest, {
    currentVersion: current,
    arch: options.arch,
  });
  env.stderr.write(`${style.success("✔")} Updated twg ${current} → ${manifest.version}\n`);
}
