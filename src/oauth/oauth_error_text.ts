/**
 * OAuth error answers in words a person understands, with the next step.
 * Servers send the registry's codes (RFC 6749 §5.2, RFC 8628 §3.5) and
 * their library's own wording: oidc-provider's `invalid_grant` says "grant
 * request is invalid" and its `invalid_client` "client authentication
 * failed" (panva/node-oidc-provider, lib/helpers/errors.js), which tell
 * nobody what to do. The code itself stays in the message, in parentheses,
 * for searching and for reports.
 *
 * @module
 */

/** An explained OAuth error: what it means, what to do, and `--json`'s code. */
export interface OAuthErrorText {
  meaning: string;
  hint: string | undefined;
  code: string;
}

/** Where the error came from, for the wording. */
export interface OAuthErrorContext {
  /** What was asked: a refresh, a device code, or the poll for the token. */
  request: "refresh" | "device-authorization" | "device-token";
  clientId: string;
}

/**
 * Explains `error` (the answer's `error` member; `null` when there was none)
 * for `context`.
 *
 * @example
 * ```ts
 * explainOAuthError({ error: "invalid_client", description: "client authentication failed" }, 401, {
 *   request: "refresh",
 *   clientId: "twg",
 * }).hint; // 'Check TWG_CLIENT_ID (or "clientId" in config.json): the server does not know "twg"'
 * ```
 */
export function explainOAuthError(
  error: { error: string; description: string | null } | null,
  status: number,
  context: OAuthErrorContext,
): OAuthErrorText {
  const code = error?.error;
  const raw = code ? ` (${code})` : ` (HTTP ${status})`;
  switch (code) {
    case "invalid_client":
      return {
        meaning: `the server does not accept the client id "${context.clientId}"${raw}`,
        hint:
          `Check TWG_CLIENT_ID (or "clientId" in config.json): the server does not know "${context.clientId}"`,
        code: "invalid-client",
      };
    case "unauthorized_client":
      return {
        meaning: `the client "${context.clientId}" is not allowed to ${
          context.request === "refresh" ? "refresh tokens" : "use the device sign-in"
        }${raw}`,
        hint:
          "Check TWG_CLIENT_ID; the server must allow the device flow and refresh tokens for this client",
        code: "unauthorized-client",
      };
    case "invalid_grant":
      return context.request === "refresh"
        ? {
          meaning:
            `the refresh token is no longer valid: it expired, was revoked, or was already used${raw}`,
          hint: 'Sign in again: run "twg login"',
          code: "refresh-token-rejected",
        }
        : {
          meaning: `the sign-in code is no longer valid${raw}`,
          hint: 'Run "twg login" to get a new code',
          code: "code-expired",
        };
    case "invalid_scope":
      return {
        meaning: `the server refused the requested scopes${raw}`,
        hint: 'Check TWG_SCOPES (or "scopes" in config.json)',
        code: "invalid-scope",
      };
    case "unsupported_grant_type":
      return {
        meaning: `the server does not offer ${
          context.request === "refresh" ? "refresh tokens" : "the device sign-in"
        } to this client${raw}`,
        hint:
          "Check TWG_ISSUER and TWG_CLIENT_ID: they must name a server and client set up for twg",
        code: "unsupported-grant-type",
      };
    default: {
      const description = error?.description ? `: ${error.description}` : "";
      return {
        meaning: `${code ?? `HTTP ${status}`}${description}`,
        hint: undefined,
        code: "server-refused",
      };
    }
  }
}
