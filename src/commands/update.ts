/**
 * `twg upgrade [--check] [--channel beta|stable] [--version X] [--yes]`
 * (`update` is its older name, kept as an alias): compares this version
 * with the release manifest's channel and, unless `--check`, installs the
 * release the way this copy was installed. An older version needs `--yes`;
 * an install owned by a system package manager is never replaced, the
 * message names that package manager's command. Only ever run by the
 * person; upkeep never upgrades.
 *
 * Atlassian's twg has the same command (the issue cites its 1.1–1.2
 * changelog); the search corpus holds its changelog only up to 1.0.4, so
 * the flags follow the description.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { arch } from "node:os";
import { configPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { TwgError, UsageError } from "../errors.ts";
import { detectInstallation, type Installation } from "../install/detect.ts";
import { updateInstallation } from "../install/update.ts";
import { styleFor } from "../ui/style.ts";
import { fetchManifest, manifestUrlFor, type ReleaseManifest } from "../install/manifest.ts";
import { howToUpdate } from "../install/how_to_update.ts";
import { compareSemVer, isSemVer } from "../install/semver.ts";
import {
  currentChannel,
  parseChannel,
  type ReleaseChannel,
  releaseOn,
  rememberChannel,
} from "../install/channel.ts";
import { type PackageManaged, packageManagerOf } from "../install/package_manager.ts";
import { version } from "../version.ts";
import { noManifestError } from "../install/no_manifest.ts";
import { jsonDocument } from "../json_documents.ts";

/** Options of `twg upgrade`. */
export interface UpdateOptions {
  /** Only report whether a newer version exists. */
  check: boolean;
  /** With `check`: print {@link UpdateCheckResult} on stdout. */
  json: boolean;
  /** This machine's CPU architecture, Node's name for it (`x64`, `arm64`). */
  arch: string;
  /** The running version (default: `src/version.ts`). */
  currentVersion?: string;
  /** Switch to this channel (remembered once the upgrade is done). */
  channel?: string;
  /** Install exactly this version. */
  version?: string;
  /** Allow moving to an older version. */
  yes?: boolean;
}

/** `twg upgrade --check --json`. */
export interface UpdateCheckResult {
  current: string;
  latest: string;
  updateAvailable: boolean;
  released: string | null;
  notes: string | null;
  channel: ReleaseChannel;
  /** The package manager that owns this install, when one does: it upgrades it. */
  packageManager: string | null;
}

/** Declares `twg upgrade` (alias `update`). */
export function updateCommand(env: Env) {
  return new Command("upgrade")
    .alias("update")
    .description("Install the newest twg, the same way this copy was installed")
    .option("--check", "only say whether a newer version exists")
    .option("--json", "with --check: print the result as JSON on stdout")
    .option("--channel <channel>", "follow this release channel from now on: stable or beta")
    .option("--version <version>", "install exactly this version")
    .option("--yes", "allow moving to an older version")
    .action(async (options) => {
      await runUpdate(env, {
        check: options.check ?? false,
        json: options.json ?? false,
        // The architecture is a fact of this build, not of the outside
        // world that Env stands for; node:os reads it without a permission.
        arch: arch(),
        ...(options.channel === undefined ? {} : { channel: options.channel }),
        ...(options.version === undefined ? {} : { version: options.version }),
        ...(options.yes ? { yes: true } : {}),
      });
    });
}

/**
 * Checks the manifest and, unless `check`, upgrades: npm global, `deno
 * install`, or the compiled binary in place. A checkout is left to `git pull`
 * (exit 1: nothing was installed, so a script must not go on as if it had);
 * a package-managed install to its package manager (exit 1, its command named).
 */
