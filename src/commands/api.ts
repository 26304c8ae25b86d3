/**
 * `twg api`: an authenticated request to the connected site's API, or to
 * Bitbucket's with `--bitbucket`.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { usableCredentials } from "../auth/token.ts";
import { configPaths } from "../config/paths.ts";
import { loadSettings } from "../config/settings.ts";
import { readCredentials } from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { AuthRequiredError, NetworkError, TwgError, UsageError } from "../errors.ts";
import { assertCredentialDestination, assertSecureUrl, twgUserAgent } from "../oauth/http.ts";

/** Options of `twg api`. */
export interface ApiOptions {
  path: string;
  method: string | undefined;
  headers: string[];
  data: string | undefined;
  bitbucket: boolean;
}

/** Declares `twg api`. */
export function apiCommand(env: Env) {
  return new Command("api")
    .description("Make an authenticated request and print the response body")
    .argument("<path>", "path under the API base URL, e.g. /rest/api/3/myself")
    .option("-X, --method <method>", "HTTP method (default: GET, or POST with --data)")
    .option(
      "-H, --header <header>",
      "extra header 'Key: Value' (repeatable)",
      collect,
      [] as string[],
    )
    .option("-d, --data <data>", "request body; JSON bodies get a JSON content type")
    .option("--bitbucket", "call the Bitbucket API with the Bitbucket token")
    .action(async (path, options) => {
      await runApi(env, {
        path,
        method: options.method,
        headers: options.header,
        data: options.data,
        bitbucket: options.bitbucket ?? false,
      });
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Sends the request; prints the body on stdout; exit 1 on an HTTP error status. */
export async function runApi(env: Env, options: ApiOptions): Promise<void> {
  const paths = configPaths(env);
  const settings = await loadSettings(env, paths.configJson);
  let base: string;
  let token: string;
  if (options.bitbucket) {
    base = settings.bitbucketApiUrl;
    // TWG_BBC_TOKEN wins; auth.conf is read only without it (CI has no store).
    const bitbucketToken = env.getVar("TWG_BBC_TOKEN") ||
      (await readCredentials(env, paths.authConf))?.bitbucketToken;
    if (!bitbucketToken) {
      throw new AuthRequiredError(
        "No Bitbucket token",
        'Run "twg setup bitbucket", or set TWG_BBC_TOKEN',
      );
    }
    token = bitbucketToken;
  } else {
    const { credentials, tokens } = await usableCredentials(env, paths);
    if (!settings.apiUrl) throw new UsageError("No API base URL is configured", "Set TWG_API_URL");
    if (settings.apiUrl.includes("{siteId}")) {
      if (!credentials.site) {
        throw new UsageError(
          "No site is selected for this sign-in",
          'Run "twg login --site <id>" to choose one',
        );
      }
      base = settings.apiUrl.replaceAll("{siteId}", encodeURIComponent(credentials.site.id));
    } else {
      base = settings.apiUrl;
    }
    token = tokens.accessToken;
  }
  const url = requestUrl(base, options.path);
  const headers = new Headers({ accept: "application/json", "user-agent": twgUserAgent(env) });
  for (const header of options.headers) {
    const colon = header.indexOf(":");
    if (colon <= 0) throw new UsageError(`Invalid header "${header}": expected "Key: Value"`);
    headers.set(header.slice(0, colon).trim(), header.slice(colon + 1).trim());
  }
  assertCredentialDestination(url.href);
  headers.set("authorization", `Bearer ${token}`);
  if (options.data !== undefined && !headers.has("content-type")) {
    headers.set(
      "content-type",
      looksLikeJson(options.data) ? "application/json" : "text/plain;charset=utf-8",
    );
  }
  const method = (options.method ?? (options.data === undefined ? "GET" : "POST")).toUpperCase();
  let response: Response;
  try {
    response = await env.fetch(url, {
      method,
      headers,
      ...(options.data === undefined ? {} : { body: options.data }),
      signal: AbortSignal.any([env.interrupt, AbortSignal.timeout(60_000)]),
      // A redirect to another host would carry the token there.
      redirect: "manual",
    });
  } catch (error) {
    if (env.interrupt.aborted) throw env.interrupt.reason;
    throw new NetworkError(`Cannot reach ${url.host}: ${(error as Error).message}`, error);
  }
  const body = await response.text();
  env.stdout.write(body.length > 0 && !body.endsWith("\n") ? body + "\n" : body);
  if (!response.ok) {
    throw new TwgError(
      `HTTP ${response.status}${
        response.statusText ? ` ${response.statusText}` : ""
      } from ${url.host}${url.pathname}`,
    );
  }
}

/** The full URL for `path`; absolute URLs must stay under the API base, so the token goes nowhere else. */
export function requestUrl(base: string, path: string): URL {
  const baseUrl = assertSecureUrl(base, "API base URL");
  if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
    const absolute = new URL(path);
    if (
      absolute.origin !== baseUrl.origin ||
      !absolute.pathname.startsWith(baseUrl.pathname.replace(/\/$/, ""))
    ) {
      throw new UsageError(`Refusing to send the token outside ${base}: ${path}`);
    }
    return absolute;
  }
  const prefix = baseUrl.href.replace(/\/$/, "");
  return new URL(prefix + "/" + path.replace(/^\//, ""));
}

function looksLikeJson(data: string): boolean {
  try {
    JSON.parse(data);
    return /^\s*[[{]/.test(data);
  } catch {
    return false;
  }
}
