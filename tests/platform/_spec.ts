/**
 * The upkeep job spec the platform tests start from.
 *
 * @module
 */
import type { ScheduleSpec } from "../../platform/schedule_spec.ts";

/** A POSIX spec for a `deno install` shim under `homeDir`, with `overrides`. */
export function specFor(homeDir: string, overrides: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return {
    launcher: `${homeDir}/.deno/bin/twg`,
    launcherArgs: [],
    homeDir,
    configDir: `${homeDir}/.config/twg`,
    environment: {},
    intervalMinutes: 12,
    ...overrides,
  };
}
