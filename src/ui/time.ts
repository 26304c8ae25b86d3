/**
 * Times as people read them: local time to the minute and how far away it
 * is ("in 42 min", "5 min ago"). JSON keeps ISO 8601 UTC (contract).
 *
 * @module
 */

/**
 * `iso` in the local time zone with its distance from `now`.
 *
 * @example
 * ```ts
 * formatTime("2026-11-28T12:42:00.000Z", Date.parse("2026-11-28T12:00:00Z"));
 * // "2026-11-28 12:42 (in 42 min)" where local time is UTC
 * ```
 */
export function formatTime(iso: string, now: number): string {
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return iso;
  const date = new Date(time);
  const pad = (value: number) => String(value).padStart(2, "0");
  const local = `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ` +
    `${pad(date.getHours())}:${pad(date.getMinutes())}`;
  return `${local} (${relativeTime(time, now)})`;
}

/** "in 42 min", "5 min ago", "in 3 h 10 min", "2 days ago", "now". */
export function relativeTime(time: number, now: number): string {
  const seconds = Math.round((time - now) / 1000);
  const magnitude = Math.abs(seconds);
  let span: string;
  if (magnitude < 60) return "now";
  const minutes = Math.round(magnitude / 60);
  if (minutes < 60) span = `${minutes} min`;
  else if (minutes < 48 * 60) {
    const hours = Math.floor(minutes / 60);
    const rest = minutes % 60;
    span = rest ? `${hours} h ${rest} min` : `${hours} h`;
  } else span = `${Math.round(minutes / (24 * 60))} days`;
  return seconds > 0 ? `in ${span}` : `${span} ago`;
}
