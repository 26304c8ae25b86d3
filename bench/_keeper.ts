/**
 * The token keeper's rows (issue 20): `twg auth token` answered through the
 * keeper's socket and through the access-token file, each against the same
 * command answered from `auth.conf`, under every build, interleaved in one
 * series; and the keeper's idle memory and CPU over a window (a minute by
 * default, `--keeper-idle-seconds` shortens it for CI).
 *
 * The sandboxed side is imitated by a config directory the client sees
 * without `auth.conf` (the store out of reach, `src/auth/token_source.ts`):
 * empty for the socket, holding only a copy of the access-token file for
 * the file. The keeper itself runs the Deno build against the real one.
 *
 * @module
 */
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Home, type RunningKeeper, startKeeper } from "../tests/e2e/_twg.ts";
import {
  assertSucceeded,
  interleave,
  median,
  type ProcessSpec,
  runProcess,
  wallTime,
} from "./_measure.ts";
import { mib, ms, type Row } from "./_report.ts";

/** A build's argv, as `main.ts` describes it. */
export interface KeeperBuild {
  name: string;
  twg: string[];
}

/** A running `twg auth serve`, stopped on dispose. */
/** `auth token --json`'s source under `env`, to prove each series measures what it says. */
async function sourceOf(build: KeeperBuild, cwd: string, env: Record<string, string>) {
  const result = assertSucceeded(
    await runProcess({ argv: [...build.twg, "auth", "token", "--json"], cwd, env }),
    `twg auth token --json (${build.name})`,
  );
  return JSON.parse(result.stdout).source as string;
}

/**
 * One row per build and way: `auth token` through the keeper's socket and
 * through the access-token file, over `auth token` from `auth.conf`.
 */
export async function keeperTokenRows(
  home: Home,
  builds: KeeperBuild[],
  cwd: string,
  rounds: number,
  scratch: string,
): Promise<Row[]> {
  const socketDir = join(scratch, "keeper");
  await mkdir(socketDir, { mode: 0o700 });
  const socket = join(socketDir, "broker.sock");
  await using _keeper = await startKeeper(home, socket, {
    argv: builds[0]!.twg,
    cwd,
  });
  const sandboxDir = join(scratch, "sees-socket");
  const fileDir = join(scratch, "sees-file");
  await mkdir(sandboxDir, { mode: 0o700 });
  // The access-token file lives in the data directory, outside the config
  // directory: a sandbox that cannot see auth.conf still reads it there.
  await mkdir(fileDir, { mode: 0o700 });
  const ways = [
    { way: "auth.conf", env: home.env, source: ["file", "keyring"] },
    {
      way: "keeper socket",
      env: { ...home.env, TWG_CONFIG_DIR: sandboxDir, TWG_BROKER_SOCKET: socket },
      source: ["broker"],
    },
    {
      way: "access-token file",
      env: {
        ...home.env,
        TWG_CONFIG_DIR: fileDir,
        TWG_BROKER_SOCKET: join(scratch, "no-keeper", "broker.sock"),
      },
      source: ["token-file"],
    },
  ];
  for (const build of builds) {
    for (const { way, env, source } of ways) {
      const actual = await sourceOf(build, cwd, env);
      if (!source.includes(actual)) {
        throw new Error(`auth token via ${way} (${build.name}) answered from ${actual}`);
      }
    }
  }
  const series = builds.flatMap((build) =>
    ways.map(({ way, env }) => {
      const spec: ProcessSpec = { argv: [...build.twg, "auth", "token"], cwd, env };
      return () => wallTime(spec, `twg auth token via ${way} (${build.name})`);
    })
  );
  const samples = await interleave(series, { rounds });
  return builds.flatMap((build, index) => {
    const [fromStore, viaSocket, viaFile] = samples.slice(index * 3, index * 3 + 3) as [
      number[],
      number[],
      number[],
    ];
    return [["keeper socket", viaSocket], ["access-token file", viaFile]].map(
      ([way, values]) => ({
        measure: `twg auth token via the ${way} (${build.name})`,
        figure: ms(median(values as number[])),
        baseline: `from auth.conf ${ms(median(fromStore))}`,
        ratio: median(values as number[]) / median(fromStore),
        data: { samples: values, fromAuthConf: fromStore },
      }),
    );
  });
}

/** Resident memory (KiB) and CPU time so far (ms) of `pid`, from /proc (Linux). */
async function procUsage(pid: number): Promise<{ rssKiB: number; cpuMs: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const rssKiB = Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? NaN);
  // Fields 14 and 15 of /proc/<pid>/stat (utime, stime) in clock ticks,
  // counted after the ")" that ends the command name (proc(5)).
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const ticks = Number(fields[11]) + Number(fields[12]);
  // USER_HZ is 100 on every Linux ABI (sysconf(_SC_CLK_TCK)).
  return { rssKiB, cpuMs: ticks * 10 };
}

/**
 * The keeper idle (started, no requests) over `seconds`, under every build
 * at once: its resident memory at the end and the CPU it used in the window.
 */
export async function keeperIdleRows(
  home: Home,
  builds: KeeperBuild[],
  cwd: string,
  seconds: number,
  scratch: string,
): Promise<Row[]> {
  if (Deno.build.os !== "linux") {
    return [{ measure: "idle twg auth serve", note: "skipped: reads /proc (Linux only)" }];
  }
  const keepers: RunningKeeper[] = [];
  try {
    for (const build of builds) {
      const dir = join(scratch, `idle-${build.name}`);
      await mkdir(dir, { mode: 0o700 });
      // Each its own config directory's view would need its own sign-in; the
      // second keeper shares the store and only listens on another socket.
      keepers.push(await startKeeper(home, join(dir, "broker.sock"), { argv: build.twg, cwd }));
    }
    // Past start-up (module loading, the first refresh check) before the window opens.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    const before = await Promise.all(keepers.map((keeper) => procUsage(keeper.child.pid)));
    await new Promise((resolve) => setTimeout(resolve, seconds * 1000));
    const after = await Promise.all(keepers.map((keeper) => procUsage(keeper.child.pid)));
    return builds.map((build, index) => {
      const cpuMs = after[index]!.cpuMs - before[index]!.cpuMs;
      return {
        measure: `idle twg auth serve over ${seconds} s (${build.name})`,
        figure: `${mib(after[index]!.rssKiB)} RSS, ${ms(cpuMs)} CPU`,
        note: `${((cpuMs / (seconds * 1000)) * 100).toFixed(3)}% of one core`,
        data: { seconds, rssKiB: after[index]!.rssKiB, cpuMs, before: before[index] },
      };
    });
  } finally {
    for (const keeper of keepers) await keeper[Symbol.asyncDispose]();
  }
}
