/**
 * What the detached refresh (`src/auth/refresh_parent_side.ts`) costs a due
 * `twg auth token`: the same due run with the exchange in a detached child
 * and in-process (`TWG_TEST_REFRESH_IN_PROCESS=1`), interleaved, on every
 * build. The token is aged before each run, outside the timing.
 *
 * @module
 */
import { ageToken, type Home } from "../tests/e2e/_twg.ts";
import { interleave, median, type ProcessSpec, wallTime } from "./_measure.ts";
import { ms, type Row, times } from "./_report.ts";

/** A build's argv and its bare runtime, as `main.ts` describes them. */
export interface DetachedBuild {
  name: string;
  twg: string[];
  baseline: { argv: string[] };
}

/**
 * One row per build: due `auth token` detached over due `auth token`
 * in-process. The bare runtime is timed in the same series: the child is a
 * second runtime, so the ratio cannot go below 1 + its start / in-process
 * (the row's note).
 */
export async function detachedRefreshRows(
  home: Home,
  builds: DetachedBuild[],
  cwd: string,
  rounds: number,
): Promise<Row[]> {
  const runs = builds.flatMap((build) => [
    ...[false, true].map((inProcess) => {
      const spec: ProcessSpec = {
        argv: [...build.twg, "auth", "token"],
        cwd,
        env: { ...home.env, ...(inProcess ? { TWG_TEST_REFRESH_IN_PROCESS: "1" } : {}) },
      };
      const label = `due twg auth token (${build.name}, ${inProcess ? "in-process" : "detached"})`;
      return async () => {
        await ageToken(home, 0.8);
        return await wallTime(spec, label);
      };
    }),
    () => wallTime({ argv: build.baseline.argv, cwd, env: home.env }, `bare (${build.name})`),
  ]);
  const samples = await interleave(runs, { rounds });
  return builds.map((build, index) => {
    const [detached = [], inProcess = [], bare = []] = samples.slice(index * 3, index * 3 + 3);
    const floor = 1 + median(bare) / median(inProcess);
    return {
      measure: `due twg auth token, refresh in a detached child (${build.name})`,
      figure: ms(median(detached)),
      baseline: `in-process ${ms(median(inProcess))}`,
      ratio: median(detached) / median(inProcess),
      note: `floor ${times(floor)}: in-process and one bare start (${ms(median(bare))})`,
      data: { detached, inProcess, bare, floor },
    };
  });
}
