/**
 * Durations as people type them on a command line (`exec --min-valid`):
 * `90`, `90s`, `5m`, `1h`, `1h30m`. A bare number is seconds.
 *
 * @module
 */
import { UsageError } from "../errors.ts";

const unitMs: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000 };

/** Milliseconds in `text`, or a usage error that shows the accepted forms. */
export function parseDuration(text: string, flag: string): number {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const parts = [...trimmed.matchAll(/(\d+)([hms])/g)];
  if (parts.length === 0 || parts.map((part) => part[0]).join("") !== trimmed) {
    throw new UsageError(
      `${flag} takes a duration, not "${text}"`,
      `Write it as seconds (90) or with units: 90s, 5m, 1h30m`,
    );
  }
  return parts.reduce((total, part) => total + Number(part[1]) * unitMs[part[2]!]!, 0);
}
