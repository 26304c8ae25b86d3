/**
 * What a token may look like before twg stores it or puts it in a header.
 * A token holding CR, LF or NUL (from a hostile server or a pasted
 * `--with-token`) would make the runtime's header validation throw an error
 * that quotes the whole `Bearer …` value; checking the syntax first means no
 * such error, and so no error text, ever holds a token.
 *
 * @module
 */
import { TwgError } from "../errors.ts";

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/;
// RFC 6749 Appendix A.17: refresh-token = 1*VSCHAR, VSCHAR = %x20-7E.
const vschars = /^[\x20-\x7e]+$/;

/** Whether `token` has the syntax of a bearer token (RFC 6750 §2.1 `b64token`). */
export function isBearerTokenSyntax(token: string): boolean {
  return b64token.test(token);
}

/** Whether `token` has the syntax of a refresh token (RFC 6749 Appendix A.17: visible ASCII). */
export function isRefreshTokenSyntax(token: string): boolean {
  return vschars.test(token);
}

/** A token that cannot go in an `Authorization` header; its message never holds the token. */
export class MalformedTokenError extends TwgError {
  override name = "MalformedTokenError";
  static override defaultCode = "malformed-token";
}

/**
 * The `Authorization` header value for `token`, or {@link MalformedTokenError}
 * naming `what` (never the token) when it is not a `b64token`.
 *
 * @example
 * ```ts
 * import { bearerAuthorization } from "./token_syntax.ts";
 * bearerAuthorization("abc.DEF-123", "the stored access token"); // "Bearer abc.DEF-123"
 * ```
 */
export function bearerAuthorization(token: string, what: string): string {
  if (!isBearerTokenSyntax(token)) {
    throw new MalformedTokenError(
      `${what[0]!.toUpperCase()}${what.slice(1)} is not a valid bearer token ` +
        "(RFC 6750: letters, digits and -._~+/ only); it was not sent",
      { hint: 'Sign in again with "twg login", or replace the token' },
    );
  }
  return `Bearer ${token}`;
}

/**
 * `text`, unless it may quote a request header: the runtimes' header errors
 * quote the value (Deno: `Invalid header value: "Bearer …"`; Node: `Headers.append:
 * "Bearer …" is an invalid header value.`, both checked here), and a value
 * with CR or LF in it spans lines, so no partial redaction is safe.
 */
export function withoutHeaderValues(text: string): string {
  return /\b(bearer|basic)\b|authorization|header/i.test(text)
    ? "a request header was not valid (its value is not shown)"
    : text;
}
