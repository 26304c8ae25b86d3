/**
 * `twg api`: an authenticated request to the connected site's API, or to
 * Bitbucket's with `--bitbucket`, with `gh api`'s flags and meanings
 * (cli/cli `pkg/cmd/api/api.go`): `-f`/`-F` fields, `--input`, `-i`,
 * `--silent`, `--paginate` (`--slurp`), `--jq`; a non-2xx status exits 1
 * with the body still on stdout.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { accessTokenVariable, envAccessToken } from "../auth/env_token.ts";
import { resolveAccessToken, siteOf } from "../auth/token_source.ts";
import { renewedAccessToken, unauthorizedAfterRefresh } from "../auth/renew_after_unauthorized.ts";
import { parseFields, readUserFile, withQuery } from "../api/fields.ts";
import { apiTarget } from "../api/base_for_path.ts";
import { prettyJson } from "../api/pretty_json.ts";
import { nextPageUrl } from "../api/pagination.ts";
import { configPaths } from "../config/paths.ts";
import { selectorOf, selectSite, type SiteSelector } from "../auth/site_selector.ts";
import { siteSelectorOptions } from "./site_options.ts";
import { loadSettings, type Settings } from "../config/settings.ts";
import { bitbucketToken as storedOrEnvBitbucketToken } from "../credentials/bitbucket_token.ts";
import type { Site } from "../credentials/auth_conf.ts";
import { readCredentials } from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { AuthRequiredError, NetworkError, TwgError, UsageError } from "../errors.ts";
import { assertCredentialDestination, assertSecureUrl, twgUserAgent } from "../oauth/http.ts";
import { isColorEnabled } from "../ui/style.ts";
import { terminalSafe } from "../ui/terminal_text.ts";
import { bearerAuthorization, withoutHeaderValues } from "../oauth/token_syntax.ts";
import { assertBoundOrigin } from "../auth/token_origins.ts";

/** Options of `twg api`. */
export interface ApiOptions {
  path: string;
  method: string | undefined;
  headers: string[];
  /** `-d`: the raw body; `@file` reads it from a file, `@-` from stdin. */
  data: string | undefined;
  /** `-f key=value`: string parameters. */
  rawFields: string[];
  /** `-F key=value`: typed parameters. */
  fields: string[];
  /** `--input <file|->`: the raw body from a file or stdin; fields go to the query string. */
  input: string | undefined;
  include: boolean;
  silent: boolean;
  paginate: boolean;
  slurp: boolean;
  jq: string | undefined;
  bitbucket: boolean;
  /** `--site` / `--cloud-id`: another of the sign-in's sites, for this request only. */
  site?: SiteSelector | null;
  /** `--allow-origin`: origins the stored token may go to besides those bound at login. */
  allowOrigins?: string[];
}

