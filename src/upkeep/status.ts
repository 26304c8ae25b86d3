/**
 * What `twg upkeep status` and `twg doctor` say about upkeep: the state it
 * recorded in `upkeep.json`, checked against what the scheduler reports.
 *
 * @module
 */
import type { SchedulerName } from "../../platform/schedule_spec.ts";
import { schedulerFor } from "../../platform/mod.ts";
import { configPaths } from "../config/paths.ts";
import { readUpkeepState } from "../config/upkeep_state.ts";
import type { Env } from "../env.ts";
import { scheduleSpecFor, upkeepIntervalMinutes } from "./schedule.ts";

/** The `upkeep status --json` document (contract). */
export interface UpkeepStatus {
  enabled: boolean;
  scheduler: SchedulerName | null;
  intervalMinutes: number;
  lastRun: string | null;
  lastRefresh: string | null;
  lastUpdateCheck: string | null;
  nextUpdateCheckAfter: string | null;
  error: string | null;
  /** The token keeper (`twg auth serve`): its socket and whether it answers. */
  broker: { socket: string; running: boolean };
}

/**
 * The recorded state, checked against what the scheduler reports, with the
 * scheduler's own one-line `detail` and the last run's result for people.
 *
 * @example
 * ```ts ignore
 * const { detail, lastResult, ...status } = await readUpkeepStatus(env);
 * status.enabled; // true when the scheduler says the job will run
 * ```
 */
export async function readUpkeepStatus(
  env: Env,
): Promise<UpkeepStatus & { detail: string; lastResult: string | null }> {
  const paths = configPaths(env);
  const state = await readUpkeepState(env, paths.upkeepJson);
  let enabled = state.enabled;
  let detail = state.enabled ? "enabled" : "not enabled";
  if (state.enabled) {
    const { spec } = await scheduleSpecFor(env, paths);
    const status = await schedulerFor(env.os).status(env, spec).catch(() => null);
    if (status) {
      enabled = status.active;
      detail = status.detail;
    }
  }
  const { brokerState } = await import("../handoff/client.ts");
  const broker = await brokerState(env);
  return {
    enabled,
    scheduler: enabled ? state.scheduler : null,
    intervalMinutes: upkeepIntervalMinutes,
    lastRun: state.lastRun,
    lastRefresh: state.lastRefresh,
    lastUpdateCheck: state.lastUpdateCheck,
    nextUpdateCheckAfter: state.nextUpdateCheckAfter,
    error: state.enableError ?? state.lastError,
    broker: { socket: broker.socket, running: broker.running },
    detail,
    lastResult: state.lastResult,
  };
}
