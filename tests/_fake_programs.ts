/**
 * Fake programs on PATH for update and uninstall tests: shell scripts that
 * append their argv to a log and answer as scripted, plus a way to run them
 * from an in-process {@link Env}.
 *
 * @module
 */
import { join } from "node:path";
import type { Env } from "../src/env.ts";
import { createProcessEnv } from "../src/env_deno.ts";

/** How a fake program answers. */
export interface FakeAnswer {
  code?: number;
  stdout?: string;
  /** Shell lines run after logging, before exiting (what a real install would change). */
  effect?: string;
}

/**
 * Writes `<binDir>/<name>`: it appends one line, its arguments joined by
 * spaces, to `<binDir>/<name>.log`, prints `stdout` and exits with `code`.
 * Returns the log path.
 */
export async function fakeProgram(
  binDir: string,
  name: string,
  answer: FakeAnswer = {},
): Promise<string> {
  await Deno.mkdir(binDir, { recursive: true });
  const log = join(binDir, `${name}.log`);
  await Deno.writeTextFile(
    join(binDir, name),
    `#!/bin/sh\necho "$*" >> '${log}'\n${answer.effect ?? ""}\nprintf '%s' '${
      answer.stdout ?? ""
    }'\nexit ${answer.code ?? 0}\n`,
    { mode: 0o755 },
  );
  return log;
}

/** The lines a fake program logged (one per run), or none. */
export async function loggedCalls(log: string): Promise<string[]> {
  const text = await Deno.readTextFile(log).catch(() => "");
  return text.split("\n").filter(Boolean);
}

/**
 * The real process runner, with `vars` (PATH included) as the child's
 * environment, so that programs are found on the test's PATH.
 */
export function realRun(vars: Record<string, string>): Env["run"] {
  const { run } = createProcessEnv();
  return (command, args, options) =>
    run(command, args, { ...options, env: { ...vars, ...options?.env } });
}
