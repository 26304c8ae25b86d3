/**
 * What crosses the process boundary of a detached refresh: the parent's
 * request on the child's stdin and the child's answer on its stdout, one JSON
 * line each, versioned and validated on receipt. An error crosses as typed
 * fields (its kind, code, hint and what the parent needs to rebuild it),
 * never as a message string to be cut apart. Never a token.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import { type KeyringProblem, KeyringUnavailableError } from "../credentials/keyring.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import { PinMismatchError } from "./origin_pin.ts";
import {
  AuthExpiredError,
  AuthRequiredError,
  ExitCode,
  type ExitCodeValue,
  NetworkError,
  TwgError,
} from "../errors.ts";

/** Why a refresh happened or not, as `auth refresh --json` reports it. */
export type RefreshReason = "fresh" | "due" | "forced";

/** The version of both messages; a child of another version is not trusted. */
export const refreshMessageVersion = 1;

/** What the parent sends the child on its stdin. */
export interface ChildRequest {
  version: typeof refreshMessageVersion;
  paths: ConfigPaths;
  force: boolean;
  dueWithinMs: number;
  /** The lock the parent holds, which the child takes over. */
  lockNonce: string;
}

/** A failure as it crosses the boundary: enough to rebuild the same error. */
export type ChildFailure =
  | { kind: "store-not-writable"; configDir: string; reason: string }
  | {
    kind: "keyring-unavailable";
    configDir: string;
    problem: KeyringProblem;
    detail: string;
    fix: string;
  }
  | { kind: "auth-required"; message: string; hint: string; code: string }
  /** A person must sign in again (exit 77, `AUTH_EXPIRED`). */
  | { kind: "auth-expired"; message: string; hint: string }
  | { kind: "network"; message: string; hint?: string; code: string }
  | { kind: "other"; message: string; hint?: string; code?: string; exitCode: ExitCodeValue };

/** The child's one line on stdout. */
export type ChildAnswer =
  | {
    version: typeof refreshMessageVersion;
    outcome: "done";
    refreshed: boolean;
    reason: RefreshReason;
  }
  | { version: typeof refreshMessageVersion; outcome: "failed"; failure: ChildFailure };

/** The answer line for a finished transaction. */
export function doneAnswer(refreshed: boolean, reason: RefreshReason): ChildAnswer {
  return { version: refreshMessageVersion, outcome: "done", refreshed, reason };
}

/** The answer line for an error the child's transaction threw. */
export function failedAnswer(error: unknown): ChildAnswer {
  return { version: refreshMessageVersion, outcome: "failed", failure: failureOf(error) };
}

