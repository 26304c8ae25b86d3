/**
 * The per-user schedulers that run `twg upkeep run`: a LaunchAgent on macOS,
 * a systemd user timer on Linux, a Scheduled Task on Windows.
 *
 * @example
 * ```ts
 * const scheduler = schedulerFor(env.os);
 * await scheduler.install(env, spec);
 * ```
 *
 * @module
 */
import type { OsName } from "../src/env.ts";
import { launchdScheduler } from "./launchd.ts";
import type { Scheduler } from "./schedule_spec.ts";
import { systemdScheduler } from "./systemd.ts";
import { taskScheduler } from "./task_scheduler.ts";

export * from "./launchd.ts";
export * from "./schedule_spec.ts";
export * from "./systemd.ts";
export * from "./task_scheduler.ts";

const SCHEDULERS: Record<OsName, Scheduler> = {
  darwin: launchdScheduler,
  linux: systemdScheduler,
  windows: taskScheduler,
};

/** The scheduler that keeps upkeep running on `os`. */
export function schedulerFor(os: OsName): Scheduler {
  return SCHEDULERS[os];
}
