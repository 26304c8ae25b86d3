/**
 * Requests to the authorization server: bounded in time and in size, and
 * refusing insecure URLs.
 *
 * @module
 */
import { userAgent } from "../agents/detect.ts";
import type { Env } from "../env.ts";
import { permissionDenialOf } from "../env_deno.ts";
import { isAbortError, NetworkError, UsageError } from "../errors.ts";
import { isLoopbackHost } from "../../platform/loopback.ts";
import { version } from "../version.ts";
import { withoutHeaderValues } from "./token_syntax.ts";

/** Largest response body twg reads from the authorization server (contract: 1 MiB). */
export const maxResponseBytes = 1024 * 1024;
const requestTimeoutMs = 15_000;

/** Throws unless `url` is https, or http to a loopback host (RFC 8252 §8.3). */
export function assertSecureUrl(url: string, what: string): URL {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new UsageError(`The ${what} is not a valid URL: ${url}`);
  }
  if (parsed.protocol === "https:") return parsed;
  if (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname)) return parsed;
  throw new UsageError(
    `The ${what} must use https (plain http is accepted only for loopback hosts): ${url}`,
  );
}

/**
 * The User-Agent of every request twg makes, naming the coding agent
 * detected (`twg/0.1.0 (deno 2.9.0; linux) agent/claude-code`).
 */
export function twgUserAgent(env: Pick<Env, "runtime" | "os" | "getVar">): string {
  return userAgent(version, env.runtime, env.os, env.getVar);
}

/** Form fields that carry a credential (RFC 6749 §6, RFC 7009 §2.1, RFC 8628 §3.4). */
const credentialFields = ["refresh_token", "token", "device_code", "client_secret", "code"];

/**
 * The one check before a credential leaves this process: a request that
 * carries a bearer token (`authorization`) or a credential form field goes
 * only to https or to a loopback host. Every sender of a token passes through
 * here ({@link requestJson}, and {@link assertCredentialDestination} for
 * `twg api`), so no configured URL (`TWG_RESOURCES_URL`, a stored token
 * endpoint, a server's metadata) can take one over plain http.
 */
export function assertCredentialDestination(url: string): void {
  assertSecureUrl(url, "address a credential would be sent to");
}

function carriesCredential(
  headers: Record<string, string>,
  form?: Record<string, string>,
): boolean {
  const hasAuthorization = Object.keys(headers).some((name) =>
    name.toLowerCase() === "authorization"
  );
  return hasAuthorization || credentialFields.some((field) => form?.[field] !== undefined);
}

/** A response read completely, with its body parsed as JSON when it is JSON. */
export interface JsonResponse {
  status: number;
  ok: boolean;
  headers: Headers;
  /** The parsed body, or `undefined` when it was not JSON. */
  json: unknown;
  text: string;
}

/** Options for {@link requestJson}. */
export interface RequestOptions {
  method?: string;
  headers?: Record<string, string>;
  form?: Record<string, string>;
  signal?: AbortSignal;
}

/**
 * Sends a request and reads at most {@link maxResponseBytes} of the answer.
 * Network failures, time-outs and oversized bodies become {@link NetworkError};
 * an interrupt propagates as an abort.
 */
export async function requestJson(
  env: Env,
  url: string,
  options: RequestOptions = {},
): Promise<JsonResponse> {
  const timeout = AbortSignal.timeout(requestTimeoutMs);
  const signal = options.signal ? AbortSignal.any([options.signal, timeout]) : timeout;
  const headers: Record<string, string> = {
    accept: "application/json",
    "user-agent": twgUserAgent(env),
    ...options.headers,
  };
  let body: string | undefined;
  if (options.form) {
    headers["content-type"] = "application/x-www-form-urlencoded";
    body = new URLSearchParams(options.form).toString();
  }
  if (carriesCredential(headers, options.form)) assertCredentialDestination(url);
  const host = new URL(url).host;
  let response: Response;
  try {
    response = await env.fetch(url, {
      method: options.method ?? (body === undefined ? "GET" : "POST"),
      headers,
      ...(body === undefined ? {} : { body }),
      signal,
      redirect: "error",
    });
  } catch (error) {
    if (options.signal?.aborted) throw options.signal.reason;
    // Not a network failure, and never worth retrying: main says which flag grants it.
    if (permissionDenialOf(error)) throw error;
    if (timeout.aborted) {
      throw new NetworkError(`No answer from ${host} within ${requestTimeoutMs / 1000} s`);
    }
    throw new NetworkError(`Cannot reach ${host}: ${describeFetchError(error)}`, error);
  }
  const text = new TextDecoder().decode(
    await readBodyAtMost(response, maxResponseBytes, host, options.signal),
  );
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, ok: response.ok, headers: response.headers, json, text };
}

/** An answer over the size limit: hostile, not a network blip, so never retried. */
export class ResponseTooLargeError extends NetworkError {
  override name = "ResponseTooLargeError";
  static override defaultCode = "response-too-large";
}

/**
 * Reads a response body, refusing more than `limitBytes` (declared or
 * actually sent) with {@link ResponseTooLargeError}; a broken connection is a
 * {@link NetworkError}, an abort propagates.
 */
export async function readBodyAtMost(
  response: Response,
  limitBytes: number,
  host: string,
  signal?: AbortSignal,
): Promise<Uint8Array<ArrayBuffer>> {
  const tooLarge = () =>
    new ResponseTooLargeError(
      `The answer from ${host} is larger than ${limitBytes / 1024 / 1024} MiB`,
    );
  if (Number(response.headers.get("content-length")) > limitBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  const chunks: Uint8Array[] = [];
  let size = 0;
  if (response.body) {
    const reader = response.body.getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > limitBytes) {
          await reader.cancel();
          throw tooLarge();
        }
        chunks.push(value);
      }
    } catch (error) {
      if (error instanceof NetworkError) throw error;
      if (signal?.aborted || isAbortError(error)) throw signal?.reason ?? error;
      throw new NetworkError(
        `The connection to ${host} broke: ${describeFetchError(error)}`,
        error,
      );
    }
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

/** Why a request failed, in words: the system's code, else the last part of the runtime's message. */
export function describeFetchError(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (cause?.code) return cause.code;
  // Deno: TypeError("fetch failed") whose cause says "error sending request for
  // url (…): client error (Connect): tcp connect error: Connection refused (os
  // error 111)"; the last part is the reason, in words.
  if (cause?.message) {
    const reason = cause.message.split(": ").at(-1)!.replace(/\s*\(os error \d+\)$/, "");
    if (reason) return withoutHeaderValues(reason.charAt(0).toLowerCase() + reason.slice(1));
  }
  return withoutHeaderValues(error instanceof Error ? error.message : String(error));
}

/** The OAuth error code in a response body (RFC 6749 §5.2), if any. */
export function oauthErrorOf(
  response: JsonResponse,
): { error: string; description: string | null } | null {
  const body = response.json;
  if (body && typeof body === "object" && typeof (body as { error?: unknown }).error === "string") {
    const description = (body as { error_description?: unknown }).error_description;
    return {
      error: (body as { error: string }).error,
      description: typeof description === "string" ? description : null,
    };
  }
  return null;
}