export async function runUpdate(env: Env, options: UpdateOptions): Promise<void> {
  if (options.json && !options.check) {
    throw new UsageError("--json applies only with --check", 'Run "twg upgrade --check --json"');
  }
  if (options.version !== undefined && !isSemVer(options.version)) {
    throw new UsageError(
      `"${options.version}" is not a version`,
      'Give one like "twg upgrade --version 1.2.0"',
    );
  }
  const current = options.currentVersion ?? version;
  const paths = configPaths(env);
  const channel = options.channel === undefined
    ? await currentChannel(env, paths)
    : parseChannel(options.channel);
  const url = await manifestUrlFor(env, paths);
  if (!url) throw await noManifestError(env, { configDir: paths.dir, currentVersion: current });
  const manifest = await fetchManifest(env, url, { signal: env.interrupt });
  const target = releaseFor(manifest, channel, options.version);
  const order = compareSemVer(target.version, current);
  const installation = await detectInstallation(env);
  const owner = installation.kind === "checkout"
    ? null
    : await packageManagerOf(env, installation.path);
  if (options.json) {
    const result: UpdateCheckResult = {
      current,
      latest: target.version,
      updateAvailable: order > 0,
      released: target.released,
      notes: target.notes,
      channel,
      packageManager: owner?.manager ?? null,
    };
    env.stdout.write(JSON.stringify(jsonDocument("update", { ...result }), null, 2) + "\n");
    return;
  }
  // With --check the answer is the report the command exists for: stdout.
  const report = options.check ? env.stdout : env.stderr;
  const style = styleFor(env, report);
  // Newer than the channel's release with nothing asked for (a build ahead
  // of the manifest): up to date, never an implicit move back.
  const isExplicit = options.channel !== undefined || options.version !== undefined;
  if (order === 0 || (order < 0 && !isExplicit)) {
    report.write(`${style.success("✔")} twg ${current} is up to date (${channel} channel)\n`);
    if (!options.check) await rememberChannel(env, paths, channel);
    return;
  }
  const backFlags = [
    ...(options.channel === undefined ? [] : [`--channel ${channel}`]),
    ...(options.version === undefined ? [] : [`--version ${target.version}`]),
    "--yes",
  ].join(" ");
  if (options.check && order < 0) {
    report.write(
      `twg ${target.version} is older than this twg ${current}: "twg upgrade ${backFlags}" ` +
        "moves back to it\n",
    );
    return;
  }
  if (options.check) {
    const command = owner?.upgradeCommand ?? await howToUpdate(env, {
      configDir: paths.root,
      currentVersion: current,
      latestVersion: target.version,
    });
    report.write(`twg ${current} → ${target.version} available: run "${command}"\n`);
    return;
  }
  if (owner) throw packageManagedError(owner, installation);
  if (order < 0 && !options.yes) {
    throw new UsageError(
      `twg ${target.version} is older than this twg ${current}; nothing was installed`,
      `To move back to it, run "twg upgrade ${backFlags}"`,
    );
  }
  await updateInstallation(env, installation, target, {
    currentVersion: current,
    arch: options.arch,
  });
  await rememberChannel(env, paths, channel);
  const verb = order < 0 ? "Moved" : "Updated";
  env.stderr.write(`${style.success("✔")} ${verb} twg ${current} → ${target.version}\n`);
}

/** The release to install: `--version`'s (described by the manifest when it lists it), else the channel's. */
function releaseFor(
  manifest: ReleaseManifest,
  channel: ReleaseChannel,
  wanted: string | undefined,
): ReleaseManifest {
  const onChannel = releaseOn(manifest, channel);
  if (wanted === undefined) return onChannel;
  const listed = [manifest, ...Object.values(manifest.channels ?? {})]
    .find((release) => compareSemVer(release.version, wanted) === 0);
  // Not listed: npm and deno install can still fetch it; a compiled binary
  // has no artifact for it and says so.
  return listed ?? {
    version: wanted,
    released: null,
    notes: null,
    npm: manifest.npm,
    artifacts: {},
  };
}

function packageManagedError(owner: PackageManaged, installation: Installation): TwgError {
  const names: Record<PackageManaged["manager"], string> = {
    dpkg: "a Debian package",
    rpm: "an RPM package",
    homebrew: "Homebrew",
    "macos-pkg": "a macOS installer package",
    msi: "an MSI package",
  };
  return new TwgError(
    `${installation.path} was installed by ${names[owner.manager]} (${owner.packageName}); ` +
      "twg never replaces files a package manager owns",
    { hint: `Upgrade it there: run "${owner.upgradeCommand}"`, code: "package-managed" },
  );
}
