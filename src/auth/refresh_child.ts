/**
 * A refresh that outlives its caller. Once a refresh token is about to be
 * sent, the exchange and the save run in a child started in a session and
 * process group of its own (setsid), with stdin and stdout as pipes to this
 * process and stderr discarded: closing the terminal (SIGHUP), Ctrl-C, or an
 * agent killing the caller's whole process group at its timeout (SIGKILL)
 * does not reach it. The child holds the lock, sends, saves, writes one JSON
 * line of outcome (never a token) and exits; the caller waits for that line
 * and re-reads `auth.conf`.
 *
 * The child is `twg __refresh-child` (`refresh_child_main.ts`) started the way this process was
 * (`Env.selfCommand`: the same runtime, entry and permission flags, never
 * more). It is bounded: the lock wait (30 s), three requests of 15 s at most
 * with their backoff, and a watchdog that ends it after {@link childLimitMs}.
 * Where no child can be started (no run permission, as under the upkeep
 * launcher), the transaction runs in-process.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import { type KeyringProblem, KeyringUnavailableError } from "../credentials/keyring.ts";
import type { Env, SelfCommand } from "../env.ts";
import {
  AuthExpiredError,
  AuthRequiredError,
  type ExitCodeValue,
  NetworkError,
  TwgError,
} from "../errors.ts";

/** Why a refresh happened or not, as `auth refresh --json` reports it. */
export type RefreshReason = "fresh" | "due" | "forced";

/** The hidden argv that runs the child side; `src/main.ts` dispatches it. */
export const refreshChildCommand = "__refresh-child";

/** The child ends itself after this long, whatever it is waiting for. */
export const childLimitMs = 150_000;

/** What the caller sends the child on its stdin. */
export interface ChildRequest {
  paths: ConfigPaths;
  force: boolean;
  dueWithinMs: number;
  /** The lock the caller holds, which the child takes over. */
  lockNonce: string;
}

/** The child's one line on stdout: the outcome, never a token. */
export type ChildAnswer =
  | { ok: true; refreshed: boolean; reason: RefreshReason }
  | {
    ok: false;
    error: {
      name: string;
      message: string;
      hint?: string;
      exitCode: ExitCodeValue;
      /** The stable `--json` `error.code`. */
      code?: string;
      configDir?: string;
      keyring?: { problem: KeyringProblem; fix: string };
    };
  };

/**
 * Runs steps 4–6 of the refresh in a detached child and waits for it; the
 * caller re-reads `auth.conf` for the tokens. Resolves to null when no child
 * could be started (nothing was sent): the caller then runs the transaction
 * itself.
 */
export async function refreshInChild(
  env: Env,
  paths: ConfigPaths,
  self: SelfCommand,
  request: { force: boolean; dueWithinMs: number; lockNonce: string },
): Promise<{ refreshed: boolean; reason: RefreshReason } | null> {
  const input: ChildRequest = { paths, ...request };
  const result = await env.run(self.command, [...self.args, refreshChildCommand], {
    input: JSON.stringify(input) + "\n",
    newSession: true,
  });
  const answer = parseAnswer(result.stdout);
  if (!answer) {
    // 126/127: the program could not be started at all, so nothing was sent.
    if (result.code === 126 || result.code === 127) return null;
    throw new TwgError(
      `The refresh process ended without an answer (exit ${result.code}); ` +
        "whatever it saved is in auth.conf",
      { hint: 'Run the command again; "twg auth status" shows the stored sign-in' },
    );
  }
  if (!answer.ok) throw errorFromChild(answer.error);
  return { refreshed: answer.refreshed, reason: answer.reason };
}

function parseAnswer(stdout: string): ChildAnswer | null {
  const line = stdout.trim().split("\n").pop() ?? "";
  try {
    const value = JSON.parse(line) as ChildAnswer;
    return value && typeof value === "object" && typeof value.ok === "boolean" ? value : null;
  } catch {
    return null;
  }
}

function errorFromChild(error: Extract<ChildAnswer, { ok: false }>["error"]): Error {
  const prefix = `Cannot update the credentials in "${error.configDir}": `;
  if (error.keyring && error.configDir !== undefined && error.message.startsWith(prefix)) {
    const detail = error.message.slice(prefix.length).replace(/^the OS keyring /, "");
    return new KeyringUnavailableError(
      error.configDir,
      error.keyring.problem,
      detail,
      error.keyring.fix,
    );
  }
  if (error.configDir !== undefined && error.message.startsWith(prefix)) {
    // `auth token` falls back to a still-valid token on exactly this class.
    return new StoreNotWritableError(error.configDir, error.message.slice(prefix.length));
  }
  if (error.name === "AuthExpiredError") return new AuthExpiredError(error.message, error.hint);
  if (error.name === "AuthRequiredError") return new AuthRequiredError(error.message, error.hint);
  if (error.name === "NetworkError") return new NetworkError(error.message);
  if (error.name === "Error") return new Error(error.message);
  return new TwgError(error.message, {
    exitCode: error.exitCode,
    ...(error.hint === undefined ? {} : { hint: error.hint }),
    ...(error.code === undefined ? {} : { code: error.code }),
  });
}
