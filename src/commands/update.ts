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
import { type ConfigPaths, configPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { TwgError, UsageError } from "../errors.ts";
import { detectInstallation, type Installation, type InstallKind } from "../install/detect.ts";
import { updateInstallation } from "../install/update.ts";
import { displayPath, styleFor } from "../ui/style.ts";
import { fetchManifest, manifestUrlFor, type ReleaseManifest } from "../install/manifest.ts";
import { checkoutRootFor, howToUpdate } from "../install/how_to_update.ts";
import { type CheckoutStatus, checkoutStatus, checkoutUpdateError } from "../install/checkout.ts";
import { fetchNpmRelease, npmRegistryFor } from "../install/npm_registry.ts";
import { readOwnPackage } from "../install/own_package.ts";
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

/**
 * `twg upgrade --check --json`: the same fields whatever the install and
 * wherever the newest version came from (null when unknown).
 */
export interface UpdateCheckResult {
  current: string;
  /** The newest version on the channel (or `--version`'s); null when nothing says (a checkout). */
  latest: string | null;
  /** Null when it cannot be told without the network (a checkout level with its last fetch). */
  updateAvailable: boolean | null;
  released: string | null;
  notes: string | null;
  /** The channel followed; null for a checkout, which follows its branch. */
  channel: ReleaseChannel | null;
  /** The package manager that owns this install, when one does: it upgrades it. */
  packageManager: string | null;
  /** How this copy was installed. */
  installation: InstallKind;
  /** Where `latest` came from. */
  source: "manifest" | "npm-registry" | null;
  /** The npm registry asked (`source: "npm-registry"`). */
  registry: string | null;
  /** The command that installs `latest` (or updates the checkout); null when there is nothing to run. */
  command: string | null;
  /** A checkout's path and, from its own refs, how far it is behind its upstream. */
  checkout: CheckoutStatus | null;
}

/** Where the release to compare with came from. */
type ReleaseSource =
  | { kind: "manifest" }
  | { kind: "npm-registry"; registry: string; tag: string; packageName: string };

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
  const installation = await detectInstallation(env);
  const known = { current, paths, channel, installation };
  if (!url) return await updateWithoutManifest(env, options, known);
  const manifest = await fetchManifest(env, url, { signal: env.interrupt });
  const target = releaseFor(manifest, channel, options.version);
  await compareAndUpdate(env, options, { ...known, target, source: { kind: "manifest" } });
}

/** What every path of {@link runUpdate} knows before it asks anyone. */
interface Known {
  current: string;
  paths: ConfigPaths;
  channel: ReleaseChannel;
  installation: Installation;
}

/**
 * No release manifest: ask where this copy came from (issue 25, item 8).
 * npm: the npm registry's dist-tag for the channel (`latest` for stable).
 * A checkout: `git pull`, with how far behind its last fetch says it is.
 * Anything else, or npm with no registry to ask: the error that says what
 * to run and which setting names a manifest.
 */
async function updateWithoutManifest(env: Env, options: UpdateOptions, known: Known) {
  const { current, paths, channel, installation } = known;
  const registry = installation.kind === "npm" ? npmRegistryFor(env) : null;
  const unknownDocument = documentOf(known, null);
  if (registry !== null) {
    const packageName = (await readOwnPackage(env)).name;
    const tag = channel === "stable" ? "latest" : channel;
    const source = { kind: "npm-registry", registry, tag, packageName } as const;
    let release;
    try {
      release = await fetchNpmRelease(env, {
        registry,
        packageName,
        tag,
        ...(options.version === undefined ? {} : { version: options.version }),
        signal: env.interrupt,
      });
    } catch (error) {
      throw withDocument(error, { ...unknownDocument, source: source.kind, registry });
    }
    const target: ReleaseManifest = {
      version: release.version,
      released: null,
      notes: null,
      npm: packageName,
      artifacts: {},
    };
    return await compareAndUpdate(env, options, { ...known, target, source });
  }
  const root = await checkoutRootFor(env, installation);
  if (root !== null) return await reportCheckout(env, options, known, root);
  throw withDocument(
    await noManifestError(env, { configDir: paths.dir, currentVersion: current }),
    unknownDocument,
  );
}

/**
 * Compares `target` with the running version and reports (`--check`,
 * `--json`) or installs it the way this copy was installed.
 */
