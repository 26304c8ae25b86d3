/**
 * `upkeep.json`: the helper's non-secret state, never a token. This module
 * owns its shape and every read and write of it: the upkeep round
 * (`src/upkeep/`), the update check and its notices (`src/update/`), and
 * enabling the schedule all go through here.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { parentDir } from "../lean_path.ts";
import { writeFileAtomic } from "../safe_files/atomic_write.ts";
import { ensureConfigDir } from "../safe_files/config_dir.ts";
import type { SchedulerName } from "../../platform/schedule_spec.ts";

/** Update notifications sent for one version (see `src/update/cadence.ts`). */
export interface NotificationState {
  version: string;
  firstSeenAt: string;
  /** Times a notification for this version was shown. */
  sentAt: string[];
  /** A notification that could not be shown natively, waiting for the next interactive command. */
  pendingNotice: string | null;
}

/** The consent-expiry announcements made for one consent (see `src/auth/consent_expiry.ts`). */
export interface ConsentNoticeState {
  /** The consent's expiry they are about: a new login starts afresh. */
  expiresAt: string;
  /** The thresholds (days ahead) already announced. */
  announcedDays: number[];
}

/** The content of `upkeep.json`. */
export interface UpkeepState {
  version: 1;
  enabled: boolean;
  scheduler: SchedulerName | null;
  /** Why the last `upkeep enable` failed, verbatim from the scheduler tool. */
  enableError: string | null;
  lastRun: string | null;
  lastResult: string | null;
  lastRefresh: string | null;
  lastError: string | null;
  lastUpdateCheck: string | null;
  nextUpdateCheckAfter: string | null;
  /** Why the last update check failed; `null` after one that succeeded. */
  updateCheckError: string | null;
  latestVersion: string | null;
  notifications: NotificationState | null;
  consentNotice: ConsentNoticeState | null;
}

/** State before anything has run. */
export function initialUpkeepState(): UpkeepState {
  return {
    version: 1,
    enabled: false,
    scheduler: null,
    enableError: null,
    lastRun: null,
    lastResult: null,
    lastRefresh: null,
    lastError: null,
    lastUpdateCheck: null,
    nextUpdateCheckAfter: null,
    updateCheckError: null,
    latestVersion: null,
    notifications: null,
    consentNotice: null,
  };
}

/** Reads `upkeep.json`; a missing or unreadable file is the initial state (it holds nothing irreplaceable). */
export async function readUpkeepState(env: Env, path: string): Promise<UpkeepState> {
  try {
    const parsed = JSON.parse(await env.fs.readFile(path, "utf8"));
    if (parsed && typeof parsed === "object" && parsed.version === 1) {
      return { ...initialUpkeepState(), ...parsed };
    }
  } catch {
    // Absent or corrupt: start over.
  }
  return initialUpkeepState();
}

/** Saves `upkeep.json` atomically, mode 0644. */
export async function writeUpkeepState(env: Env, path: string, state: UpkeepState): Promise<void> {
  await ensureConfigDir(env, parentDir(path));
  await writeFileAtomic(env, path, JSON.stringify(state, null, 2) + "\n", 0o644);
}

/** Reads, changes and saves the state. */
export async function updateUpkeepState(
  env: Env,
  path: string,
  change: (state: UpkeepState) => UpkeepState,
): Promise<UpkeepState> {
  const next = change(await readUpkeepState(env, path));
  await writeUpkeepState(env, path, next);
  return next;
}

/**
 * Takes the notice that waits for the next interactive command: clears it
 * in `upkeep.json` and returns it with the version it is about, or `null`
 * when none waits. Throws when the file cannot be written, so that a
 * notice that cannot be marked shown is never shown (it would repeat).
 */
export async function takePendingNotice(
  env: Env,
  path: string,
): Promise<{ version: string; notice: string } | null> {
  const state = await readUpkeepState(env, path);
  const notifications = state.notifications;
  if (!notifications?.pendingNotice) return null;
  await writeUpkeepState(env, path, {
    ...state,
    notifications: { ...notifications, pendingNotice: null },
  });
  return { version: notifications.version, notice: notifications.pendingNotice };
}
