/**
 * `TWG_DEBUG=api` (or `1`): each HTTP request and response on stderr, as
 * `GH_DEBUG=api` shows gh's (method and URL, status, time taken, headers),
 * with every credential redacted: the Authorization and cookie headers,
 * header names that carry tokens or secrets, and token-bearing query
 * parameters. Bodies are never shown: token endpoint requests and answers
 * are nothing but credentials.
 *
 * @module
 */

/** Where the trace goes and how the clock reads. */
export interface TraceSink {
  write(text: string): void;
  now(): number;
}

const REDACTED = "[redacted]";

// Header names whose value is a credential (RFC 9110 §11.6.2 Authorization,
// §11.7.2 Proxy-Authorization; RFC 6265 Cookie / Set-Cookie), and any name
// that says it holds a token, secret, key, session or password.
const sensitiveHeader =
  /^(authorization|proxy-authorization|cookie|set-cookie)$|token|secret|key|session|password|signature/i;
// Query parameters that carry credentials: OAuth's (RFC 6749, RFC 8628,
// RFC 7009) and the usual API-key spellings.
const sensitiveParam =
  /^(access_token|refresh_token|id_token|token|code|device_code|user_code|client_secret|assertion|password|api_key|apikey|key|signature|sig)$/i;

/** Whether `value` turns the trace on. */
export function isTraceEnabled(value: string | undefined): boolean {
  return value === "api" || value === "1" || value === "true";
}

/** `url` with every credential-bearing query value replaced. */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.username || parsed.password) {
    parsed.username = parsed.username ? REDACTED : "";
    parsed.password = parsed.password ? REDACTED : "";
  }
  for (const name of [...new Set(parsed.searchParams.keys())]) {
    if (sensitiveParam.test(name)) parsed.searchParams.set(name, REDACTED);
  }
  return parsed.href;
}

function headerLines(prefix: string, headers: Headers): string[] {
  return [...headers].map(([name, value]) =>
    `${prefix} ${name}: ${sensitiveHeader.test(name) ? REDACTED : value}`
  );
}

/**
 * `fetch` that writes the trace of every exchange to `sink`.
 *
 * @example
 * ```ts ignore
 * const traced = tracedFetch(globalThis.fetch, { write: (t) => stderr.write(t), now: Date.now });
 * ```
 */
export function tracedFetch(inner: typeof fetch, sink: TraceSink): typeof fetch {
  return async (input, init) => {
    // Method, URL and headers only: the body (a stream, perhaps) stays untouched for the real call.
    const request = new Request(input instanceof Request ? input.url : input, {
      method: init?.method ?? (input instanceof Request ? input.method : "GET"),
      headers: init?.headers ?? (input instanceof Request ? input.headers : {}),
    });
    const started = sink.now();
    sink.write(
      [
        `* Request at ${new Date(started).toISOString()}`,
        `> ${request.method} ${redactUrl(request.url)}`,
        ...headerLines(">", request.headers),
        "",
      ].join("\n"),
    );
    try {
      const response = await inner(input, init);
      sink.write(
        [
          `< HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`,
          ...headerLines("<", response.headers),
          `* Request took ${sink.now() - started} ms`,
          "",
        ].join("\n"),
      );
      return response;
    } catch (error) {
      sink.write(
        `* Request failed after ${sink.now() - started} ms: ${
          redactUrl(String((error as Error)?.message ?? error))
        }\n`,
      );
      throw error;
    }
  };
}
