/**
 * The device authorization grant (RFC 8628): ask for a user code, then poll
 * the token endpoint until the person approves it.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { NetworkError, TwgError } from "../errors.ts";
import { type JsonResponse, oauthErrorOf, requestJson } from "./http.ts";
import { explainOAuthError } from "./oauth_error_text.ts";
import { parseTokenResponse, type TokenResponse } from "./token_response.ts";

/** What the person needs to approve the sign-in. */
export interface DeviceAuthorization {
  deviceCode: string;
  userCode: string;
  verificationUri: string;
  verificationUriComplete: string | null;
  /** Ms since the epoch after which the code is void. */
  expiresAt: number;
  /** Seconds between polls the server asked for. */
  intervalSeconds: number;
}

/** RFC 8628 §3.2: "If no value is provided, clients MUST use 5 as the default." */
export const defaultIntervalSeconds = 5;
/** RFC 8628 §3.5: every `slow_down` adds 5 seconds, for this and all later polls. */
export const slowDownSeconds = 5;
const maxNetworkBackoffSeconds = 60;

/** Requests a device code and user code (RFC 8628 §3.1). */
export async function requestDeviceAuthorization(
  env: Env,
  endpoint: string,
  clientId: string,
  scope: string,
  signal?: AbortSignal,
): Promise<DeviceAuthorization> {
  const response = await requestJson(env, endpoint, {
    form: { client_id: clientId, scope },
    ...(signal ? { signal } : {}),
  });
  const host = new URL(endpoint).host;
  const body = response.json as Record<string, unknown> | undefined;
  if (!response.ok || !body || typeof body !== "object") {
    const explained = explainOAuthError(oauthErrorOf(response), response.status, {
      request: "device-authorization",
      clientId,
    });
    throw new TwgError(
      `The authorization server at ${host} refused to start a sign-in: ${explained.meaning}`,
      {
        code: explained.code,
        ...(explained.hint ? { hint: explained.hint } : {}),
      },
    );
  }
  const text = (
    key: string,
  ) => (typeof body[key] === "string" && body[key] !== "" ? body[key] : null);
  const deviceCode = text("device_code");
  const userCode = text("user_code");
  const verificationUri = text("verification_uri");
  if (!deviceCode || !userCode || !verificationUri) {
    throw new NetworkError(`The device authorization answer from ${host} is incomplete`);
  }
  const expiresIn = Number(body.expires_in);
  const interval = Number(body.interval ?? defaultIntervalSeconds);
  return {
    deviceCode,
    userCode,
    verificationUri,
    verificationUriComplete: text("verification_uri_complete"),
    expiresAt: env.now() + (Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : 600) * 1000,
    intervalSeconds: Number.isFinite(interval) && interval > 0 ? interval : defaultIntervalSeconds,
  };
}

/** The sign-in ended without tokens: denied, expired, or refused. */
export class DeviceFlowError extends TwgError {
  override name = "DeviceFlowError";
  static override defaultCode = "sign-in-failed";
}

/** Options for {@link pollForToken}. */
export interface PollOptions {
  tokenEndpoint: string;
  clientId: string;
  authorization: DeviceAuthorization;
  signal?: AbortSignal;
  /** Called before each wait, with the seconds until the next poll. */
  onWait?: (seconds: number) => void;
}

/**
 * Polls the token endpoint until the person approves (RFC 8628 §3.4–3.5):
 * honours `interval`, `slow_down`, `authorization_pending`, and the code's
 * own expiry; backs off on network errors and 5xx answers without giving up
 * the code.
 */
export async function pollForToken(env: Env, options: PollOptions): Promise<TokenResponse> {
  const { authorization, tokenEndpoint, clientId, signal } = options;
  const host = new URL(tokenEndpoint).host;
  let interval = authorization.intervalSeconds;
  let backoff = 0;
  for (;;) {
    const wait = Math.max(interval, backoff);
    if (env.now() + wait * 1000 > authorization.expiresAt) throw expired();
    options.onWait?.(wait);
    await env.sleep(wait * 1000, signal);
    let response: JsonResponse;
    try {
      response = await requestJson(env, tokenEndpoint, {
        form: {
          grant_type: "urn:ietf:params:oauth:grant-type:device_code",
          device_code: authorization.deviceCode,
          client_id: clientId,
        },
        ...(signal ? { signal } : {}),
      });
    } catch (error) {
      if (!(error instanceof NetworkError)) throw error;
      backoff = nextBackoff(backoff, interval);
      continue;
    }
    if (response.ok) return parseTokenResponse(response, host);
    if (response.status >= 500) {
      backoff = nextBackoff(backoff, interval);
      continue;
    }
    backoff = 0;
    const oauthError = oauthErrorOf(response);
    switch (oauthError?.error) {
      case "authorization_pending":
        continue;
      case "slow_down":
        interval += slowDownSeconds;
        continue;
      case "expired_token":
        throw expired();
      case "access_denied":
        throw new DeviceFlowError("The sign-in was denied in the browser", {
          code: "access-denied",
          hint: 'Run "twg login" to try again',
        });
      default: {
        const explained = explainOAuthError(oauthError, response.status, {
          request: "device-token",
          clientId,
        });
        throw new DeviceFlowError(
          `The authorization server at ${host} ended the sign-in: ${explained.meaning}`,
          { code: explained.code, hint: explained.hint ?? 'Run "twg login" to try again' },
        );
      }
    }
  }
}

function nextBackoff(current: number, interval: number): number {
  return Math.min(maxNetworkBackoffSeconds, current === 0 ? interval * 2 : current * 2);
}

function expired(): DeviceFlowError {
  return new DeviceFlowError("The code expired before the sign-in was approved", {
    code: "code-expired",
    hint: 'Run "twg login" to get a new code',
  });
}
