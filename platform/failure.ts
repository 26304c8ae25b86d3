/**
 * How a failure of the operating system's tools reaches the person: as a
 * {@link PlatformError} that says what failed, on what, and what to do next,
 * never as "Unexpected error". Every scheduler step goes through
 * {@link platformStep} (see `schedulerFor` in `./mod.ts`); the notifier and
 * the browser opener never throw, they answer whether they worked.
 *
 * @module
 */
import type { RunResult } from "../src/env.ts";
import { isAbortError, messageOf, TwgError } from "../src/errors.ts";

/**
 * A scheduler tool (`launchctl`, `systemctl --user`, `schtasks`) or the file
 * system under it refused: exit 1, with the next step as the hint.
 */
export class PlatformError extends TwgError {
  override name = "PlatformError";
  constructor(message: string, hint: string, cause?: unknown) {
    super(message, cause === undefined ? { hint } : { hint, cause });
  }
}

/**
 * What a failed command said, for an error message: its stderr verbatim
 * (only trailing whitespace trimmed), else its stdout, else its exit code.
 *
 * @example
 * ```ts
 * import { commandFailure } from "./failure.ts";
 *
 * commandFailure({ code: 5, stdout: "", stderr: "Bootstrap failed: 5: Input/output error\n" });
 * // "exit code 5: Bootstrap failed: 5: Input/output error"
 * ```
 */
export function commandFailure(result: RunResult): string {
  const said = result.stderr.trimEnd() || result.stdout.trimEnd();
  return said === "" ? `exit code ${result.code}` : `exit code ${result.code}: ${said}`;
}

/**
 * Runs `step`, and turns whatever it throws into a typed error: a
 * {@link TwgError} (a {@link PlatformError}, or a usage error for a path a
 * format cannot hold) and an interrupt pass through; anything else (a
 * directory the OS refused to create, a program Deno's `--allow-run` refused
 * to start) becomes a {@link PlatformError} "`what`: its message", with `hint`.
 *
 * @example
 * ```ts
 * import { platformStep } from "./failure.ts";
 *
 * const refused = () => Promise.reject(new Error("EACCES: permission denied, mkdir '/x'"));
 * const error = await platformStep("Cannot enable upkeep", "Fix it", refused).catch((e) => e);
 * error.message; // "Cannot enable upkeep: EACCES: permission denied, mkdir '/x'"
 * error.exitCode; // 1
 * ```
 */
export async function platformStep<T>(
  what: string,
  hint: string,
  step: () => Promise<T>,
): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (error instanceof TwgError || isAbortError(error)) throw error;
    throw new PlatformError(`${what}: ${messageOf(error)}`, hint, error);
  }
}
