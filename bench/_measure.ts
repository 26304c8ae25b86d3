/**
 * Whole-process measurements and the statistics the bench reports.
 *
 * Figures taken on a shared machine drift with its load, so every figure is
 * taken in turn with its baseline (A B A B …) and reported as a median, and
 * the budget is a ratio of two medians taken side by side.
 *
 * @module
 */

/** How a child is started: the argv, its working directory and its whole environment. */
export interface ProcessSpec {
  argv: string[];
  cwd: string;
  env: Record<string, string>;
}

/** What one finished child left behind, and how long it took from spawn to exit. */
export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  wallMs: number;
}

/** Runs `spec` to completion; stdin is closed, output is collected. */
export async function runProcess(spec: ProcessSpec): Promise<ProcessResult> {
  const [command, ...args] = spec.argv;
  const started = performance.now();
  const output = await new Deno.Command(command!, {
    args,
    cwd: spec.cwd,
    env: spec.env,
    // The child sees exactly `env`: the bench's own variables (a stray
    // GH_TOKEN, TWG_CONFIG_DIR, DENO_*) must not change what is measured.
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - started;
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
    wallMs,
  };
}

/** Throws, with the child's output, unless it exited 0. */
export function assertSucceeded(result: ProcessResult, what: string): ProcessResult {
  if (result.code !== 0) {
    throw new Error(
      `${what} exited ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
  return result;
}

/** The wall time of one successful run of `spec`, in ms. */
export async function wallTime(spec: ProcessSpec, what: string): Promise<number> {
  return assertSucceeded(await runProcess(spec), what).wallMs;
}

/** CPU time and peak memory of one child. */
export interface ResourceUsage {
  /** User plus system time, ms. */
  cpuMs: number;
  /** Peak resident set size, KiB. */
  peakRssKiB: number;
}

const GNU_TIME = "/usr/bin/time";

/** Whether GNU time (Debian package `time`) is installed where {@link resourceUsage} runs it. */
export async function hasGnuTime(): Promise<boolean> {
  return await Deno.stat(GNU_TIME).then((info) => info.isFile, () => false);
}

/**
 * Runs `spec` once and reads its CPU time and peak RSS from the kernel's
 * rusage (Deno's `ChildStatus` carries none). GNU time reports the peak RSS
 * exactly, but CPU only to 10 ms, which is half of a bare `deno run`; bash's
 * `times` prints the same rusage to 1 ms, so the CPU comes from there. The
 * ~1 ms GNU time itself costs lands on both sides of a ratio alike.
 */
export async function resourceUsage(spec: ProcessSpec, what: string): Promise<ResourceUsage> {
  const rssFile = await Deno.makeTempFile({ prefix: "twg-bench-rss-" });
  try {
    const script = `${GNU_TIME} -f %M -o "$0" "$@" >/dev/null 2>&1 || exit; times`;
    const result = assertSucceeded(
      await runProcess({ ...spec, argv: ["bash", "-c", script, rssFile, ...spec.argv] }),
      what,
    );
    // `times` prints the shell's own user/sys line, then its children's.
    const children = result.stdout.trim().split("\n")[1] ?? "";
    const [user, system] = children.split(" ").map(parseBashDuration);
    const peakRssKiB = Number((await Deno.readTextFile(rssFile)).trim());
    if (user === undefined || system === undefined || !Number.isFinite(peakRssKiB)) {
      throw new Error(`Cannot read the resource usage of ${what}: ${result.stdout}`);
    }
    return { cpuMs: user + system, peakRssKiB };
  } finally {
    await Deno.remove(rssFile);
  }
}

/** `0m0.031s` (bash's `times`) in ms. */
function parseBashDuration(text: string): number {
  const match = /^(\d+)m([\d.]+)s$/.exec(text);
  if (!match) throw new Error(`Unexpected duration from bash's times: "${text}"`);
  return (Number(match[1]) * 60 + Number(match[2])) * 1000;
}

/** Options for {@link interleave}. */
export interface InterleaveOptions {
  /** Rounds measured after the warm-up. */
  rounds: number;
  /** Rounds run first and thrown away: module caches, page cache, JIT, server. */
  warmupRounds?: number;
}

/**
 * Runs each trial once per round, in turn (A B C A B C …), so that any drift
 * in the machine's load falls on every trial alike. Returns each trial's
 * samples, in the order the trials were given.
 */
export async function interleave<T>(
  trials: (() => Promise<T>)[],
  options: InterleaveOptions,
): Promise<T[][]> {
  for (let round = 0; round < (options.warmupRounds ?? 1); round++) {
    for (const trial of trials) await trial();
  }
  const samples: T[][] = trials.map(() => []);
  for (let round = 0; round < options.rounds; round++) {
    for (const [index, trial] of trials.entries()) samples[index]!.push(await trial());
  }
  return samples;
}

/** The value below which a fraction `q` of `values` lies (nearest rank). */
export function quantile(values: number[], q: number): number {
  if (values.length === 0) throw new Error("Cannot take a quantile of no values");
  const sorted = values.toSorted((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? sorted[0]!;
}

/** The median; for an even count, the mean of the two middle values. */
export function median(values: number[]): number {
  if (values.length === 0) throw new Error("Cannot take the median of no values");
  const sorted = values.toSorted((a, b) => a - b);
  const middle = sorted.length / 2;
  return Number.isInteger(middle)
    ? (sorted[middle - 1]! + sorted[middle]!) / 2
    : sorted[Math.floor(middle)]!;
}
