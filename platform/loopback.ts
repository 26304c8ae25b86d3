/**
 * Which hosts count as this machine: the one exception to "https only", for
 * the browser (`platform/browser.ts`) and every URL twg sends a token to
 * (`src/oauth/http.ts`). No `node:` import: it is on the token path.
 *
 * @module
 */

/**
 * Whether `host` (a parsed URL's hostname: lowercased, IPv6 bracketed, every
 * IPv4 spelling already dotted decimal) is a loopback host.
 *
 * @example
 * ```ts
 * import { isLoopbackHost } from "./loopback.ts";
 *
 * isLoopbackHost(new URL("http://127.0.0.1:8080/").hostname); // true
 * isLoopbackHost(new URL("http://[::1]/").hostname); // true
 * isLoopbackHost("auth.example.com"); // false
 * ```
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, "");
  return bare === "localhost" || bare === "::1" || /^127(\.\d{1,3}){3}$/.test(bare);
}
