/**
 * Many `twg auth token` processes started at once on one config directory,
 * as agents and scripts do: with a due token, exactly one of them may rotate
 * it (the lock), and the rest must not wait much longer than they would for a
 * fresh one.
 *
 * @module
 */
import { ageToken, type Home } from "../tests/e2e/_twg.ts";
import type { DevServer } from "../tests/fixtures/dev_server_client.ts";
import { type ProcessSpec, runProcess } from "./_measure.ts";

/** One race: every process started together, timed until the last exits. */
export interface RaceResult {
  wallMs: number;
  /** Requests the token endpoint received during the race. */
  tokenRequests: number;
  /** Processes that did not exit 0. */
  failures: number;
  /** Distinct tokens printed; every racer should print the same one. */
  distinctTokens: number;
}

/** Options for {@link race}. */
export interface RaceOptions {
  racers: number;
  /** Ages the stored token past its refresh point first, so that a refresh is due. */
  isDue: boolean;
}

/** Races `options.racers` copies of `spec` (which must be `twg auth token`) in `home`. */
export async function race(
  spec: ProcessSpec,
  home: Home,
  server: DevServer,
  options: RaceOptions,
): Promise<RaceResult> {
  // Refresh is due at 75% of the lifetime; 80% leaves margin, stays unexpired.
  if (options.isDue) await ageToken(home, 0.8);
  await server.resetStats();
  const started = performance.now();
  const results = await Promise.all(Array.from({ length: options.racers }, () => runProcess(spec)));
  const wallMs = performance.now() - started;
  const { tokenRequests } = await server.stats();
  const succeeded = results.filter((result) => result.code === 0);
  return {
    wallMs,
    tokenRequests,
    failures: results.length - succeeded.length,
    distinctTokens: new Set(succeeded.map((result) => result.stdout.trim())).size,
  };
}

/**
 * What went wrong in a series of races, empty when nothing did: a due token
 * must cost exactly one token request, a fresh one none, and every racer
 * must succeed and print the same token.
 */
export function raceProblems(due: RaceResult[], fresh: RaceResult[]): string[] {
  const count = (results: RaceResult[], isWrong: (result: RaceResult) => boolean) =>
    results.filter(isWrong).length;
  const problems = [
    [count(due, (result) => result.tokenRequests !== 1), "due races without exactly 1 request"],
    [count(fresh, (result) => result.tokenRequests !== 0), "fresh races that sent a request"],
    [count([...due, ...fresh], (result) => result.failures > 0), "races with a failed process"],
    [count([...due, ...fresh], (result) => result.distinctTokens > 1), "races printing 2+ tokens"],
  ] as const;
  return problems.flatMap(([races, what]) => races > 0 ? [`${races} ${what}`] : []);
}
