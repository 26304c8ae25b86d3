/**
 * What every scheduler integration shares: the spec of the upkeep job, the
 * {@link Scheduler} each OS module provides, the argv and environment every
 * one of them runs, and the check that a spec can be written at all.
 *
 * @module
 */
import type { Env } from "../src/env.ts";
import { UsageError } from "../src/errors.ts";
import type { RenderedFile } from "./rendered_file.ts";

/** The upkeep job to schedule: which program to start, for whom, how often. */
export interface ScheduleSpec {
  /** Absolute path of the stable launcher (a deno-install shim, npm bin, compiled binary, or a launcher script). */
  launcher: string;
  /** Arguments placed before "upkeep", "run" — e.g. [] for a shim. */
  launcherArgs: string[];
  homeDir: string;
  /** Absolute config dir (TWG_CONFIG_DIR) to pass to the job so it uses the same store. */
  configDir: string;
  /** Minimal environment variables for the job (never secrets). */
  environment: Record<string, string>;
  intervalMinutes: number; // 12
  /**
   * The token keeper's socket (`twg auth serve --socket`): when set, the
   * scheduler also keeps the keeper running (a long-running user service,
   * not socket-activated: see {@link keeperArgv}). On Windows, the pipe name.
   */
  keeperSocket?: string;
}

/** The scheduler that runs the upkeep job: one per operating system. */
export type SchedulerName = "launchd" | "systemd" | "task-scheduler";

/** What a scheduler reports about the upkeep job. */
export interface SchedulerStatus {
  /** The job is registered (file present, task or unit known). */
  installed: boolean;
  /** The job will run on schedule (loaded, enabled and active). */
  active: boolean;
  /** One line for `twg doctor` and `twg upkeep status`. */
  detail: string;
  /** The token keeper's service, where the scheduler keeps one. */
  keeper?: { active: boolean; detail: string };
}

/** One operating system's way of running `twg upkeep run` on a schedule. */
export interface Scheduler {
  name: SchedulerName;
  /** The files {@link Scheduler.install} would write, without touching anything. */
  render(spec: ScheduleSpec): RenderedFile[];
  /** Writes the files and registers the job; leaves nothing behind when that fails. */
  install(env: Env, spec: ScheduleSpec): Promise<void>;
  /** Unregisters the job and removes its files; succeeds when nothing is installed. */
  uninstall(env: Env, spec: ScheduleSpec): Promise<void>;
  status(env: Env, spec: ScheduleSpec): Promise<SchedulerStatus>;
}

/**
 * The argv that every scheduler finally runs: `<launcher> ...launcherArgs upkeep run`.
 *
 * @example
 * ```ts
 * import { upkeepArgv } from "./schedule_spec.ts";
 *
 * upkeepArgv({
 *   launcher: "/home/ada/.deno/bin/twg", launcherArgs: [], homeDir: "/home/ada",
 *   configDir: "/home/ada/.config/twg", environment: {}, intervalMinutes: 12,
 * }); // ["/home/ada/.deno/bin/twg", "upkeep", "run"]
 * ```
 */
export function upkeepArgv(spec: ScheduleSpec): string[] {
  return [spec.launcher, ...spec.launcherArgs, "upkeep", "run"];
}

/**
 * The argv of the token keeper: `<launcher> ...launcherArgs auth serve --socket <path>`.
 * A plain long-running service rather than a socket-activated one: Deno
 * cannot listen on an inherited descriptor (denoland/deno#14006, open), so
 * a systemd `.socket` or launchd `Sockets` entry would serve only the npm
 * build (Node: `server.listen({ fd })`, nodejs.org/api/net.html
 * "server.listen(handle)"); and the keeper must run without any client
 * anyway, to keep the access-token file fresh.
 *
 * @example
 * ```ts
 * import { keeperArgv } from "./schedule_spec.ts";
 *
 * keeperArgv({
 *   launcher: "/home/ada/.deno/bin/twg", launcherArgs: [], homeDir: "/home/ada",
 *   configDir: "/home/ada/.config/twg", environment: {}, intervalMinutes: 12,
 *   keeperSocket: "/run/user/1000/twg/broker.sock",
 * }); // ["/home/ada/.deno/bin/twg", "auth", "serve", "--socket", "/run/user/1000/twg/broker.sock"]
 * ```
 */
