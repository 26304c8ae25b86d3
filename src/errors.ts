/**
 * Typed errors. Library code throws these; `src/main.ts` alone maps them to
 * the exit codes of the contract.
 *
 * @module
 */

/**
 * Exit codes from the CLI contract.
 *
 * @example
 * ```ts
 * import { ExitCode } from "@twg/cli";
 *
 * ExitCode.authRequired; // 3
 * ```
 */
export const ExitCode = {
  ok: 0,
  failure: 1,
  usage: 2,
  authRequired: 3,
  storeNotWritable: 4,
  network: 5,
  /** A person must sign in again (Atlassian twg's code for the same case). */
  authExpired: 77,
  interrupted: 130,
} as const;

/** Any exit code the contract defines. */
export type ExitCodeValue = typeof ExitCode[keyof typeof ExitCode];

/** Options every {@link TwgError} takes. */
export interface TwgErrorOptions {
  exitCode?: ExitCodeValue;
  hint?: string;
  cause?: unknown;
  /** The stable `error.code` of `--json` output (default: the class's). */
  code?: string;
}

/**
 * An expected failure: printed as a message, never as a stack trace. With
 * `--json`, `src/main.ts` prints it as
 * `{"error": {"code", "message", "hint"}}`, merged into {@link jsonDocument}.
 *
 * @example
 * ```ts
 * import { TwgError } from "@twg/cli";
 *
 * const error = new TwgError("No release manifest is configured", {
 *   hint: "Set TWG_UPDATE_MANIFEST_URL",
 * });
 * error.exitCode; // 1
 * ```
 */
export class TwgError extends Error {
  override name = "TwgError";
  readonly exitCode: ExitCodeValue;
  /** The next step for the person, printed after the message. */
  readonly hint: string | undefined;
  /**
   * Stable kebab-case identifier for scripts (`--json`'s `error.code`). Each
   * class has its default; a throw site may name the case more precisely.
   * Listed in the README; never renamed once released.
   */
  readonly code: string;
  /**
   * The command's own `--json` document for this outcome, when it has one
   * (`auth refresh` on exit 4 keeps `refreshed`, `reason`, `configDir`):
   * `main` adds `error` to it instead of printing `error` alone.
   */
  jsonDocument: Record<string, unknown> | undefined;
  constructor(message: string, options: TwgErrorOptions = {}) {
    super(message, { cause: options.cause });
    this.exitCode = options.exitCode ?? ExitCode.failure;
    this.hint = options.hint;
    this.code = options.code ?? (new.target as { defaultCode?: string }).defaultCode ?? "failed";
  }
  /** The `error.code` of this class when the throw site names none. */
  static defaultCode = "failed";
}

/**
 * The user typed something twg cannot act on (exit 2).
 *
 * @example
 * ```ts
 * import { UsageError } from "@twg/cli";
 *
 * new UsageError("--json applies only with --check", 'Run "twg update --check --json"').exitCode; // 2
 * ```
 */
export class UsageError extends TwgError {
  override name = "UsageError";
  static override defaultCode = "usage";
  constructor(message: string, hint?: string) {
    super(
      message,
      hint === undefined ? { exitCode: ExitCode.usage } : { exitCode: ExitCode.usage, hint },
    );
  }
}

/**
 * Not logged in (exit 3); see {@link AuthExpiredError} for a sign-in that ended.
 *
 * @example
 * ```ts
 * import { AuthRequiredError } from "@twg/cli";
 *
 * new AuthRequiredError("Not logged in").hint; // 'Run "twg login" to sign in'
 * ```
 */
export class AuthRequiredError extends TwgError {
  override name = "AuthRequiredError";
  static override defaultCode = "not-logged-in";
  constructor(
    message: string,
    hint = 'Run "twg login" to sign in',
    code?: string,
    exitCode: ExitCodeValue = ExitCode.authRequired,
  ) {
    super(message, { exitCode, hint, ...(code ? { code } : {}) });
  }
}

/**
 * A sign-in that existed has ended and a person must sign in again: the
 * refresh token was rejected or expired, the consent expired, the answer to
 * a refresh was lost after the issuer's reuse leeway, or the API refused a
 * token that was just refreshed (exit 77, `error.code` `AUTH_EXPIRED`, as
 * the contract's exit-code table). A subclass of {@link AuthRequiredError},
 * so that code asking "must the person log in?" still matches it.
 *
 * @example
 * ```ts
 * import { AuthExpiredError } from "@twg/cli";
 *
 * new AuthExpiredError("The server rejected the stored sign-in").exitCode; // 77
 * ```
 */
export class AuthExpiredError extends AuthRequiredError {
  override name = "AuthExpiredError";
  static override defaultCode = "AUTH_EXPIRED";
  constructor(message: string, hint = 'Sign in again: run "twg login"') {
    super(message, hint, "AUTH_EXPIRED", ExitCode.authExpired);
  }
}

/**
 * A network failure or an unusable server answer; credentials unchanged (exit 5).
 *
 * @example
 * ```ts
 * import { NetworkError } from "@twg/cli";
 *
 * new NetworkError("The token endpoint answered HTTP 503").exitCode; // 5
 * ```
 */
export class NetworkError extends TwgError {
  override name = "NetworkError";
  static override defaultCode = "network";
  constructor(message: string, cause?: unknown, options: { hint?: string; code?: string } = {}) {
    super(message, { exitCode: ExitCode.network, cause, ...options });
  }
}

/** The command already told the person what happened; only the exit code remains. */
export class ReportedError extends TwgError {
  override name = "ReportedError";
  constructor(exitCode: ExitCodeValue) {
    super("", { exitCode });
  }
}

/**
 * Not a failure of twg's: the exit status of the command `twg exec` ran,
 * passed through as it is (128+N for a signal), any number from 0 to 255.
 */
export class PassedThroughExit extends Error {
  override name = "PassedThroughExit";
  constructor(readonly exitCode: number) {
    super(`The command exited with ${exitCode}`);
  }
}

/** Whether an error is the abort raised by an interrupt or a cancelled wait. */
export function isAbortError(error: unknown): boolean {
  return error instanceof DOMException && (error.name === "AbortError");
}

/** The message of any thrown value. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
