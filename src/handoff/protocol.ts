/**
 * The token keeper's wire protocol, version 1: one request line, one answer
 * line, both JSON, over a per-user Unix socket; then the server closes.
 *
 * Request: `{"v":1,"op":"token"}`, optionally with `"minValidSeconds": N`
 * (the least lifetime the caller wants left; the keeper refreshes first
 * when the token has less); or `{"v":1,"op":"status"}`, answered
 * `{"v":1,"ok":true,"status":"running"}` without reading any credential
 * (`auth status` and `doctor` ask it, offline). Nothing else is accepted: a request can name no
 * issuer, endpoint, file or profile, so whoever reaches the socket can only
 * ask for the token the host already keeps. At most
 * {@link maxRequestBytes} bytes, newline included.
 *
 * Answer: `{"v":1,"ok":true,"token","expiresAt","tokenType","site","cloudId","issuer"}`
 * or `{"v":1,"ok":false,"error":{"code","message"}}`. Never the refresh token.
 *
 * @module
 */
import { type AccessTokenDocument, parseAccessTokenDocument } from "./access_token_file.ts";
import { assertProfileName } from "../config/paths.ts";

/** The protocol version this twg speaks. */
export const protocolVersion = 1;

/** The longest request line accepted, newline included. */
export const maxRequestBytes = 1024;

/** The longest answer line a client reads (a token response is bounded at 1 MiB; tokens far less). */
export const maxAnswerBytes = 64 * 1024;

/** A valid request. */
export interface TokenRequest {
  op: "token" | "status";
  minValidSeconds: number;
  /** The profile whose token is asked for; absent: the keeper's own (issue 21). */
  profile?: string;
}

/** Why a request was refused (stable codes, for the answer and the tests). */
export type RefusalCode =
  | "too-large"
  | "malformed"
  | "unsupported-version"
  | "unknown-field"
  | "rate-limited"
  | "unavailable";

/** A refused request, with the code the answer carries. */
export class RequestRefusal extends Error {
  constructor(readonly code: RefusalCode, message: string) {
    super(message);
  }
}

const allowedKeys = new Set(["v", "op", "minValidSeconds", "profile"]);

/** Parses one request line, or throws {@link RequestRefusal}. */
export function parseRequest(line: string): TokenRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw new RequestRefusal("malformed", "The request is not JSON");
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new RequestRefusal("malformed", "The request is not a JSON object");
  }
  const record = value as Record<string, unknown>;
  const unknown = Object.keys(record).filter((key) => !allowedKeys.has(key));
  if (unknown.length > 0) {
    throw new RequestRefusal("unknown-field", `Unknown field: ${unknown.join(", ")}`);
  }
  if (record.v !== protocolVersion) {
    throw new RequestRefusal("unsupported-version", `Only version ${protocolVersion} is spoken`);
  }
  if (record.op !== "token" && record.op !== "status") {
    throw new RequestRefusal("malformed", 'The op is "token" or "status"');
  }
  const minValid = record.minValidSeconds ?? 0;
  if (typeof minValid !== "number" || !Number.isInteger(minValid) || minValid < 0) {
    throw new RequestRefusal("malformed", "minValidSeconds must be a whole number of seconds");
  }
  if (record.profile === undefined) return { op: record.op, minValidSeconds: minValid };
  // A name that becomes a path: the same rule as --profile (no separator, no
  // "..", at most 40 characters), checked before anything is read.
  if (typeof record.profile !== "string" || !isProfileName(record.profile)) {
    throw new RequestRefusal("malformed", "profile must be a valid profile name");
  }
  return { op: record.op, minValidSeconds: minValid, profile: record.profile };
}

function isProfileName(name: string): boolean {
  try {
    assertProfileName(name);
    return true;
  } catch {
    return false;
  }
}

/** The request line a client sends. */
export function requestLine(request: TokenRequest): string {
  return request.op === "status"
    ? JSON.stringify({ v: protocolVersion, op: "status" })
    : JSON.stringify({
      v: protocolVersion,
      op: "token",
      minValidSeconds: request.minValidSeconds,
      ...(request.profile === undefined ? {} : { profile: request.profile }),
    });
}

/** The answer to a `status` request. */
export const statusAnswerLine = JSON.stringify({ v: protocolVersion, ok: true, status: "running" });

/** The answer line carrying `document`. */
export function tokenAnswerLine(document: AccessTokenDocument): string {
  const { version: _version, ...fields } = document;
  return JSON.stringify({ v: protocolVersion, ok: true, ...fields });
}

/** The answer line of a refusal or failure. */
export function errorAnswerLine(code: string, message: string): string {
  return JSON.stringify({ v: protocolVersion, ok: false, error: { code, message } });
}

/** The document in an answer line, or an error with the keeper's message. */
export function parseAnswer(line: string): AccessTokenDocument {
  const value = JSON.parse(line) as Record<string, unknown>;
  if (value?.v !== protocolVersion) throw new Error("The token keeper speaks another version");
  if (value.ok !== true) {
    const error = value.error as { code?: unknown; message?: unknown } | undefined;
    throw new Error(`The token keeper refused: ${String(error?.message ?? "no reason given")}`);
  }
  return parseAccessTokenDocument(value);
}
