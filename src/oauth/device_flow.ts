/**
 * The device authorization grant (RFC 8628): ask for a user code, then poll
 * the token endpoint until the person approves it.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { ExitCode, NetworkError, TwgError } from "../errors.ts";
import { type JsonResponse, oauthErrorOf, requestJson, ResponseTooLargeError } from "./http.ts";
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
  /**
   * Called when a poll cannot reach the server or gets a 5xx answer (it is
   * retried), with a short phrase: `Cannot reach auth.example.com`.
   */
  onUnreachable?: (problem: string) => void;
  /** Called when the server answers again after {@link onUnreachable}. */
  onReachable?: () => void;
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
  let unreachable: { problem: string; cause: NetworkError } | null = null;
  for (;;) {
    const now = env.now();
    // The regular interval no longer fits: a poll would land after the expiry.
    if (now + interval * 1000 > authorization.expiresAt) {
      throw unreachable ? expiredUnreachable(unreachable.cause) : expired();
    }
    // A backoff is cut short at the expiry, so a server back by then still counts.
    const waitMs = Math.min(Math.max(interval, backoff) * 1000, authorization.expiresAt - now);
    options.onWait?.(waitMs / 1000);
    await env.sleep(waitMs, signal);
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
      if (!(error instanceof NetworkError) || error instanceof ResponseTooLargeError) throw error;
      unreachable = { problem: `Cannot reach ${host}`, cause: error };
      options.onUnreachable?.(unreachable.problem);
      backoff = nextBackoff(backoff, interval);
      continue;
    }
    if (response.status >= 500) {
      const problem = `${host} answered HTTP ${response.status}`;
      unreachable = { problem, cause: new NetworkError(problem) };
      options.onUnreachable?.(problem);
      backoff = nextBackoff(backoff, interval);
      continue;
    }
    if (unreachable) {
      unreachable = null;
      options.onReachable?.();
    }
    if (response.ok) return parseTokenResponse(response, host);
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

/** The code ran out while the server could not be reached: a network failure (exit 5). */
function expiredUnreachable(cause: NetworkError): TwgError {
  return new TwgError(`${cause.message}; the code expired while retrying`, {
    exitCode: ExitCode.network,
    code: "network",
    hint: 'Check the connection to the authorization server (TWG_ISSUER), then run "twg login"',
    cause,
  });
}

function expired(): DeviceFlowError {
  return new DeviceFlowError("The code expired before the sign-in was approved", {
    code: "code-expired",
    hint: 'Run "twg login" to get a new code',
  });
}
