/**
 * Turning this installation into a {@link ScheduleSpec}, and enabling or
 * disabling the schedule with nothing left half-installed.
 *
 * @module
 */
import { schedulerFor } from "../../platform/mod.ts";
import type { RenderedFile } from "../../platform/rendered_file.ts";
import type { Scheduler, ScheduleSpec } from "../../platform/schedule_spec.ts";
import {
  accessTokenDir,
  brokerSocketPath,
  type ConfigPaths,
  configPaths,
  dataDir,
} from "../config/paths.ts";
import { assertOwnedByUser } from "../safe_files/ownership.ts";
import { loadSettings } from "../config/settings.ts";
import { joinPath, parentDir } from "../lean_path.ts";
import { pinsAtEnable } from "./pins.ts";
import { writeFileAtomic } from "../safe_files/atomic_write.ts";
import { readCredentials } from "../credentials/store.ts";
import { ensureConfigDir } from "../safe_files/config_dir.ts";
import type { Env, OsName } from "../env.ts";
import { isAbortError, messageOf, TwgError } from "../errors.ts";
import { displayPath, styleFor, warn } from "../ui/style.ts";
import {
  readUpkeepState,
  updateUpkeepState,
  type UpkeepState,
  writeUpkeepState,
} from "../config/upkeep_state.ts";
import { checkoutLauncherScript, type LauncherScript } from "../install/checkout.ts";
import { detectInstallation, type Installation } from "../install/detect.ts";
import { backendOf } from "../credentials/keyring.ts";

/** Every 12 minutes: 5 runs an hour keep a 75%-due token from ever expiring unseen. */
export const upkeepIntervalMinutes = 12;

/**
 * What the schedule starts: the installation's own program, or, for a
 * checkout, a launcher script twg writes first (see `src/install/checkout.ts`).
 */
export interface Launcher {
  installation: Installation;
  path: string;
  args: string[];
  /** The launcher script to write (a checkout only). */
  script: LauncherScript | null;
}

/** The launcher for this installation. */
async function launcherFor(env: Env, paths: ConfigPaths): Promise<Launcher> {
  const installation = await detectInstallation(env);
  if (installation.kind !== "checkout") {
    return { installation, path: installation.path, args: [], script: null };
  }
  const script = checkoutLauncherScript(env, {
    configDir: paths.root,
    accessTokenDir: accessTokenDir(env),
    launcherDir: dataDir(env),
    netHosts: await knownHosts(env, paths),
    // The keeper's socket: `auth serve` creates its directory and binds there.
    socketPath: env.os === "windows" ? null : brokerSocketPath(env),
    // The refresh reads the keyring's key; the job runs in the login session, where it is unlocked.
    keyring: backendOf(
      (await readCredentials(env, paths.authConf).catch(() => null))?.oauth?.refreshToken,
    ) === "keyring",
  });
  return { installation, path: script.path, args: [], script };
}

/** The spec and launcher for this installation. */
export async function scheduleSpecFor(
  env: Env,
  paths: ConfigPaths,
): Promise<{ spec: ScheduleSpec; launcher: Launcher }> {
  const launcher = await launcherFor(env, paths);
  // The job sees only these (never secrets): where updates are announced,
  // and whether the person asked for no update notifications.
  const environment: Record<string, string> = {};
  for (const name of ["TWG_UPDATE_MANIFEST_URL", "NO_UPDATE_NOTIFIER"]) {
    const value = env.getVar(name);
    if (value) environment[name] = value;
  }
  // Pinned here, in the scheduler's own file, not read later from files a
  // sandbox may be told to write (src/upkeep/pins.ts).
  const settings = await loadSettings(env, paths.configJson).catch(() => null);
  if (!environment.TWG_UPDATE_MANIFEST_URL && settings?.manifestUrl) {
    environment.TWG_UPDATE_MANIFEST_URL = settings.manifestUrl;
  }
  const stored = (await readCredentials(env, paths.authConf).catch(() => null))?.oauth;
  Object.assign(
    environment,
    await pinsAtEnable({
      issuer: stored?.issuer ?? settings?.issuer ?? null,
      tokenEndpoint: stored?.tokenEndpoint || null,
      launcher: launcher.script,
    }),
  );
  return {
    launcher,
    spec: {
      launcher: launcher.path,
      launcherArgs: launcher.args,
      homeDir: env.homeDir,
      configDir: paths.root,
      environment,
      intervalMinutes: upkeepIntervalMinutes,
      // The keeper listens where clients look for it by default, decided
      // here: launchd gives its agents no $TMPDIR of the login shell's.
      ...(env.os === "windows" ? {} : { keeperSocket: brokerSocketPath(env) }),
    },
  };
}

