/**
 * A runtime permission that was not granted (Deno's `--allow-*` flags, Node's
 * `--permission`). An expected condition, never "Unexpected": twg is run with
 * least-privilege flags on purpose (README), so a denial says which access to
 * which target was refused and the flag that grants it. Recognising the error
 * is runtime-specific (`permissionDenialOf` in `env.ts` and `env_node.ts`);
 * describing it is here.
 *
 * @module
 */
import { TwgError } from "./errors.ts";

/** What was refused. */
export interface PermissionDenial {
  runtime: "deno" | "node";
  /** Deno's permission names (`write`, `read`, `net`, `env`, `run`, `sys`, …); Node's mapped to them. */
  access: string;
  /** The path, host, variable or program, when the runtime names it. */
  target: string | null;
  /** The flag that grants it, with the target: `--allow-write=/tmp/out`. */
  flag: string;
}

const verbs: Record<string, string> = {
  write: "write",
  read: "read",
  net: "connect to",
  env: "read the environment variable",
  run: "run",
  sys: "read the system information",
  ffi: "load the native library",
  import: "import",
};

/** The error printed for a denial: what, on what, and the flag to add. */
export function permissionDenialError(denial: PermissionDenial, cause?: unknown): TwgError {
  const verb = verbs[denial.access] ?? `use ${denial.access} access on`;
  const what = denial.target ? `${verb} "${denial.target}"` : `use ${denial.access} access`;
  const runtime = denial.runtime === "deno" ? "Deno" : "Node";
  const where = denial.runtime === "deno"
    ? 'to the "deno run" or "deno install" flags that start twg'
    : 'to the "node --permission" flags that start twg';
  return new TwgError(`${runtime}'s permissions do not allow twg to ${what}`, {
    hint: `Add ${denial.flag} ${where}; the README's install line lists what twg needs`,
    cause,
  });
}

/** The first permission denial in `error` or its chain of causes. */
export function findPermissionDenial(
  error: unknown,
  recognise: (error: unknown) => PermissionDenial | null,
): PermissionDenial | null {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const denial = recognise(current);
    if (denial) return denial;
    current = (current as { cause?: unknown }).cause;
  }
  return null;
}
