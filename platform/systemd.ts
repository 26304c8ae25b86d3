/**
 * Linux: upkeep as a systemd user timer and the oneshot service it starts,
 * and the token keeper (`twg auth serve`) as a long-running user service.
 * {@link renderSystemdUnits} turns a spec into the unit files; the
 * installers only run `systemctl --user` through the injected {@link Env}.
 *
 * @module
 */
import { posix } from "node:path";
import type { Env, RunResult } from "../src/env.ts";
import { commandFailure, PlatformError } from "./failure.ts";
import { removeFiles, type RenderedFile, writeRenderedFile } from "./rendered_file.ts";
import {
  assertSchedulable,
  jobEnvironment,
  keeperArgv,
  type Scheduler,
  type SchedulerStatus,
  type ScheduleSpec,
  upkeepArgv,
} from "./schedule_spec.ts";

/** The service unit that runs `twg upkeep run` once. */
export const SYSTEMD_SERVICE = "twg-upkeep.service";
/** The timer unit that starts {@link SYSTEMD_SERVICE}. */
export const SYSTEMD_TIMER = "twg-upkeep.timer";

/** The user unit directory the files go to: `~/.config/systemd/user`. */
export function systemdUnitDir(homeDir: string): string {
  return posix.join(homeDir, ".config", "systemd", "user");
}

/** The token keeper's service (`twg auth serve`), started at login and kept running. */
export const SYSTEMD_KEEPER = "twg-keeper.service";

function unitPaths(homeDir: string): string[] {
  return [SYSTEMD_SERVICE, SYSTEMD_TIMER, SYSTEMD_KEEPER].map((name) =>
    posix.join(systemdUnitDir(homeDir), name)
  );
}

/**
 * Renders `twg-upkeep.service` (oneshot, low priority, `twg upkeep run`)
 * and `twg-upkeep.timer` (two minutes after boot, then every
 * `intervalMinutes` after the last run).
 *
 * @example
 * ```ts
 * const [service, timer] = renderSystemdUnits({
 *   launcher: "/home/ada/.deno/bin/twg", launcherArgs: [], homeDir: "/home/ada",
 *   configDir: "/home/ada/.config/twg", environment: {}, intervalMinutes: 12,
 * });
 * service?.path; // "/home/ada/.config/systemd/user/twg-upkeep.service"
 * ```
 */
export function renderSystemdUnits(spec: ScheduleSpec): RenderedFile[] {
  assertSchedulable(spec, posix.isAbsolute);
  const [serviceUnit, timerUnit, keeperUnit] = unitPaths(spec.homeDir) as [
    string,
    string,
    string,
  ];
  const environment = Object.entries(jobEnvironment(spec))
    .map(([name, value]) => `Environment=${quoteWord(`${name}=${value}`)}`);
  const service = [
    `# Written by "twg upkeep enable"; "twg upkeep disable" removes it.`,
    `[Unit]`,
    `Description=twg upkeep: keep sign-in tokens fresh`,
    ``,
    `[Service]`,
    `Type=oneshot`,
    `ExecStart=${execStartLine(upkeepArgv(spec))}`,
    ...environment,
    `Nice=10`,
    `IOSchedulingClass=idle`,
    ``,
  ].join("\n");
  const timer = [
    `# Written by "twg upkeep enable"; "twg upkeep disable" removes it.`,
    `[Unit]`,
    `Description=Run twg upkeep every ${spec.intervalMinutes} minutes`,
    ``,
    `[Timer]`,
    `OnBootSec=2min`,
    `OnUnitActiveSec=${spec.intervalMinutes}min`,
    `RandomizedDelaySec=30s`,
    `Unit=${SYSTEMD_SERVICE}`,
    ``,
    `[Install]`,
    `WantedBy=timers.target`,
    ``,
  ].join("\n");
  const files: RenderedFile[] = [
    { path: serviceUnit, content: service, encoding: "utf-8" },
    { path: timerUnit, content: timer, encoding: "utf-8" },
  ];
  if (spec.keeperSocket === undefined) return files;
  // Not socket-activated: see keeperArgv (platform/schedule_spec.ts). The
  // user manager starts default.target at login (systemd.special(7)); a
  // keeper that fails (a socket directory it refuses) is retried, slowly,
  // within systemd's start limit; one stopped by "systemctl stop" is not.
  const keeper = [
    `# Written by "twg upkeep enable"; "twg upkeep disable" removes it.`,
    `[Unit]`,
    `Description=twg token keeper: access tokens for sandboxes, never the refresh token`,
    ``,
    `[Service]`,
    `Type=simple`,
    `ExecStart=${execStartLine(keeperArgv(spec))}`,
    ...environment,
    `Restart=on-failure`,
    `RestartSec=30s`,
    ``,
    `[Install]`,
    `WantedBy=default.target`,
    ``,
  ].join("\n");
  return [...files, { path: keeperUnit, content: keeper, encoding: "utf-8" }];
}

