/**
 * Tests that need a tool a newcomer's machine may lack (bwrap, script, tmux, zsh,
 * xmllint, systemd-analyze, taskset) or the scheduler schemas: {@link testRequiring}
 * runs them where everything is there, registers them as ignored with the
 * reason in the name where something is missing, and makes them fail
 * instead in CI (`CI=true`, or `TWG_REQUIRE_SCHEMAS=1` as `.ci/run` sets),
 * where a skipped check must never pass for a run one.
 *
 * @module
 */
import { existsSync, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the schema files are looked for: `TWG_SCHEMA_DIR`, default `../shared/schemas`. */
export const schemaDir = Deno.env.get("TWG_SCHEMA_DIR") ??
  fileURLToPath(new URL("../../shared/schemas", import.meta.url));

const SCHEMA_FILES = ["PropertyList-1.0.dtd", "catalog.xml", "task-scheduler.xsd"];

/** What a test may need besides Deno and Node. */
export type Requirement =
  | "schemas"
  | "bwrap"
  | "script"
  | "xmllint"
  | "systemd-analyze"
  | "taskset"
  | "tmux"
  | "zsh";

/** Whether `name` is an executable file in a directory of `PATH`. */
function isOnPath(name: string): boolean {
  return (Deno.env.get("PATH") ?? "").split(delimiter).some((dir) => {
    try {
      const info = statSync(join(dir, name));
      return info.isFile() && (info.mode & 0o111) !== 0;
    } catch {
      return false;
    }
  });
}

/** Why `requirement` is not met here, or `undefined` when it is. */
export function missingReason(requirement: Requirement): string | undefined {
  if (requirement !== "schemas") {
    return isOnPath(requirement) ? undefined : `${requirement} not installed`;
  }
  const absent = SCHEMA_FILES.filter((file) => !existsSync(join(schemaDir, file)));
  return absent.length === 0 ? undefined : `schemas not found at ${schemaDir}`;
}

/** Whether a missing requirement fails the run instead of skipping the test (CI). */
export function isRequiredHere(): boolean {
  return Deno.env.get("CI") === "true" || Deno.env.get("TWG_REQUIRE_SCHEMAS") === "1";
}

/**
 * Registers a test that needs `requirements`: it runs when they are met;
 * otherwise it is ignored with the reason in its name, or, in CI, fails
 * with that reason.
 *
 * @example
 * ```ts ignore
 * testRequiring(["bwrap"], "a read-only sandbox gets exit 4", async () => { … });
 * ```
 */
export function testRequiring(
  requirements: Requirement[],
  name: string,
  fn: (t: Deno.TestContext) => void | Promise<void>,
  options: Omit<Deno.TestDefinition, "name" | "fn"> = {},
): void {
  const reasons = requirements.map(missingReason).filter((reason) => reason !== undefined);
  if (reasons.length === 0) {
    Deno.test({ ...options, name, fn });
  } else if (isRequiredHere()) {
    Deno.test({
      ...options,
      name,
      fn() {
        throw new Error(`Required in CI (CI=true or TWG_REQUIRE_SCHEMAS=1): ${reasons.join("; ")}`);
      },
    });
  } else {
    Deno.test({ ...options, ignore: true, name: `${name} (skipped: ${reasons.join("; ")})`, fn });
  }
}