/** The files `upkeep enable` would write for `os`, the launcher script included. */
export async function renderSchedule(
  env: Env,
  paths: ConfigPaths,
  os: OsName,
): Promise<RenderedFile[]> {
  const { spec, launcher } = await scheduleSpecFor(env, paths);
  const files = schedulerFor(os).render(spec);
  return launcher.script ? [{ ...launcher.script, encoding: "utf-8" }, ...files] : files;
}

/**
 * Installs the schedule; on failure removes what it wrote, records why, and
 * throws a typed error (the scheduler's own, or one naming the launcher
 * script that could not be written).
 */
export async function enableUpkeep(
  env: Env,
  paths: ConfigPaths,
): Promise<{ scheduler: Scheduler; files: string[]; launcher: Launcher }> {
  const scheduler = schedulerFor(env.os);
  const { spec, launcher } = await scheduleSpecFor(env, paths);
  // A spec the format cannot hold (a line break in a path) is a usage
  // error before anything is written, the state included.
  const rendered = scheduler.render(spec);
  // The scheduler's directories must be this user's own before anything is
  // written into them (group-writable is fine: with umask 002,
  // ~/.config/systemd/user is 0775 and the group is the person alone).
  for (const dir of new Set(rendered.map((file) => parentDir(file.path)))) {
    await assertOwnedByUser(env, dir, "directory", { allowGroupWrite: true });
  }
  try {
    if (launcher.script) {
      await ensureConfigDir(env, paths.root);
      const dir = parentDir(launcher.script.path);
      await env.fs.mkdir(dir, { recursive: true, mode: 0o700 });
      await assertOwnedByUser(env, dir, "directory");
      // Replaced, never written through: a symlink planted at its name stays a dangling question.
      await writeFileAtomic(env, launcher.script.path, launcher.script.content, 0o755);
      // An older twg kept it in the config directory, which a sandbox may write.
      await env.fs.rm(joinPath(paths.root, "twg-launcher"), { force: true });
    }
    await scheduler.install(env, spec);
  } catch (error) {
    if (launcher.script) await env.fs.rm(launcher.script.path, { force: true });
    const message = messageOf(error);
    await updateUpkeepState(env, paths.upkeepJson, (state) => ({
      ...state,
      enabled: false,
      scheduler: null,
      enableError: message,
    })).catch(() => {
      // A config directory that cannot be written is what failed; say that.
    });
    if (error instanceof TwgError || isAbortError(error)) throw error;
    throw new TwgError(`Cannot enable upkeep: ${message}`, {
      hint: 'Fix what the message names, then run "twg upkeep enable" again',
      cause: error,
    });
  }
  await recordState(env, paths, "upkeep enable", (state) => ({
    ...state,
    enabled: true,
    scheduler: scheduler.name,
    enableError: null,
  }));
  const files = rendered.map((file) => file.path);
  return { scheduler, files: launcher.script ? [launcher.script.path, ...files] : files, launcher };
}

/**
 * `twg upkeep enable` (and the last step of `twg setup`): installs the
 * schedule and says on stderr what was written where.
 *
 * @example
 * ```ts ignore
 * await enableUpkeepAndReport(env);
 * // ✔ Upkeep enabled: systemd runs "twg upkeep run" every 12 minutes
 * ```
 */
