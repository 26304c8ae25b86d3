/**
 * The update check that `twg upkeep run` makes: reads the release manifest
 * when a check is due, and shows a native notification when the cadence says
 * one is due. Never installs anything, never prints, never fails upkeep.
 *
 * @module
 */
import { configPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { isAbortError, messageOf } from "../errors.ts";
import type { UpkeepState } from "../config/upkeep_state.ts";
import { version } from "../version.ts";
import {
  isUpdateCheckDue,
  isUpdateNotifierDisabled,
  nextNotification,
  nextUpdateCheckAt,
  updateNoticeText,
} from "./cadence.ts";

/** Title of every native update notification. */
const updateNotificationTitle = "twg update available";

/** Options for {@link updateCheckRound}; the defaults are the real ones. */
export interface UpdateCheckOptions {
  /** The running version (default: `src/version.ts`). */
  currentVersion?: string;
  /** Picks the jitter of the next check: a number in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/**
 * One round: checks the manifest when due, then notifies when due. Returns
 * the new state; the caller saves it. Only an interrupt escapes.
 *
 * @example
 * ```ts ignore
 * state = await updateCheckRound(env, state);
 * ```
 */
export async function updateCheckRound(
  env: Env,
  state: UpkeepState,
  options: UpdateCheckOptions = {},
): Promise<UpkeepState> {
  const now = env.now();
  let next = state;
  if (isUpdateCheckDue(next, now)) {
    next = await checkForUpdate(env, next, now, options.random ?? Math.random);
  }
  if (!isUpdateNotifierDisabled(env)) {
    next = await notifyIfDue(env, next, now, options.currentVersion ?? version);
  }
  return next;
}

async function checkForUpdate(
  env: Env,
  state: UpkeepState,
  now: number,
  random: () => number,
): Promise<UpkeepState> {
  // Success or failure, the next attempt waits for the next due time: a
  // manifest server that is down is not asked every 12 minutes.
  const checked = {
    lastUpdateCheck: new Date(now).toISOString(),
    nextUpdateCheckAfter: new Date(nextUpdateCheckAt(now, random())).toISOString(),
  };
  try {
    // Loaded only when a check is due (once a day or so), not by every idle run.
    const { fetchManifest, manifestUrlFor } = await import("../install/manifest.ts");
    const url = await manifestUrlFor(env, configPaths(env));
    if (!url) return state;
    const manifest = await fetchManifest(env, url, { signal: env.interrupt });
    return { ...state, ...checked, latestVersion: manifest.version, updateCheckError: null };
  } catch (error) {
    if (isAbortError(error)) throw error;
    return { ...state, ...checked, updateCheckError: messageOf(error) };
  }
}

async function notifyIfDue(
  env: Env,
  state: UpkeepState,
  now: number,
  currentVersion: string,
): Promise<UpkeepState> {
  const due = nextNotification({
    currentVersion,
    latestVersion: state.latestVersion,
    notifications: state.notifications,
  }, now);
  if (!due) return state;
  // Loaded only with a notification due: how_to_update reaches node:path and
  // node:url, which under Deno start the Node compatibility layer, and an
  // idle upkeep run (120 a day) has no use for it (bench/README.md).
  const [{ howToUpdate }, { showNotification }] = await Promise.all([
    import("../install/how_to_update.ts"),
    import("../../platform/notify.ts"),
  ]);
  const command = await howToUpdate(env, {
    configDir: configPaths(env).root,
    currentVersion,
    latestVersion: due.version,
  }).catch(() => "twg update");
  const text = updateNoticeText(currentVersion, due.version, command);
  const isShown = await showNotification(env, { title: updateNotificationTitle, body: text });
  // Not shown (no desktop session, no notifier): the next interactive
  // command prints it once instead, see ./notice.ts.
  return { ...state, notifications: { ...due, pendingNotice: isShown ? null : text } };
}
