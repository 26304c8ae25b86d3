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
import { ms, type Row } from "./_report.ts";

/** A build's argv, as `main.ts` describes it. */
export interface DetachedBuild {
  name: string;
  twg: string[];
}

/** One row per build: due `auth token` detached over due `auth token` in-process. */
export async function detachedRefreshRows(
  home: Home,
  builds: DetachedBuild[],
  cwd: string,
  rounds: number,
): Promise<Row[]> {
  const runs = builds.flatMap((build) =>
    [false, true].map((inProcess) => {
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
    })
  );
  const samples = await interleave(runs, { rounds });
  return builds.map((build, index) => {
    const detached = samples[index * 2]!;
    const inProcess = samples[index * 2 + 1]!;
    return {
      measure: `due twg auth token, refresh in a detached child (${build.name})`,
      figure: ms(median(detached)),
      baseline: `in-process ${ms(median(inProcess))}`,
      ratio: median(detached) / median(inProcess),
      data: { detached, inProcess },
    };
  });
}