export function keeperArgv(spec: ScheduleSpec): string[] {
  return [
    spec.launcher,
    ...spec.launcherArgs,
    "auth",
    "serve",
    "--socket",
    spec.keeperSocket ?? "",
  ];
}

/**
 * The job's environment: `spec.environment` plus `TWG_CONFIG_DIR`, which
 * always wins so that the job reads the same store as the foreground CLI.
 */
export function jobEnvironment(spec: ScheduleSpec): Record<string, string> {
  return { ...spec.environment, TWG_CONFIG_DIR: spec.configDir };
}

/**
 * Throws a usage error (exit 2) when `spec` cannot be written faithfully
 * into any scheduler file: a relative path; a line break, NUL or other
 * control character (a unit file is line-based and systemd refuses control
 * characters in an executable path, `string_is_safe()` in systemd's
 * src/basic/string-util.c; XML 1.0 cannot represent most C0 controls, §2.2;
 * a Windows command line ends at NUL); a lone surrogate or U+FFFE/U+FFFF
 * (not XML characters); an invalid variable name; or an interval that is
 * not whole minutes. Quotes, `%`, `$`, spaces, `&`, `<` and non-ASCII are
 * not refused here: each renderer escapes them for its format.
 *
 * @example
 * ```ts
 * import { posix } from "node:path";
 * import { assertSchedulable } from "./schedule_spec.ts";
 * const spec = {
 *   launcher: "/opt/twg\n", launcherArgs: [], homeDir: "/home/ada",
 *   configDir: "/home/ada/.config/twg", environment: {}, intervalMinutes: 12,
 * };
 * try {
 *   assertSchedulable(spec, posix.isAbsolute);
 * } catch (error) {
 *   (error as Error).message; // "Cannot schedule upkeep: the launcher path contains a line break"
 * }
 * ```
 */
export function assertSchedulable(
  spec: ScheduleSpec,
  isAbsolute: (path: string) => boolean,
): void {
  // The directories first: a launcher script in the config directory
  // inherits its path, and the directory is what the person can change.
  const paths: Array<[string, string]> = [
    ["the home directory path", spec.homeDir],
    ["the config directory path", spec.configDir],
    ["the launcher path", spec.launcher],
  ];
  for (const [what, path] of paths) {
    assertRepresentable(what, path, PATH_HINT);
    if (!isAbsolute(path)) fail(`${what} is not absolute: ${path}`);
  }
  if (spec.keeperSocket !== undefined) {
    assertRepresentable("the keeper's socket path", spec.keeperSocket, PATH_HINT);
    if (!isAbsolute(spec.keeperSocket)) {
      fail(`the keeper's socket path is not absolute: ${spec.keeperSocket}`);
    }
  }
  spec.launcherArgs.forEach((arg, index) =>
    assertRepresentable(`launcher argument ${index + 1}`, arg, PATH_HINT)
  );
  for (const [name, value] of Object.entries(spec.environment)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      fail(`the environment variable name ${JSON.stringify(name)} is not valid`);
    }
    assertRepresentable(
      `the value of ${name}`,
      value,
      `Set ${name} without it, then run "twg upkeep enable" again`,
    );
  }
  const minutes = spec.intervalMinutes;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60) {
    fail(`the interval must be a whole number of minutes from 1 to 1440, not ${minutes}`);
  }
}

const PATH_HINT = "Move twg, or set TWG_CONFIG_DIR, to a path without it, " +
  'then run "twg upkeep enable" again';

function assertRepresentable(what: string, value: string, hint: string): void {
  if (/[\n\r]/.test(value)) fail(`${what} contains a line break`, hint);
  if (value.includes("\0")) fail(`${what} contains a NUL character`, hint);
  // Control characters are exactly what this looks for.
  // deno-lint-ignore no-control-regex
  if (/[\x01-\x1F\x7F]/.test(value)) fail(`${what} contains a control character`, hint);
  if (/[\uFFFE\uFFFF]/.test(value) || !value.isWellFormed()) {
    fail(`${what} contains a character that XML cannot hold`, hint);
  }
}

function fail(detail: string, hint = 'Run "twg upkeep enable" again'): never {
  throw new UsageError(`Cannot schedule upkeep: ${detail}`, hint);
}
