import assert from "node:assert/strict";
import fc from "fast-check";
import {
  isUpdateCheckDue,
  nextNotification,
  nextUpdateCheckAt,
  updateCheckJitterMs,
  updateNoticeText,
} from "../../src/update/cadence.ts";
import type { NotificationState } from "../../src/config/upkeep_state.ts";

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
const start = Date.UTC(2026, 10, 1, 9, 0, 0);
const iso = (time: number) => new Date(time).toISOString();

/**
 * Runs the cadence the way upkeep does, every `tickMs` from day 0 through
 * `lastDay`, with the manifest announcing `releases` (day → version), and
 * returns the days on which a notification went out.
 */
function notifiedDays(
  releases: [day: number, version: string][],
  options: { currentVersion?: string; lastDay?: number; tickMs?: number } = {},
): number[] {
  const { currentVersion = "1.0.0", lastDay = 60, tickMs = day } = options;
  let notifications: NotificationState | null = null;
  const days: number[] = [];
  for (let now = start; now <= start + lastDay * day; now += tickMs) {
    const latestVersion = releases.filter(([from]) => start + from * day <= now).at(-1)?.[1] ??
      null;
    const next = nextNotification({ currentVersion, latestVersion, notifications }, now);
    if (next) {
      notifications = next;
      days.push(Math.floor((now - start) / day));
    }
  }
  return days;
}

const cadenceTable: {
  name: string;
  releases: [number, string][];
  currentVersion?: string;
  expected: number[];
}[] = [
  {
    name: "first seen on day 0: days 0, 1, 2, 3, then 10, 17, 24, then silence through day 60",
    releases: [[0, "1.1.0"]],
    expected: [0, 1, 2, 3, 10, 17, 24],
  },
  {
    name: "a newer version on day 30 starts the cadence over",
    releases: [[0, "1.1.0"], [30, "1.2.0"]],
    expected: [0, 1, 2, 3, 10, 17, 24, 30, 31, 32, 33, 40, 47, 54],
  },
  {
    name: "a newer version mid-cadence (day 5) starts over at once",
    releases: [[0, "1.1.0"], [5, "1.2.0"]],
    expected: [0, 1, 2, 3, 5, 6, 7, 8, 15, 22, 29],
  },
  {
    name: "a version first seen on day 12 is counted from day 12",
    releases: [[12, "1.1.0"]],
    expected: [12, 13, 14, 15, 22, 29, 36],
  },
  {
    name: "the running version is not announced",
    releases: [[0, "1.0.0"]],
    expected: [],
  },
  {
    name: "an older version is not announced",
    releases: [[0, "0.9.0"]],
    expected: [],
  },
  {
    name: "a release withdrawn on day 2 (manifest back to an older one) ends the reminders",
    releases: [[0, "1.2.0"], [2, "1.1.0"]],
    expected: [0, 1],
  },
  {
    name: "a pre-release of the running version is older and not announced",
    releases: [[0, "1.0.0-rc.1"]],
    expected: [],
  },
];

for (const row of cadenceTable) {
  Deno.test(`notification cadence: ${row.name}`, () => {
    const options = row.currentVersion ? { currentVersion: row.currentVersion } : {};
    assert.deepEqual(notifiedDays(row.releases, options), row.expected);
  });
}

Deno.test("notification cadence: the same days when upkeep ticks every 12 minutes", () => {
  assert.deepEqual(
    notifiedDays([[0, "1.1.0"], [30, "1.2.0"]], { tickMs: 12 * minute }),
    [0, 1, 2, 3, 10, 17, 24, 30, 31, 32, 33, 40, 47, 54],
  );
});

Deno.test("notification cadence: a laptop asleep for days gets one reminder, not a burst", () => {
  const first = nextNotification(
    { currentVersion: "1.0.0", latestVersion: "1.1.0", notifications: null },
    start,
  )!;
  const woke = start + 5 * day;
  const reminder = nextNotification(
    { currentVersion: "1.0.0", latestVersion: "1.1.0", notifications: first },
    woke,
  )!;
  assert.equal(reminder.sentAt.length, 2);
  assert.equal(
    nextNotification(
      { currentVersion: "1.0.0", latestVersion: "1.1.0", notifications: reminder },
      woke + 12 * minute,
    ),
    null,
    "the next daily reminder waits a day from this one",
  );
});

Deno.test("the notice names the version and the command", () => {
  assert.equal(
    updateNoticeText("1.0.0", "1.1.0"),
    'twg 1.1.0 is available (you have 1.0.0): run "twg update"',
  );
});

Deno.test("update check: due on the first run, when none is recorded", () => {
  assert.equal(
    isUpdateCheckDue({ lastUpdateCheck: null, nextUpdateCheckAfter: null }, start),
    true,
  );
});

Deno.test("update check: not due before the recorded time, due from it on", () => {
  const state = {
    lastUpdateCheck: iso(start),
    nextUpdateCheckAfter: iso(start + day + 17 * minute),
  };
  assert.equal(isUpdateCheckDue(state, start + day), false);
  assert.equal(isUpdateCheckDue(state, start + day + 17 * minute - 1), false);
  assert.equal(isUpdateCheckDue(state, start + day + 17 * minute), true);
});

Deno.test("update check: a corrupt or edited next time is held within 24 to 25 hours", () => {
  const last = iso(start);
  const early = { lastUpdateCheck: last, nextUpdateCheckAfter: iso(start + hour) };
  assert.equal(isUpdateCheckDue(early, start + day - 1), false, "never closer than 24 h");
  assert.equal(isUpdateCheckDue(early, start + day), true);
  const far = { lastUpdateCheck: last, nextUpdateCheckAfter: "2999-01-01T00:00:00.000Z" };
  assert.equal(isUpdateCheckDue(far, start + day + hour), true, "never stops");
  const garbage = { lastUpdateCheck: last, nextUpdateCheckAfter: "soon" };
  assert.equal(isUpdateCheckDue(garbage, start + day - 1), false);
  assert.equal(isUpdateCheckDue(garbage, start + day), true);
});

Deno.test("update check: the jitter stays within 0 to 60 minutes", () => {
  assert.equal(nextUpdateCheckAt(start, 0), start + day);
  assert.equal(nextUpdateCheckAt(start, 0.5), start + day + 30 * minute);
  fc.assert(fc.property(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), (random) => {
    const jitter = nextUpdateCheckAt(start, random) - start - day;
    assert.ok(jitter >= 0 && jitter <= updateCheckJitterMs, `jitter ${jitter}`);
  }));
});

Deno.test("update check: over 30 days of 12-minute ticks, checks are 24 h to 25 h 12 min apart", () => {
  fc.assert(
    fc.property(
      fc.array(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), {
        minLength: 40,
        maxLength: 40,
      }),
      (randoms) => {
        let state = {
          lastUpdateCheck: null as string | null,
          nextUpdateCheckAfter: null as string | null,
        };
        const checks: number[] = [];
        for (let now = start; now <= start + 30 * day; now += 12 * minute) {
          if (!isUpdateCheckDue(state, now)) continue;
          checks.push(now);
          state = {
            lastUpdateCheck: iso(now),
            nextUpdateCheckAfter: iso(
              nextUpdateCheckAt(now, randoms[checks.length % randoms.length]!),
            ),
          };
        }
        assert.equal(checks[0], start, "the first run checks");
        for (let i = 1; i < checks.length; i++) {
          const gap = checks[i]! - checks[i - 1]!;
          assert.ok(gap >= day && gap <= day + hour + 12 * minute, `gap ${gap / hour} h`);
        }
      },
    ),
    { numRuns: 25 },
  );
});
