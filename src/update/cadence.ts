/**
 * When to look for a new version and when to tell the person about it, as
 * pure functions of the recorded state and the time, so that the whole
 * schedule is tested as a table (`tests/update/cadence_test.ts`).
 *
 * Checks: the first as soon as none is recorded, then at most once every 24
 * hours plus a jitter of up to an hour, chosen once per check, so that many
 * installations do not ask the manifest server at the same minute forever.
 *
 * Notifications, per new version: one when it is first seen, three daily
 * reminders, three weekly ones, then silence until a newer version appears.
 * Each reminder is timed from the previous one, not from the first: a laptop
 * that slept through a day gets its reminder a day late instead of two at once.
 *
 * @module
 */
import type { NotificationState, UpkeepState } from "../config/upkeep_state.ts";
import { compareSemVer, isNewerVersion, isSemVer } from "../install/semver.ts";
import type { Env } from "../env.ts";

const hourMs = 60 * 60_000;
const dayMs = 24 * hourMs;

/** The shortest time between two update checks. */
export const updateCheckIntervalMs = dayMs;
/** The largest random delay added to {@link updateCheckIntervalMs}. */
export const updateCheckJitterMs = hourMs;

/**
 * The wait before each reminder, counted from the notification before it:
 * three daily, then three weekly. After the last, nothing.
 */
export const reminderGapsMs: readonly number[] = [
  dayMs,
  dayMs,
  dayMs,
  7 * dayMs,
  7 * dayMs,
  7 * dayMs,
];

/**
 * The earliest time of the check after one made at `now`; `random` is a
 * number in [0, 1) (`Math.random()`), which picks the jitter.
 *
 * @example
 * ```ts
 * nextUpdateCheckAt(Date.UTC(2026, 0, 1), 0.5); // 2026-01-02T00:30:00Z
 * ```
 */
export function nextUpdateCheckAt(now: number, random: number): number {
  return now + updateCheckIntervalMs + Math.floor(random * updateCheckJitterMs);
}

/**
 * Whether an update check is due at `now`: when none is recorded, else once
 * `nextUpdateCheckAfter` has passed. A hand-edited or corrupt time is held
 * within [24 h, 25 h] after the last check, so that checks are never closer
 * than a day and never stop.
 *
 * @example
 * ```ts
 * isUpdateCheckDue({ lastUpdateCheck: null, nextUpdateCheckAfter: null }, Date.now()); // true
 * ```
 */
export function isUpdateCheckDue(
  state: Pick<UpkeepState, "lastUpdateCheck" | "nextUpdateCheckAfter">,
  now: number,
): boolean {
  if (!state.lastUpdateCheck) return true;
  const last = Date.parse(state.lastUpdateCheck);
  // A check recorded in the future was timed by a clock that was wrong then;
  // waiting for it could mean waiting for years.
  if (Number.isNaN(last) || last > now) return true;
  const earliest = last + updateCheckIntervalMs;
  const planned = Date.parse(state.nextUpdateCheckAfter ?? "");
  const dueAt = Number.isNaN(planned)
    ? earliest
    : Math.min(Math.max(planned, earliest), earliest + updateCheckJitterMs);
  return now >= dueAt;
}

/** What the notification cadence reads. */
export interface CadenceInput {
  /** The running version. */
  currentVersion: string;
  /** The newest version the last successful check saw. */
  latestVersion: string | null;
  /** What was sent so far, for one version. */
  notifications: NotificationState | null;
}

/**
 * The notification state after a notification due at `now`, or `null` when
 * none is due. A version newer than the one notified about starts the
 * cadence over; a version older than it (a release withdrawn from the
 * manifest) gets no reminders, and neither does one that is not newer than
 * the running version.
 *
 * @example
 * ```ts
 * const first = nextNotification(
 *   { currentVersion: "1.0.0", latestVersion: "1.1.0", notifications: null },
 *   Date.UTC(2026, 0, 1),
 * ); // { version: "1.1.0", firstSeenAt: "2026-01-01T00:00:00.000Z", sentAt: [that time], pendingNotice: null }
 * ```
 */
export function nextNotification(input: CadenceInput, now: number): NotificationState | null {
  const { currentVersion, latestVersion, notifications } = input;
  if (!latestVersion || !isNewerVersion(latestVersion, currentVersion)) return null;
  const at = new Date(now).toISOString();
  if (
    !notifications || !isSemVer(notifications.version) ||
    isNewerVersion(latestVersion, notifications.version)
  ) {
    return { version: latestVersion, firstSeenAt: at, sentAt: [at], pendingNotice: null };
  }
  if (compareSemVer(latestVersion, notifications.version) !== 0) return null;
  const sent = notifications.sentAt.length;
  if (sent === 0) return { ...notifications, sentAt: [at] };
  const gap = reminderGapsMs[sent - 1];
  if (gap === undefined) return null;
  const lastSent = Date.parse(notifications.sentAt[sent - 1]!);
  if (!Number.isNaN(lastSent) && now - lastSent < gap) return null;
  return { ...notifications, sentAt: [...notifications.sentAt, at] };
}

/**
 * The one line every notification says; `howToUpdate` is the command that
 * works for this install (see `./how_to_update.ts`).
 *
 * @example
 * ```ts
 * updateNoticeText("1.0.0", "1.1.0"); // 'twg 1.1.0 is available (you have 1.0.0): run "twg update"'
 * updateNoticeText("1.0.0", "1.1.0", "git -C ~/twg pull"); // '…: run "git -C ~/twg pull"'
 * ```
 */
export function updateNoticeText(
  currentVersion: string,
  latestVersion: string,
  howToUpdate = "twg update",
): string {
  return `twg ${latestVersion} is available (you have ${currentVersion}): run "${howToUpdate}"`;
}

/**
 * Whether the person turned update notices off: `NO_UPDATE_NOTIFIER` set to
 * anything non-empty (the variable npm's and many CLIs' notifiers honour).
 */
export function isUpdateNotifierDisabled(env: Pick<Env, "getVar">): boolean {
  return Boolean(env.getVar("NO_UPDATE_NOTIFIER"));
}