function failureOf(error: unknown): ChildFailure {
  if (error instanceof KeyringUnavailableError) {
    return {
      kind: "keyring-unavailable",
      configDir: error.configDir,
      problem: error.problem,
      detail: error.detail,
      fix: error.fix,
    };
  }
  if (error instanceof StoreNotWritableError) {
    return { kind: "store-not-writable", configDir: error.configDir, reason: error.reason };
  }
  if (error instanceof AuthExpiredError) {
    return {
      kind: "auth-expired",
      message: error.message,
      hint: error.hint ?? 'Sign in again: run "twg login"',
    };
  }
  if (error instanceof AuthRequiredError) {
    return {
      kind: "auth-required",
      message: error.message,
      hint: error.hint ?? 'Run "twg login" to sign in',
      code: error.code,
    };
  }
  if (error instanceof NetworkError) {
    return {
      kind: "network",
      message: error.message,
      code: error.code,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  }
  if (error instanceof TwgError) {
    return {
      kind: "other",
      message: error.message,
      exitCode: error.exitCode,
      code: error.code,
      ...(error.hint === undefined ? {} : { hint: error.hint }),
    };
  }
  return {
    kind: "other",
    message: (error as Error)?.message ?? String(error),
    exitCode: ExitCode.failure,
  };
}

/** The error the parent throws for a failure the child reported. */
export function errorOfFailure(failure: ChildFailure): Error {
  switch (failure.kind) {
    case "keyring-unavailable":
      return new KeyringUnavailableError(
        failure.configDir,
        failure.problem,
        failure.detail,
        failure.fix,
      );
    case "store-not-writable":
      // `auth token` falls back to a still-valid token on exactly this class.
      return new StoreNotWritableError(failure.configDir, failure.reason);
    case "auth-expired":
      return new AuthExpiredError(failure.message, failure.hint);
    case "auth-required":
      return new AuthRequiredError(failure.message, failure.hint, failure.code);
    case "network":
      return new NetworkError(failure.message, undefined, {
        code: failure.code,
        ...(failure.hint === undefined ? {} : { hint: failure.hint }),
      });
    case "other":
      // The scheduled job names this refusal in its log and state.
      if (failure.code === PinMismatchError.defaultCode) {
        return new PinMismatchError(failure.message, {
          exitCode: failure.exitCode,
          ...(failure.hint === undefined ? {} : { hint: failure.hint }),
        });
      }
      return new TwgError(failure.message, {
        exitCode: failure.exitCode,
        ...(failure.hint === undefined ? {} : { hint: failure.hint }),
        ...(failure.code === undefined ? {} : { code: failure.code }),
      });
  }
}

type Shape = Record<string, unknown>;

function isRecord(value: unknown): value is Shape {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function hasStrings(value: Shape, keys: string[], optional: string[] = []): boolean {
  return keys.every((key) => typeof value[key] === "string") &&
    optional.every((key) => value[key] === undefined || typeof value[key] === "string");
}

const reasons: readonly string[] = ["fresh", "due", "forced"];
const exitCodes: readonly number[] = Object.values(ExitCode);

function isFailure(value: unknown): value is ChildFailure {
  if (!isRecord(value)) return false;
  switch (value.kind) {
    case "store-not-writable":
      return hasStrings(value, ["configDir", "reason"]);
    case "keyring-unavailable":
      return hasStrings(value, ["configDir", "problem", "detail", "fix"]);
    case "auth-expired":
      return hasStrings(value, ["message", "hint"]);
    case "auth-required":
      return hasStrings(value, ["message", "hint", "code"]);
    case "network":
      return hasStrings(value, ["message", "code"], ["hint"]);
    case "other":
      return hasStrings(value, ["message"], ["hint", "code"]) &&
        exitCodes.includes(value.exitCode as number);
    default:
      return false;
  }
}

/**
 * The child's answer from its stdout (the last line), or null when there is
 * none or it is not a well-formed answer of this version.
 */
export function parseChildAnswer(stdout: string): ChildAnswer | null {
  const line = stdout.trim().split("\n").pop() ?? "";
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return null;
  }
  if (!isRecord(value) || value.version !== refreshMessageVersion) return null;
  if (value.outcome === "done") {
    return typeof value.refreshed === "boolean" && reasons.includes(value.reason as string)
      ? value as ChildAnswer
      : null;
  }
  if (value.outcome === "failed") return isFailure(value.failure) ? value as ChildAnswer : null;
  return null;
}

/** The parent's request from the child's stdin, or null when it is not one of this version. */
export function parseChildRequest(line: string | null): ChildRequest | null {
  let value: unknown;
  try {
    value = JSON.parse(line ?? "");
  } catch {
    return null;
  }
  if (!isRecord(value) || value.version !== refreshMessageVersion) return null;
  const paths = value.paths;
  if (
    !isRecord(paths) || !hasStrings(paths, ["dir", "authConf", "configJson", "upkeepJson", "lock"])
  ) return null;
  if (typeof value.force !== "boolean" || typeof value.dueWithinMs !== "number") return null;
  if (typeof value.lockNonce !== "string") return null;
  return value as unknown as ChildRequest;
}
