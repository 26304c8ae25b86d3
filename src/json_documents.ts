/**
 * The `--json` documents' one shape rule: every field always present (null
 * when unknown), a `schemaVersion`, and `error` (`{code, message, hint}` or
 * null) in every document, success or failure. Each command passes its
 * document through {@link jsonDocument}; `src/main.ts` does the same for a
 * failure, so a failed `auth status --json` has the fields of a successful
 * one. The JSON Schemas in `schemas/` describe the results; a test checks
 * every command in every state against them.
 *
 * @module
 */

import type { Env } from "./env.ts";

/** Bumped only when a field changes meaning or type or goes away; new fields keep it. */
export const schemaVersion = 1;

/** The contract's `error` member. */
export interface JsonError {
  code: string;
  message: string;
  hint: string | null;
}

/** `twg upgrade --check --json` (also run as `update`): src/commands/update.ts. */
const updateDefaults = {
  current: null,
  latest: null,
  updateAvailable: null,
  released: null,
  notes: null,
  channel: null,
  packageManager: null,
  installation: null,
  source: null,
  registry: null,
  command: null,
  checkout: null,
};

/** Each command's fields with their value when unknown (fields it may leave out). */
const defaults: Record<string, Record<string, unknown>> = {
  update: updateDefaults,
  upgrade: updateDefaults,
  "auth token": {
    token: null,
    expiresAt: null,
    tokenType: null,
    site: null,
    cloudId: null,
    source: null,
  },
  "auth backend": { backend: null, from: null, moved: false, keyringItem: null },
  "auth status": {
    loggedIn: false,
    method: null,
    accessTokenVariable: null,
    refreshable: false,
    backend: null,
    user: null,
    site: null,
    sites: [],
    issuer: null,
    scopes: null,
    settingMismatches: [],
    accessTokenExpiresAt: null,
    refreshDueAt: null,
    fresh: null,
    needsLogin: false,
    configDir: null,
    configWritable: null,
    bitbucketToken: null,
    agent: null,
    agentDeclared: null,
    tokenSource: null,
    keeper: null,
    consentExpiresAt: null,
  },
  "auth refresh": {
    refreshed: false,
    reason: null,
    accessTokenExpiresAt: null,
    refreshDueAt: null,
    configDir: null,
    agent: null,
    agentDeclared: null,
  },
  doctor: { ok: false, checks: [] },
  "upkeep status": {
    enabled: false,
    scheduler: null,
    intervalMinutes: null,
    lastRun: null,
    lastRefresh: null,
    lastUpdateCheck: null,
    nextUpdateCheckAfter: null,
    broker: null,
  },
};

/**
 * `document` as `command` prints it with `--json`: `schemaVersion` first,
 * every field of the command's shape (null where unknown), `error` last.
 *
 * @example
 * ```ts ignore
 * jsonDocument("upkeep status", { enabled: true }); // { schemaVersion: 1, enabled: true, scheduler: null, …, error: null }
 * ```
 */
export function jsonDocument(
  command: string,
  document: Record<string, unknown>,
  error: JsonError | null = null,
): Record<string, unknown> {
  return { schemaVersion, ...defaults[command], ...document, error };
}

/**
 * The command an argv names (`["auth", "status", "--json"]` → `"auth status"`):
 * its leading words, as far as they name a command with a shape.
 */
export function commandOf(args: string[]): string {
  const words = args.filter((arg) => !arg.startsWith("-")).slice(0, 2);
  const two = words.join(" ");
  return two in defaults ? two : words[0] ?? "";
}

/**
 * How a failure must be answered on stdout: `"document"` when `--json` was
 * given (one JSON document), `"events"` for `login --json` (one more JSON
 * line, an `error` event), `null` otherwise. Read from the argv rather than
 * the parsed options because a parse error has no parsed options; anything
 * after `--` is an operand, not a flag.
 */
export function jsonOutputOf(args: string[]): "document" | "events" | null {
  const end = args.indexOf("--");
  if (!(end < 0 ? args : args.slice(0, end)).includes("--json")) return null;
  return args[0] === "login" ? "events" : "document";
}

/**
 * Answers a failure of the command `args` ran on stdout, as `--json` asks
 * ({@link jsonOutputOf}); writes nothing without `--json`. `document` is
 * what is known for certain of the command's own fields.
 */
export function writeJsonError(
  env: Pick<Env, "stdout">,
  args: string[],
  error: JsonError,
  document: Record<string, unknown> = {},
): void {
  const mode = jsonOutputOf(args);
  if (mode === "events") {
    env.stdout.write(JSON.stringify({ schemaVersion, event: "error", error }) + "\n");
  } else if (mode === "document") {
    // The command's whole shape, as on success: a script reads the same fields either way.
    const full = jsonDocument(commandOf(args), document, error);
    env.stdout.write(JSON.stringify(full, null, 2) + "\n");
  }
}
