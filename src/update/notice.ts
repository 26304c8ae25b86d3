/**
 * The fallback for an update notification that could not be shown natively:
 * one line on stderr at the next interactive command, once. Only for a
 * person at a terminal: never with `--json`, never when stdout or stderr is
 * not a terminal (a pipe, a script, an agent's capture), never under a coding
 * agent, never with `NO_UPDATE_NOTIFIER`.
 *
 * @module
 */
import { detectAgentFromEnv } from "../agents/detect.ts";
import { configPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { version } from "../version.ts";
import { isNewerVersion } from "../install/semver.ts";
import { isUpdateNotifierDisabled } from "./cadence.ts";

/** Options for {@link pendingUpdateNotice}. */
export interface PendingNoticeOptions {
  /** The command was asked for JSON output: no notice at all. */
  json: boolean;
  /** The running version (default: `src/version.ts`). */
  currentVersion?: string;
}

/**
 * The pending update notice to print on stderr, or `null`. Returning it
 * marks it shown, so it appears once; when that cannot be recorded (a
 * read-only config dir) it is not returned, so that it never repeats. A
 * notice for a version no newer than the running one is dropped silently.
 * Never throws. Cheap when no notice can be shown: every command calls it,
 * so the state module (and the file system) is only loaded past the checks.
 *
 * @example
 * ```ts ignore
 * const notice = await pendingUpdateNotice(env, { json: false });
 * if (notice) env.stderr.write(`${notice}\n`);
 * ```
 */
export async function pendingUpdateNotice(
  env: Env,
  options: PendingNoticeOptions,
): Promise<string | null> {
  if (options.json || !env.stdout.isTerminal || !env.stderr.isTerminal) return null;
  if (isUpdateNotifierDisabled(env)) return null;
  try {
    if (await detectAgentFromEnv(env) !== null) return null;
    const { takePendingNotice } = await import("../config/upkeep_state.ts");
    const pending = await takePendingNotice(env, configPaths(env).upkeepJson);
    if (!pending) return null;
    const isStillNewer = isNewerVersion(pending.version, options.currentVersion ?? version);
    return isStillNewer ? pending.notice : null;
  } catch {
    return null;
  }
}
