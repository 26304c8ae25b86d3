/**
 * The operating-system integrations: the per-user schedulers that run
 * `twg upkeep run` (a LaunchAgent on macOS, a systemd user timer on Linux, a
 * Scheduled Task on Windows), native notifications, and opening a browser.
 * A floor: these modules import only `src/env.ts`, `src/errors.ts` and each
 * other, and every failure they report is a typed error (`./failure.ts`).
 *
 * @example
 * ```ts ignore
 * const scheduler = schedulerFor(env.os);
 * await scheduler.install(env, spec);
 * ```
 *
 * @module
 */
import type { OsName } from "../src/env.ts";
import { platformStep } from "./failure.ts";
import { launchdScheduler } from "./launchd.ts";
import type { Scheduler } from "./schedule_spec.ts";
import { systemdScheduler } from "./systemd.ts";
import { taskScheduler } from "./task_scheduler.ts";

export * from "./browser.ts";
export * from "./failure.ts";
export * from "./launchd.ts";
export * from "./notify.ts";
export * from "./rendered_file.ts";
export * from "./schedule_spec.ts";
export * from "./systemd.ts";
export * from "./task_scheduler.ts";

const SCHEDULERS: Record<OsName, Scheduler> = {
  darwin: launchdScheduler,
  linux: systemdScheduler,
  windows: taskScheduler,
};

/**
 * The scheduler that keeps upkeep running on `os`, behind the one wrapper
 * that makes every failure of its steps a typed error with a next step
 * (`platformStep`): nothing a scheduler or the file system under it refuses
 * reaches the person as "Unexpected error".
 *
 * @example
 * ```ts
 * import { schedulerFor } from "./mod.ts";
 *
 * schedulerFor("linux").name; // "systemd"
 * ```
 */
export function schedulerFor(os: OsName): Scheduler {
  const scheduler = SCHEDULERS[os];
  const again = (command: string) => `Fix what the message names, then run "${command}" again`;
  return {
    name: scheduler.name,
    render: scheduler.render,
    install: (env, spec) =>
      platformStep(
        "Cannot enable upkeep",
        again("twg upkeep enable"),
        () => scheduler.install(env, spec),
      ),
    uninstall: (env, spec) =>
      platformStep(
        "Cannot disable upkeep",
        again("twg upkeep disable"),
        () => scheduler.uninstall(env, spec),
      ),
    status: (env, spec) =>
      platformStep(
        "Cannot read the upkeep schedule",
        again("twg upkeep status"),
        () => scheduler.status(env, spec),
      ),
  };
}
