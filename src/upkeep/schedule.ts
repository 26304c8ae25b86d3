/**
 * Turning this installation into a {@link ScheduleSpec}, and enabling or
 * disabling the schedule with nothing left half-installed.
 *
 * @module
 */
import { schedulerFor } from "../../platform/mod.ts";
import type { RenderedFile, Scheduler, ScheduleSpec } from "../../platform/schedule_spec.ts";
import type { ConfigPaths } from "../config/paths.ts";
import { loadSettings } from "../config/settings.ts";
import { writeFileAtomic } from "../credentials/atomic_write.ts";
import { ensureConfigDir, readCredentials } from "../credentials/store.ts";
import type { Env, OsName } from "../env.ts";
import { messageOf, TwgError } from "../errors.ts";
import { type Launcher, resolveLauncher } from "./launcher.ts";
import { backendOf } from "../credentials/keyring.ts";
import { updateUpkeepState } from "./state.ts";

/** Every 12 minutes: 5 runs an hour keep a 75%-due token from ever expiring unseen. */
export const upkeepIntervalMinutes = 12;

/** The spec and launcher for this installation. */
export async function scheduleSpecFor(
  env: Env,
  paths: ConfigPaths,
): Promise<{ spec: ScheduleSpec; launcher: Launcher }> {
  const launcher = await resolveLauncher(env, {
    configDir: paths.dir,
    netHosts: await knownHosts(env, paths),
    // The refresh reads the keyring's key; the job runs in the login session, where it is unlocked.
    keyring: backendOf(
      (await readCredentials(env, paths.authConf).catch(() => null))?.oauth?.refreshToken,
    ) === "keyring",
  });
  // The job sees only these (never secrets): where updates are announced,
  // and whether the person asked for no update notifications.
  const environment: Record<string, string> = {};
  for (const name of ["TWG_UPDATE_MANIFEST_URL", "NO_UPDATE_NOTIFIER"]) {
    const value = env.getVar(name);
    if (value) environment[name] = value;
  }
  return {
    launcher,
    spec: {
      launcher: launcher.path,
      launcherArgs: launcher.args,
      homeDir: env.homeDir,
      configDir: paths.dir,
      environment,
      intervalMinutes: upkeepIntervalMinutes,
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

/** Installs the schedule; on failure removes what it wrote, records why, and throws. */
export async function enableUpkeep(
  env: Env,
  paths: ConfigPaths,
): Promise<{ scheduler: Scheduler; files: string[]; launcher: Launcher }> {
  const scheduler = schedulerFor(env.os);
  const { spec, launcher } = await scheduleSpecFor(env, paths);
  try {
    if (launcher.script) {
      await ensureConfigDir(env, paths.dir);
      // Replaced, never written through: a symlink planted at its name stays a dangling question.
      await writeFileAtomic(env, launcher.script.path, launcher.script.content, 0o755);
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
    }));
    throw new TwgError(message, { cause: error });
  }
  await updateUpkeepState(env, paths.upkeepJson, (state) => ({
    ...state,
    enabled: true,
    scheduler: scheduler.name,
    enableError: null,
  }));
  const files = scheduler.render(spec).map((file) => file.path);
  return { scheduler, files: launcher.script ? [launcher.script.path, ...files] : files, launcher };
}

/** Removes the schedule and the launcher script; harmless when nothing is installed. */
export async function disableUpkeep(env: Env, paths: ConfigPaths): Promise<Scheduler> {
  const scheduler = schedulerFor(env.os);
  const { spec, launcher } = await scheduleSpecFor(env, paths);
  await scheduler.uninstall(env, spec);
  if (launcher.kind === "checkout" && launcher.script) {
    await env.fs.rm(launcher.script.path, { force: true });
  }
  await updateUpkeepState(
    env,
    paths.upkeepJson,
    // The errors were about the schedule just removed: status must not keep
    // showing them as if they still applied.
    (state) => ({ ...state, enabled: false, scheduler: null, lastError: null, enableError: null }),
  );
  return scheduler;
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