export async function enableUpkeepAndReport(env: Env): Promise<void> {
  const { scheduler, files, launcher } = await enableUpkeep(env, configPaths(env));
  const check = styleFor(env, env.stderr).success("✔");
  env.stderr.write(
    `${check} Upkeep enabled: ${scheduler.name} runs "twg upkeep run" every ${upkeepIntervalMinutes} minutes\n`,
  );
  if (env.os !== "windows") {
    env.stderr.write(
      `${check} ${scheduler.name} also keeps the token keeper ("twg auth serve") running, for sandboxes\n`,
    );
  }
  for (const file of files) env.stderr.write(`  ${displayPath(file, env.homeDir)}\n`);
  env.stderr.write(
    '  "twg upkeep status" shows what it last did; "twg upkeep disable" removes it.\n',
  );
  // npx keeps its packages in a cache it may clean: a schedule that starts
  // Deno from there stops working one day, silently.
  if (launcher.installation.kind === "checkout" && /[\\/]_npx[\\/]/.test(env.execPath)) {
    warn(
      env,
      `The schedule starts Deno from npx's cache (${env.execPath}); install Deno (npm install -g deno) and run "twg upkeep enable" again`,
    );
  }
}

/** What `disableUpkeep` found and did. */
export interface DisabledUpkeep {
  scheduler: Scheduler;
  /** Whether a schedule was there to remove, as upkeep.json recorded it. */
  wasInstalled: boolean;
}

/** Removes the schedule and the launcher script; harmless when nothing is installed. */
export async function disableUpkeep(env: Env, paths: ConfigPaths): Promise<DisabledUpkeep> {
  const scheduler = schedulerFor(env.os);
  const { spec, launcher } = await scheduleSpecFor(env, paths);
  // Read first, so that "removed" is never said of what was never installed:
  // upkeep.json records every successful enable (and a failed one as not enabled).
  const recorded = await readUpkeepState(env, paths.upkeepJson).catch(() => null);
  const wasInstalled = recorded?.enabled ?? false;
  await scheduler.uninstall(env, spec);
  await recordState(env, paths, "upkeep disable", async (state) => {
    if (launcher.script) await env.fs.rm(launcher.script.path, { force: true });
    await env.fs.rm(joinPath(paths.root, "twg-launcher"), { force: true });
    // The errors were about the schedule just removed: status must not keep
    // showing them as if they still applied.
    return { ...state, enabled: false, scheduler: null, lastError: null, enableError: null };
  });
  return { scheduler, wasInstalled };
}

/**
 * Records in `upkeep.json` what enabling or disabling did to the schedule.
 * A config directory that cannot be written (a sandbox, a read-only mount)
 * is a typed error that says the schedule itself was changed.
 */
async function recordState(
  env: Env,
  paths: ConfigPaths,
  command: "upkeep enable" | "upkeep disable",
  change: (state: UpkeepState) => UpkeepState | Promise<UpkeepState>,
): Promise<void> {
  try {
    const next = await change(await readUpkeepState(env, paths.upkeepJson));
    await writeUpkeepState(env, paths.upkeepJson, next);
  } catch (error) {
    if (isAbortError(error)) throw error;
    const done = command === "upkeep enable" ? "scheduled" : "unscheduled";
    throw new TwgError(
      `Upkeep is ${done}, but ${displayPath(paths.root, env.homeDir)} cannot be updated: ${
        messageOf(error)
      }`,
      {
        hint: `Run "twg ${command}" again where the config directory can be written`,
        cause: error,
      },
    );
  }
}

async function knownHosts(env: Env, paths: ConfigPaths): Promise<string[]> {
  const hosts = new Set<string>();
  const add = (url: string | null | undefined) => {
    try {
      if (url) hosts.add(new URL(url).host);
    } catch {
      // Not a URL: nothing to allow.
    }
  };
  const settings = await loadSettings(env, paths.configJson).catch(() => null);
  add(settings?.issuer);
  add(settings?.manifestUrl);
  const stored = await readCredentials(env, paths.authConf).catch(() => null);
  add(stored?.oauth?.tokenEndpoint);
  add(stored?.oauth?.issuer);
  return [...hosts].sort();
}