/**
 * One word of a unit-file setting, per systemd.syntax(7) "Quoting"
 * (https://man7.org/linux/man-pages/man7/systemd.syntax.7.html): inside
 * double quotes C escapes apply, so `\` and `"` are escaped and a `'` is
 * literal; and `%` starts a specifier everywhere, quoted or not
 * (systemd.unit(5) "Specifiers"), so it is written `%%`. Spaces, `&`, `<`
 * and non-ASCII (the file is UTF-8) need nothing.
 */
function quoteWord(word: string): string {
  return `"${word.replace(/[\\"]/g, "\\$&").replaceAll("%", "%%")}"`;
}

/**
 * The program that starts a launcher systemd would refuse as an executable:
 * `env`, at this path on every systemd distribution (coreutils; NixOS keeps
 * exactly this one file in /usr/bin).
 */
const ENV_PROGRAM = "/usr/bin/env";

/**
 * Whether systemd accepts `path` as the executable of `ExecStart=`. After
 * unquoting it refuses any `"`, `'`, `\` or control character there, however
 * the word was quoted ("Executable name contains special characters":
 * `string_is_safe()` in systemd's src/basic/string-util.c, called from
 * `config_parse_exec()` in src/core/load-fragment.c; seen with
 * `systemd-analyze verify`, systemd 252). Arguments may hold them.
 */