async function compareAndUpdate(
  env: Env,
  options: UpdateOptions,
  known: Known & { target: ReleaseManifest; source: ReleaseSource },
): Promise<void> {
  const { current, paths, channel, installation, target, source } = known;
  const order = compareSemVer(target.version, current);
  const owner = installation.kind === "checkout"
    ? null
    : await packageManagerOf(env, installation.path);
  // Newer than the channel's release with nothing asked for (a build ahead
  // of the manifest or the registry): up to date, never an implicit move back.
  const isExplicit = options.channel !== undefined || options.version !== undefined;
  const isUpToDate = order === 0 || (order < 0 && !isExplicit);
  const backFlags = [
    ...(options.channel === undefined ? [] : [`--channel ${channel}`]),
    ...(options.version === undefined ? [] : [`--version ${target.version}`]),
    "--yes",
  ].join(" ");
  const command = isUpToDate ? null : order < 0 ? `twg upgrade ${backFlags}` : (
    owner?.upgradeCommand ?? await howToUpdate(env, {
      configDir: paths.root,
      currentVersion: current,
      latestVersion: target.version,
    })
  );
  if (options.json) {
    const checkoutRoot = await checkoutRootFor(env, installation);
    const result: UpdateCheckResult = {
      ...documentOf(known, owner),
      latest: target.version,
      updateAvailable: order > 0,
      released: target.released,
      notes: target.notes,
      source: source.kind,
      registry: source.kind === "npm-registry" ? source.registry : null,
      command,
      checkout: checkoutRoot === null ? null : await checkoutStatus(env, checkoutRoot),
    };
    printDocument(env, result);
    return;
  }
  // With --check the answer is the report the command exists for: stdout.
  const report = options.check ? env.stdout : env.stderr;
  const style = styleFor(env, report);
  const onRegistry = source.kind === "npm-registry" ? new URL(source.registry).host : null;
  if (isUpToDate) {
    const where = source.kind === "npm-registry"
      ? `${source.packageName}@${source.tag} on ${onRegistry}`
      : `${channel} channel`;
    report.write(`${style.success("✔")} twg ${current} is up to date (${where})\n`);
    if (!options.check) await rememberChannel(env, paths, channel);
    return;
  }
  if (options.check && order < 0) {
    report.write(
      `twg ${target.version} is older than this twg ${current}: "${command}" moves back to it\n`,
    );
    return;
  }
  if (options.check) {
    const from = onRegistry === null ? "" : ` on ${onRegistry}`;
    report.write(`twg ${current} → ${target.version} available${from}: run "${command}"\n`);
    return;
  }
  if (owner) throw packageManagedError(owner, installation);
  if (order < 0 && !options.yes) {
    throw new UsageError(
      `twg ${target.version} is older than this twg ${current}; nothing was installed`,
      `To move back to it, run "${command}"`,
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

/**
 * A checkout with no manifest: `--check` names the `git pull` that updates
 * it, and says how far behind it is when its own refs tell (nothing is
 * fetched); `update` itself changes nothing (exit 1).
 */
async function reportCheckout(
  env: Env,
  options: UpdateOptions,
  known: Known,
  root: string,
): Promise<void> {
  if (!options.check) throw checkoutUpdateError(env, root, null);
  const status = await checkoutStatus(env, root);
  const shown = displayPath(root, env.homeDir);
  const command = `git -C ${shown} pull`;
  if (options.json) {
    printDocument(env, {
      ...documentOf(known, null),
      // Behind its last fetch: newer commits exist. Level with it: nobody
      // knows without fetching, which --check does not do.
      updateAvailable: status.behind !== null && status.behind > 0 ? true : null,
      channel: null,
      command,
      checkout: status,
    });
    return;
  }
  const lines = [
    `twg ${known.current} runs from the git checkout ${shown}: update it with "${command}"`,
  ];
  if (status.upstream !== null && status.behind !== null) {
    lines.push(
      status.behind > 0
        ? `As of its last fetch, it is ${status.behind} commit${
          status.behind === 1 ? "" : "s"
        } behind ${status.upstream} (nothing was fetched now).`
        : `As of its last fetch, it has every commit of ${status.upstream}; "git pull" fetches newer ones.`,
    );
  } else {
    lines.push("It has no upstream branch git knows of, so twg cannot tell whether it is behind.");
  }
  env.stdout.write(lines.join("\n") + "\n");
}

/** The fields every outcome has, with nothing yet known of the newest version. */
function documentOf(known: Known, owner: PackageManaged | null): UpdateCheckResult {
  return {
    current: known.current,
    latest: null,
    updateAvailable: null,
    released: null,
    notes: null,
    channel: known.channel,
    packageManager: owner?.manager ?? null,
    installation: known.installation.kind,
    source: null,
    registry: null,
    command: null,
    checkout: null,
  };
}

function printDocument(env: Env, result: UpdateCheckResult): void {
  env.stdout.write(JSON.stringify(jsonDocument("update", { ...result }), null, 2) + "\n");
}

/** `error` with the command's document, so a failed `--check --json` keeps every field. */
function withDocument(error: unknown, document: UpdateCheckResult): unknown {
  if (error instanceof TwgError) error.jsonDocument = { ...document };
  return error;
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