/** Declares `twg api`. */
export function apiCommand(env: Env) {
  return new Command("api")
    .description("Make an authenticated request and print the response body")
    .argument("<path>", "path under the API base URL, e.g. /rest/api/3/myself")
    .option("-X, --method <method>", "HTTP method (default: GET, or POST with a body or fields)")
    .option("-H, --header <header>", "extra header 'Key: Value' (repeatable)", collect, [])
    .option("-d, --data <data>", "request body (@file reads a file, @- stdin)")
    .option("-f, --raw-field <key=value>", "add a string parameter (repeatable)", collect, [])
    .option(
      "-F, --field <key=value>",
      "add a typed parameter: true, false, null, integers, @file (repeatable)",
      collect,
      [],
    )
    .option("--input <file>", "the request body from a file ('-' reads stdin)")
    .option("-i, --include", "print the status line and the response headers before the body")
    .option("--silent", "do not print the response body")
    .option("--paginate", "fetch every page (Atlassian startAt, nextPageToken, _links.next)")
    .option("--slurp", "with --paginate: print one JSON array of all pages")
    .option("-q, --jq <expression>", "print what this jq expression selects from each page")
    .option("--bitbucket", "call the Bitbucket API with the Bitbucket token")
    .addOption(siteSelectorOptions()[0])
    .addOption(siteSelectorOptions()[1])
    .option(
      "--allow-origin <origin>",
      "send the stored token to this origin although its sign-in is not bound to it (repeatable)",
      collect,
      [],
    )
    .addHelpText(
      "after",
      `
Fields make the default method POST and are sent as a JSON body; with -X GET
they become the query string. A non-2xx status exits 1, with the body on stdout.
TWG_OAUTH_ACCESS_TOKEN, when set, is used instead of the stored sign-in.`,
    )
    .action(async (path, options) => {
      await runApi(env, {
        path,
        method: options.method,
        headers: options.header,
        data: options.data,
        rawFields: options.rawField,
        fields: options.field,
        input: options.input,
        include: options.include ?? false,
        silent: options.silent ?? false,
        paginate: options.paginate ?? false,
        slurp: options.slurp ?? false,
        jq: options.jq,
        bitbucket: options.bitbucket ?? false,
        site: selectorOf(options),
        allowOrigins: options.allowOrigin,
      });
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** The combinations gh refuses, refused the same way (cli/cli `pkg/cmd/api/api.go`, `RunE`). */
function assertCompatible(options: ApiOptions): void {
  const hasFields = options.rawFields.length > 0 || options.fields.length > 0;
  if (options.slurp && !options.paginate) throw new UsageError("--slurp needs --paginate");
  if (options.slurp && options.jq !== undefined) {
    throw new UsageError("--slurp cannot be used with --jq", "Pipe --slurp's output into jq");
  }
  if (options.silent && options.jq !== undefined) {
    throw new UsageError("Only one of --jq and --silent may be used");
  }
  if (options.paginate && options.input !== undefined) {
    throw new UsageError("--paginate cannot be used with --input");
  }
  if (options.data !== undefined && (options.input !== undefined || hasFields)) {
    throw new UsageError(
      "-d cannot be combined with --input or fields",
      "Send the body with one of -d, --input, or -f/-F fields",
    );
  }
}

/** Sends the request (each page of it); prints the bodies on stdout; exit 1 on an HTTP error status. */
export async function runApi(env: Env, options: ApiOptions): Promise<void> {
  assertCompatible(options);
  const params = await parseFields(env, options.rawFields, options.fields);
  const hasParams = Object.keys(params).length > 0;
  let body: string | undefined;
  if (options.data !== undefined) {
    body = options.data.startsWith("@")
      ? await readUserFile(env, options.data.slice(1))
      : options.data;
  } else if (options.input !== undefined) {
    body = await readUserFile(env, options.input);
  }
  const method = (options.method ?? (body !== undefined || hasParams ? "POST" : "GET"))
    .toUpperCase();
  if (options.paginate && method !== "GET") {
    throw new UsageError(
      `--paginate needs a GET request, not ${method}`,
      "Add -X GET to send the fields as the query string",
    );
  }
  const inQuery = hasParams &&
    (method === "GET" || method === "HEAD" || options.input !== undefined);
  if (hasParams && !inQuery) body = JSON.stringify(params);

  const { base, token } = await resolveTarget(
    env,
    options.bitbucket,
    options.allowOrigins ?? [],
    options.site ?? null,
  );
  const target = apiTarget(base, options.path);
  let url = requestUrl(target.base, target.path);
  if (inQuery) url = withQuery(url, params);

  const headers = new Headers({ accept: "application/json", "user-agent": twgUserAgent(env) });
  for (const header of options.headers) {
    const colon = header.indexOf(":");
    if (colon <= 0) throw new UsageError(`Invalid header "${header}": expected "Key: Value"`);
    headers.set(header.slice(0, colon).trim(), header.slice(colon + 1).trim());
  }
  assertCredentialDestination(url.href);
  headers.set(
    "authorization",
    bearerAuthorization(
      token.value,
      {
        store: "the stored access token",
        env: accessTokenVariable,
        bitbucket: "the Bitbucket token",
      }[token.source],
    ),
  );
  if (body !== undefined && !headers.has("content-type")) {
    headers.set(
      "content-type",
      looksLikeJson(body) ? "application/json" : "text/plain;charset=utf-8",
    );
  }

  const pages: unknown[] = [];
  const seen = new Set<string>();
  for (let page = 1;; page++) {
    seen.add(url.href);
    let response = await send(env, url, { method, headers, body });
    // A stored token refused: one retry with a refreshed token; refused
    // again, the person must sign in again (exit 77).
    let isAfterRefresh = false;
    if (response.status === 401 && token.canRenew && page === 1) {
      const renewed = await renewedAccessToken(env);
      if (renewed !== null) {
        await response.body?.cancel();
        headers.set("authorization", `Bearer ${renewed}`);
        response = await send(env, url, { method, headers, body });
        isAfterRefresh = true;
      }
    }
    const text = await response.text();
    if (options.include) {
      if (page > 1) env.stdout.write("\n");
      env.stdout.write(formatHead(response));
    }
    if (!response.ok) {
      // As gh: the error body is printed as it is, never through --jq.
      if (!options.silent) writeBody(env, text);
      if (isAfterRefresh && response.status === 401) {
        throw unauthorizedAfterRefresh(`${url.host}${url.pathname}`);
      }
      throw httpStatusError(response, url, token.source);
    }
    const document = options.paginate || options.slurp ? parseJson(text) : undefined;
    if (options.slurp) {
      if (document === undefined) {
        throw new TwgError(
          `Page ${page} from ${url.host}${url.pathname} is not JSON: --slurp needs JSON`,
        );
      }
      pages.push(document);
    } else if (options.jq !== undefined) {
      if (text.trim() !== "") {
        if (parseJson(text) === undefined) {
          const start = terminalSafe(text.trimStart().slice(0, 40));
          throw new TwgError(
            `The response from ${url.host}${url.pathname} is not JSON, so --jq cannot apply ` +
              `(it starts with "${start}")`,
            { hint: "Run the same request without --jq to see the body" },
          );
        }
        const { applyJq } = await import("../api/jq.ts");
        env.stdout.write(await applyJq(text, options.jq, { indent: env.stdout.isTerminal }));
      }
    } else if (!options.silent) {
      writeBody(env, text);
    }
    if (!options.paginate) break;
    const next = nextPageUrl(url, document, response.headers.get("link"));
    if (!next) break;
    // The next page must stay under the API base: the token goes nowhere else.
    url = requestUrl(base, next.href);
    if (seen.has(url.href)) {
      throw new TwgError(`The server sent page ${page} again (${url.pathname}${url.search})`, {
        hint: "Stopped paginating instead of looping forever",
      });
    }
    // The body (none for GET) and the fields are in the next page's URL already.
  }
  if (options.slurp) env.stdout.write(JSON.stringify(pages) + "\n");
}

/** Where a token came from, for the guidance on a 401. */
type TokenSource = "store" | "env" | "bitbucket";

/** The API base URL and the token for it. */
async function resolveTarget(
  env: Env,
  bitbucket: boolean,
  allowOrigins: string[],
  selector: SiteSelector | null,
): Promise<{ base: string; token: { value: string; source: TokenSource; canRenew?: boolean } }> {
  const paths = configPaths(env);
  const settings = await loadSettings(env, paths.configJson);
  if (bitbucket) {
    const bitbucketToken = await storedOrEnvBitbucketToken(env, paths);
    if (!bitbucketToken) {
      throw new AuthRequiredError(
        "No Bitbucket token",
        'Run "twg setup bitbucket", or set TWG_BBC_TOKEN',
      );
    }
    if (!settings.bitbucketApiUrl) {
      throw new UsageError(
        "No Bitbucket API URL is configured",
        "Set TWG_BITBUCKET_API_URL to the Bitbucket API's base URL",
      );
    }
    // A stored Bitbucket token is bound like the sign-in it was saved with;
    // TWG_BBC_TOKEN is the caller's own choice for this run.
    const stored = env.getVar("TWG_BBC_TOKEN")
      ? null
      : await readCredentials(env, paths.authConf).catch(() => null);
    if (stored) assertBoundOrigin(env, settings.bitbucketApiUrl, stored, allowOrigins);
    return {
      base: settings.bitbucketApiUrl,
      token: { value: bitbucketToken, source: "bitbucket" },
    };
  }
  if (!settings.apiUrl) throw new UsageError("No API base URL is configured", "Set TWG_API_URL");
  const fromEnv = envAccessToken(env);
  if (fromEnv) {
    // Never refreshed, never written: the stored sign-in only names the site.
    const base = settings.apiUrl.includes("{siteId}")
      ? siteBase(settings.apiUrl, await siteForEnvToken(env, settings, fromEnv, selector))
      : settings.apiUrl;
    return { base, token: { value: fromEnv, source: "env" } };
  }
  // The store, or in a sandbox out of its reach the keeper or the access-token file.
  const answer = await resolveAccessToken(env, paths, { site: selector });
  const base = settings.apiUrl.includes("{siteId}")
    ? siteBase(settings.apiUrl, siteOf(answer))
    : settings.apiUrl;
  // The stored sign-in names the origins its tokens may go to; a sandbox
  // answered by the keeper or the access-token file has no auth.conf to ask.
  const credentials = await readCredentials(env, paths.authConf).catch(() => null);
  if (credentials?.oauth) assertBoundOrigin(env, base, credentials, allowOrigins);
  // Only a token read from the store itself can be renewed here; a sandbox's
  // (the keeper's, the access-token file's) is renewed by host-side twg.
  const canRenew = answer.source === "file" || answer.source === "keyring";
  return { base, token: { value: answer.token, source: "store", canRenew } };
}

function siteBase(apiUrl: string, site: Site | null): string {
  if (!site) {
    throw new UsageError(
      "No site is selected for this sign-in",
      'Run "twg auth switch" to choose one',
    );
  }
  return apiUrl.replaceAll("{siteId}", encodeURIComponent(site.id));
}

/**
 * The site for `TWG_OAUTH_ACCESS_TOKEN`: the stored sign-in's when there is
 * one, else the only site the token reaches (CI has no store).
 */
async function siteForEnvToken(
  env: Env,
  settings: Settings,
  token: string,
  selector: SiteSelector | null,
): Promise<Site> {
  const stored = await readCredentials(env, configPaths(env).authConf).catch(() => null);
  if (selector?.kind === "cloud-id") {
    // Nothing lists this token's sites: the id is taken as given.
    return stored?.sites?.find((site) => site.id === selector.value) ??
      { id: selector.value, url: "", name: selector.value };
  }
  if (selector) return selectSite(stored?.sites ?? (stored?.site ? [stored.site] : []), selector);
  if (stored?.site) return stored.site;
  const hint =
    `Set TWG_API_URL to the site's API URL (without {siteId}) to use ${accessTokenVariable}`;
  if (!settings.resourcesUrl) throw new UsageError("No site is known for this token", hint);
  assertCredentialDestination(settings.resourcesUrl);
  const response = await send(env, new URL(settings.resourcesUrl), {
    method: "GET",
    headers: new Headers({
      accept: "application/json",
      authorization: bearerAuthorization(token, accessTokenVariable),
      "user-agent": twgUserAgent(env),
    }),
    body: undefined,
  });
  if (response.status === 401) {
    throw new AuthRequiredError(
      `The server refused the access token in ${accessTokenVariable}`,
      `Replace ${accessTokenVariable} with a valid access token`,
    );
  }
  const sites = response.ok ? parseJson(await response.text()) : undefined;
  if (!Array.isArray(sites) || sites.length !== 1 || typeof sites[0]?.id !== "string") {
    throw new UsageError(
      Array.isArray(sites) && sites.length > 1
        ? `The token in ${accessTokenVariable} reaches ${sites.length} sites`
        : "No site is known for this token",
      hint,
    );
  }
  return sites[0] as Site;
}

async function send(
  env: Env,
  url: URL,
  request: { method: string; headers: Headers; body: string | undefined },
): Promise<Response> {
  try {
    return await env.fetch(url, {
      method: request.method,
      headers: request.headers,
      ...(request.body === undefined ? {} : { body: request.body }),
      signal: AbortSignal.any([env.interrupt, AbortSignal.timeout(60_000)]),
      // A redirect to another host would carry the token there.
      redirect: "manual",
    });
  } catch (error) {
    if (env.interrupt.aborted) throw env.interrupt.reason;
    throw new NetworkError(
      `Cannot reach ${url.host}: ${withoutHeaderValues((error as Error).message)}`,
      error,
    );
  }
}

/** The body as it came; on a terminal, JSON indented and coloured as gh shows it. */
function writeBody(env: Env, text: string): void {
  const pretty = env.stdout.isTerminal
    ? prettyJson(text, { color: isColorEnabled(env, env.stdout) })
    : null;
  if (pretty !== null) return env.stdout.write(pretty);
  env.stdout.write(text.length > 0 && !text.endsWith("\n") ? text + "\n" : text);
}

/** `-i`: the status line and the headers, sorted, as gh prints them (`processResponse`). */
function formatHead(response: Response): string {
  const names = [...response.headers.keys()].sort();
  const lines = names.map((name) =>
    `${name.replace(/(^|-)([a-z])/g, (_, dash, letter) => dash + letter.toUpperCase())}: ${
      response.headers.get(name)
    }`
  );
  return [`HTTP ${response.status} ${response.statusText}`.trimEnd(), ...lines, "", ""].join(
    "\r\n",
  );
}

function httpStatusError(response: Response, url: URL, source: TokenSource): TwgError {
  const status = `HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ""}`;
  const message = `${status} from ${url.host}${url.pathname}`;
  if (response.status >= 300 && response.status < 400) return redirectError(response, url, message);
  if (response.status !== 401) return new TwgError(message);
  const hint = {
    store: 'The server refused the access token: run "twg auth refresh --force", ' +
      'or "twg login" if that fails',
    env: `The server refused the access token in ${accessTokenVariable}: replace it, ` +
      `or unset it to use the stored sign-in`,
    bitbucket: 'The server refused the Bitbucket token: run "twg setup bitbucket", ' +
      "or check TWG_BBC_TOKEN",
  }[source];
  return new TwgError(message, { hint });
}

/**
 * A 3xx: where it points, and why twg stops there. Following it would send
 * the bearer token to wherever the server says (gh's Go client drops the
 * Authorization header on a cross-host redirect; twg does not follow at all).
 */
function redirectError(response: Response, url: URL, message: string): TwgError {
  const location = response.headers.get("location");
  if (!location) {
    return new TwgError(`${message} without a Location`, {
      hint: "twg never follows redirects with a token",
    });
  }
  let target: URL | null = null;
  try {
    target = new URL(location, url);
  } catch {
    // Shown as it came, below.
  }
  const shown = terminalSafe(target?.href ?? location);
  return new TwgError(`${message} redirects to ${shown}`, {
    hint: "twg never follows redirects with a token (it would go wherever the server says); " +
      (target && target.origin === url.origin
        ? `request "${
          terminalSafe(target.pathname + target.search)
        }" instead if that is the API you meant`
        : "check the path, or the API base URL"),
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/**
 * The full URL for `path`, which must stay under the API base so that the
 * token goes nowhere else: the same origin, and a path inside the base path
 * at a segment boundary (`/2.0` does not contain `/2.0-evil`). A segment that
 * is `.` or `..` once decoded (`%2e%2e`: WHATWG URL treats it as `..`,
 * "double-dot URL path segment"; `..%2f`: a server may decode the slash after
 * routing) is refused before parsing, so no
 * normalisation decides where the token goes.
 */
export function requestUrl(base: string, path: string): URL {
  const baseUrl = assertSecureUrl(base, "API base URL");
  const basePath = baseUrl.pathname.replace(/\/$/, "");
  const refuse = () => new UsageError(`Refusing to send the token outside ${base}: ${path}`);
  const isAbsolute = /^[a-z][a-z0-9+.-]*:/i.test(path);
  const pathPart = (isAbsolute ? path.replace(/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i, "") : path)
    .split(/[?#]/, 1)[0]!;
  if (pathPart.split(/[\/\\]/).some(isEscapingSegment)) throw refuse();
  const url = isAbsolute
    ? new URL(path)
    : new URL(baseUrl.href.replace(/\/$/, "") + "/" + path.replace(/^\//, ""));
  if (
    url.origin !== baseUrl.origin ||
    !(url.pathname === basePath || url.pathname.startsWith(basePath + "/") || basePath === "")
  ) {
    throw refuse();
  }
  return url;
}

/** A path segment that leaves its directory, or hides a separator, once decoded. */
function isEscapingSegment(segment: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    return true;
  }
  return decoded.split(/[\/\\]/).some((part) => part === "." || part === "..");
}

function looksLikeJson(data: string): boolean {
  try {
    JSON.parse(data);
    return /^\s*[[{]/.test(data);
  } catch {
    return false;
  }
}