function isSafeExecutable(path: string): boolean {
  return !/["'\\]/.test(path);
}

/**
 * An `ExecStart=` value. systemd.service(5) "Command lines" also substitutes
 * `$NAME` and `${NAME}` in the arguments, where `$$` is a literal `$`; the
 * executable path is never substituted ("the first argument may not be a
 * variable"), so its `$` stays single. The `:` prefix that turns
 * substitution off would be simpler but needs systemd 242 or later. A
 * launcher path systemd refuses as the executable (a home such as
 * `/home/o'brien`) becomes the first argument of `env`, which runs it.
 */
function execStartLine(argv: string[]): string {
  const [executable = "", ...args] = isSafeExecutable(argv[0] ?? "")
    ? argv
    : [ENV_PROGRAM, ...argv];
  const escapedArgs = args.map((arg) => quoteWord(arg.replaceAll("$", () => "$$")));
  return [quoteWord(executable), ...escapedArgs].join(" ");
}

async function systemctl(env: Env, args: string[]): Promise<RunResult> {
  return await env.run("systemctl", ["--user", ...args]);
}

const ENABLE_HINT =
  'Run "systemctl --user status twg-upkeep.timer" to see why, then "twg upkeep enable" again';
const DISABLE_HINT =
  'Run "systemctl --user status twg-upkeep.timer" to see why, then "twg upkeep disable" again';

const NO_SYSTEMD_GUIDANCE = `Without a scheduler twg can install, run "twg upkeep run" ` +
  `every 12 minutes another way, e.g. a crontab line (crontab -e): ` +
  `*/12 * * * * twg upkeep run; or run "twg auth refresh" before work. ` +
  `"twg upkeep enable --dry-run" shows the files a systemd host would get`;

const SESSION_GUIDANCE = `Log in through a session that starts your systemd user manager ` +
  `(a desktop or SSH login; "su" and "sudo" do not), or run "loginctl enable-linger $USER" ` +
  `and log in again; then run "twg upkeep enable"`;

/**
 * Where systemd marks that it is PID 1: sd_booted(3) "checks whether the
 * directory /run/systemd/system/ exists". A test points it elsewhere.
 */
export const systemdBootMarker = { path: "/run/systemd/system" };

/**
 * Without systemd as PID 1 (a container, WSL without systemd) there is no
 * user manager to start, and "loginctl enable-linger" cannot make one: say
 * so, and offer another way to run upkeep.
 */
async function assertBootedWithSystemd(env: Env): Promise<void> {
  const isBooted = await env.fs.stat(systemdBootMarker.path).then(
    (stat) => stat.isDirectory(),
    () => false,
  );
  if (isBooted) return;
  throw new PlatformError(
    `Cannot enable upkeep: this system was not started by systemd ` +
      `(${systemdBootMarker.path} does not exist), so no systemd user manager can run the timer`,
    NO_SYSTEMD_GUIDANCE,
  );
}

/**
 * Fails with repair guidance unless `systemctl --user` can reach a user
 * manager: without one (a `su` shell, a container, a login without
 * lingering) the timer could be written but never started.
 */
async function assertUserManagerReachable(env: Env): Promise<void> {
  const probe = await systemctl(env, ["show-environment"]);
  if (probe.code === 127) {
    throw new PlatformError(
      "Cannot enable upkeep: systemctl was not found, so this system does not run systemd",
      'Schedule "twg upkeep run" every 12 minutes with another scheduler (cron, for example)',
    );
  }
  const runtimeDir = env.getVar("XDG_RUNTIME_DIR");
  const hasBusSocket = runtimeDir !== undefined && runtimeDir !== "" &&
    await env.fs.stat(posix.join(runtimeDir, "bus")).then((stat) => stat.isSocket(), () => false);
  if ((!hasBusSocket && !env.getVar("DBUS_SESSION_BUS_ADDRESS")) || probe.code !== 0) {
    await assertBootedWithSystemd(env);
  }
  if (!hasBusSocket && !env.getVar("DBUS_SESSION_BUS_ADDRESS")) {
    throw new PlatformError(
      `Cannot enable upkeep: no systemd user session is reachable: ` +
        `$XDG_RUNTIME_DIR/bus does not exist and DBUS_SESSION_BUS_ADDRESS is not set`,
      SESSION_GUIDANCE,
    );
  }
  if (probe.code !== 0) {
    throw new PlatformError(
      `Cannot enable upkeep: the systemd user manager did not answer: ` +
        `"systemctl --user show-environment" failed with ${commandFailure(probe)}`,
      SESSION_GUIDANCE,
    );
  }
}

/**
 * Checks that a systemd user manager is reachable, writes both units,
 * reloads the manager and enables and starts the timer. When a `systemctl`
 * step fails, the timer is disabled, both files are removed and the manager
 * reloaded again, and the error carries systemctl's stderr.
 *
 * @example
 * ```ts ignore
 * await installSystemdTimer(env, spec);
 * // runs: systemctl --user show-environment
 * //       systemctl --user daemon-reload
 * //       systemctl --user enable --now twg-upkeep.timer
 * ```
 */
export async function installSystemdTimer(env: Env, spec: ScheduleSpec): Promise<void> {
  const files = renderSystemdUnits(spec);
  await assertUserManagerReachable(env);
  // 0755 at most: the directory must not be writable by others.
  await env.fs.mkdir(systemdUnitDir(spec.homeDir), { recursive: true, mode: 0o755 });
  try {
    for (const file of files) await writeRenderedFile(env, file);
    const steps = [["daemon-reload"], ["enable", "--now", SYSTEMD_TIMER]];
    // "restart": a keeper already running from an earlier enable takes the new unit.
    if (spec.keeperSocket !== undefined) {
      steps.push(["enable", SYSTEMD_KEEPER], ["restart", SYSTEMD_KEEPER]);
    }
    for (const step of steps) {
      const result = await systemctl(env, step);
      if (result.code !== 0) {
        throw new PlatformError(
          `Cannot enable upkeep: "systemctl --user ${step.join(" ")}" failed with ${
            commandFailure(result)
          }`,
          ENABLE_HINT,
        );
      }
    }
  } catch (error) {
    // `enable --now` may have linked the timer into timers.target.wants
    // before starting it failed; disabling first leaves no dangling link.
    await systemctl(env, ["disable", SYSTEMD_TIMER]);
    if (spec.keeperSocket !== undefined) {
      await systemctl(env, ["disable", "--now", SYSTEMD_KEEPER]);
    }
    await removeFiles(env, files.map((file) => file.path));
    await systemctl(env, ["daemon-reload"]);
    throw error;
  }
}

/** Whether `systemctl` failed only because the unit does not exist. */
function isUnitMissing(result: RunResult): boolean {
  return /does not exist|not loaded|not found/i.test(result.stderr);
}

/**
 * Stops and disables the timer, removes both units and reloads the manager.
 * Succeeds when nothing is installed.
 *
 * @example
 * ```ts ignore
 * await uninstallSystemdTimer(env, "/home/ada");
 * ```
 */
export async function uninstallSystemdTimer(env: Env, homeDir: string): Promise<void> {
  const paths = unitPaths(homeDir);
  const exists = (path: string) => env.fs.stat(path).then(() => true, () => false);
  const hasFiles = (await Promise.all(paths.map(exists))).includes(true);
  const disable = await systemctl(env, ["disable", "--now", SYSTEMD_TIMER]);
  // Only when its unit is there: an older twg installed none.
  const keeperDisable = await exists(paths[2]!)
    ? await systemctl(env, ["disable", "--now", SYSTEMD_KEEPER])
    : null;
  if (!hasFiles) return;
  if (keeperDisable && keeperDisable.code !== 0 && !isUnitMissing(keeperDisable)) {
    throw new PlatformError(
      `Cannot disable upkeep: "systemctl --user disable --now ${SYSTEMD_KEEPER}" failed with ${
        commandFailure(keeperDisable)
      }`,
      DISABLE_HINT,
    );
  }
  if (disable.code !== 0 && !isUnitMissing(disable)) {
    throw new PlatformError(
      `Cannot disable upkeep: "systemctl --user disable --now ${SYSTEMD_TIMER}" failed with ${
        commandFailure(disable)
      }`,
      DISABLE_HINT,
    );
  }
  await removeFiles(env, paths);
  const reload = await systemctl(env, ["daemon-reload"]);
  if (reload.code !== 0) {
    throw new PlatformError(
      `Cannot disable upkeep: "systemctl --user daemon-reload" failed with ${
        commandFailure(reload)
      }`,
      DISABLE_HINT,
    );
  }
}

/**
 * The timer's unit-file state (`is-enabled`) and activity (`is-active`),
 * and, where its unit is in `homeDir`, whether the keeper's service runs.
 *
 * @example
 * ```ts ignore
 * await systemdTimerStatus(env);
 * // { installed: true, active: true, detail: "twg-upkeep.timer is enabled and active" }
 * ```
 */
export async function systemdTimerStatus(env: Env, homeDir?: string): Promise<SchedulerStatus> {
  const enabled = await systemctl(env, ["is-enabled", SYSTEMD_TIMER]);
  const active = await systemctl(env, ["is-active", SYSTEMD_TIMER]);
  const state = enabled.stdout.trim();
  if (state === "") {
    return {
      installed: false,
      active: false,
      detail: `${SYSTEMD_TIMER}: ${commandFailure(enabled)}`,
    };
  }
  const timer = {
    installed: state !== "not-found",
    active: active.code === 0,
    detail: `${SYSTEMD_TIMER} is ${state} and ${active.stdout.trim() || "inactive"}`,
  };
  // The keeper only where its unit was written (an older twg wrote none).
  const keeperUnit = homeDir === undefined ? null : unitPaths(homeDir)[2]!;
  if (!keeperUnit || !(await env.fs.lstat(keeperUnit).then(() => true, () => false))) return timer;
  const keeper = await systemctl(env, ["is-active", SYSTEMD_KEEPER]);
  const keeperDetail = `${SYSTEMD_KEEPER} is ${keeper.stdout.trim() || "inactive"}`;
  return {
    ...timer,
    detail: `${timer.detail}; ${keeperDetail}`,
    keeper: { active: keeper.code === 0, detail: keeperDetail },
  };
}

/** The systemd user timer as a {@link Scheduler}. */
export const systemdScheduler: Scheduler = {
  name: "systemd",
  render: renderSystemdUnits,
  install: installSystemdTimer,
  uninstall: (env, spec) => uninstallSystemdTimer(env, spec.homeDir),
  status: (env, spec) => systemdTimerStatus(env, spec.homeDir),
};
