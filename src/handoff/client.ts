/**
 * Asks the token keeper (`twg auth serve`) for an access token: what a
 * sandboxed twg does when the store is out of its reach.
 *
 * @module
 */
import type { AccessTokenDocument } from "./access_token_file.ts";
import { activeProfile, brokerSocketPath, defaultProfile } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { maxAnswerBytes, parseAnswer, requestLine } from "./protocol.ts";
import { isUsableSocket } from "./socket_dir.ts";

/**
 * How long a client waits for an answer: long enough for the keeper to
 * refresh (a token request, its retries, the save), short enough that a
 * hung keeper does not hang every agent's command.
 */
export const brokerTimeoutMs = 30_000;

/**
 * The keeper's answer, or null when no keeper socket is there (or this
 * runtime cannot speak to one). Throws when a socket is there but refused
 * or failed to answer.
 */
export async function askBroker(
  env: Env,
  minValidSeconds: number,
): Promise<AccessTokenDocument | null> {
  if (!env.requestUnixLine || env.os === "windows") return null;
  const path = brokerSocketPath(env);
  if (!(await isUsableSocket(env, path))) return null;
  // The default profile is asked for as before, so an older keeper still answers.
  const profile = activeProfile(env);
  const request = profile === defaultProfile
    ? { op: "token" as const, minValidSeconds }
    : { op: "token" as const, minValidSeconds, profile };
  const answer = await env.requestUnixLine(path, requestLine(request), {
    timeoutMs: brokerTimeoutMs,
    maxLineBytes: maxAnswerBytes,
  });
  return parseAnswer(answer);
}

/** What `auth status`, `doctor` and `upkeep status` say about the keeper. */
export interface BrokerState {
  socket: string;
  running: boolean;
  /** Why it is not running or not usable, or null. */
  problem: string | null;
}

/** Asks the keeper whether it runs (the `status` op: no credential is read, nothing is sent). */
export async function brokerState(env: Env): Promise<BrokerState> {
  const socket = brokerSocketPath(env);
  if (!env.requestUnixLine || env.os === "windows") {
    return { socket, running: false, problem: "not supported on this platform" };
  }
  try {
    if (!(await isUsableSocket(env, socket))) return { socket, running: false, problem: null };
    const answer = JSON.parse(
      await env.requestUnixLine(socket, requestLine({ op: "status", minValidSeconds: 0 }), {
        timeoutMs: 2000,
        maxLineBytes: maxAnswerBytes,
      }),
    );
    return answer?.ok === true
      ? { socket, running: true, problem: null }
      : { socket, running: false, problem: "it answered with an error" };
  } catch (error) {
    return { socket, running: false, problem: (error as Error).message };
  }
}
