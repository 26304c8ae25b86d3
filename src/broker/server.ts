/**
 * The token keeper, `twg auth serve`: holds the refresh path on the host
 * and answers access-token requests from sandboxed twg over a per-user Unix
 * socket (protocol in `protocol.ts`), and keeps the access-token file fresh
 * while it runs, like `ssh-agent` in the foreground.
 *
 * Every refresh goes through `refreshIfDue`, the entry point `auth token`
 * and `upkeep run` use: the same lock, re-read and atomic save (and the
 * detached child that finishes a save when the keeper is killed), so the
 * keeper, the upkeep job and a foreground twg never spend one refresh token
 * twice. Requests are answered one at a time: twenty racing clients cause
 * one refresh, the rest read its result.
 *
 * @module
 */
import { accessTokenDocument, keepAccessTokenFileQuietly } from "../handoff/access_token_file.ts";
import { refreshIfDue } from "../auth/refresh.ts";
import { readSignedIn, type SignedIn } from "../auth/signed_in.ts";
import { type ConfigPaths, configPaths } from "../config/paths.ts";
import { expiresAtMs, isRefreshDue, refreshDueAtMs } from "../credentials/auth_conf.ts";
import type { Env } from "../env.ts";
import { AuthRequiredError, messageOf, TwgError } from "../errors.ts";
import { listProfiles } from "../config/profiles.ts";
import {
  errorAnswerLine,
  maxRequestBytes,
  parseRequest,
  requestLine,
  RequestRefusal,
  statusAnswerLine,
  tokenAnswerLine,
} from "../handoff/protocol.ts";
import {
  clearSocketPath,
  prepareSocketDir,
  socketDirOf,
  socketMode,
} from "../handoff/socket_dir.ts";

/** Options for {@link serveBroker}. */
export interface BrokerOptions {
  socketPath: string;
  /** Stops the keeper (SIGINT, SIGTERM). */
  signal: AbortSignal;
  /** Called once the socket answers. */
  onReady?(): void;
}

/** Requests answered per second on average, and the burst allowed above it. */
export const rateLimit = { perSecond: 20, burst: 60 };

/** A token bucket: `take()` is false when the caller must be refused. */
export function tokenBucket(env: Env, limit = rateLimit): { take(): boolean } {
  let tokens = limit.burst;
  let last = env.now();
  return {
    take() {
      const now = env.now();
      tokens = Math.min(limit.burst, tokens + ((now - last) / 1000) * limit.perSecond);
      last = now;
      if (tokens < 1) return false;
      tokens -= 1;
      return true;
    },
  };
}

/**
 * The answer to one request line (`null`: it was too long). Exported for
 * the protocol's unit tests; `serveBroker` wires it to the socket.
 */
export function brokerAnswerer(
  env: Env,
  paths: ConfigPaths,
  signal: AbortSignal,
): (line: string | null) => Promise<string> {
  const bucket = tokenBucket(env);
  let queue: Promise<unknown> = Promise.resolve();
  return (line) => {
    try {
      if (line === null) {
        throw new RequestRefusal("too-large", `A request is at most ${maxRequestBytes} bytes`);
      }
      if (!bucket.take()) throw new RequestRefusal("rate-limited", "Too many requests; retry");
      const request = parseRequest(line);
      if (request.op === "status") return Promise.resolve(statusAnswerLine);
      // One at a time: whoever comes after a refresh reads its result.
      const asked = request.profile === undefined ? paths : configPaths(env, request.profile);
      const answer = queue.then(() => freshSignedIn(env, asked, request.minValidSeconds, signal))
        .then(
          ({ tokens, credentials }) =>
            tokenAnswerLine(accessTokenDocument(tokens, credentials.site)),
          (error) =>
            errorAnswerLine(
              error instanceof TwgError ? error.code : "unavailable",
              messageOf(error),
            ),
        );
      queue = answer;
      return answer;
    } catch (error) {
      const code = error instanceof RequestRefusal ? error.code : "malformed";
      return Promise.resolve(errorAnswerLine(code, messageOf(error)));
    }
  };
}

/** The stored sign-in with at least `minValidSeconds` left, refreshed when due or short. */
async function freshSignedIn(
  env: Env,
  paths: ConfigPaths,
  minValidSeconds: number,
  signal: AbortSignal,
): Promise<SignedIn> {
  const current = await readSignedIn(env, paths);
  const isShort = expiresAtMs(current.tokens) - env.now() < minValidSeconds * 1000;
  // A due token is refreshed without force: refreshIfDue re-reads it under
  // the lock, so racing requests (and the keeper's own round) share one
  // refresh. Only a token that is not due yet, but lives less than asked,
  // is forced.
  const force = isShort && !isRefreshDue(current.tokens, env.now()) &&
    current.tokens.method !== "token";
  const result = await refreshIfDue(env, paths, { force, signal });
  await keepAccessTokenFileQuietly(env, paths, result.tokens, result.credentials.site);
  if (expiresAtMs(result.tokens) - env.now() < minValidSeconds * 1000) {
    throw new TwgError(`The access token lives less than the ${minValidSeconds}s asked for`, {
      code: "token-lifetime-too-short",
    });
  }
  return result;
}

/**
 * Listens until `options.signal` aborts, then closes and removes the socket.
 * Throws `BrokerSocketError` before listening when the socket's place
 * cannot be trusted or another keeper answers there.
 */
export async function serveBroker(
  env: Env,
  paths: ConfigPaths,
  options: BrokerOptions,
): Promise<void> {
  if (!env.serveUnixLines || !env.requestUnixLine) {
    throw new TwgError("This runtime cannot listen on a Unix socket");
  }
  const { socketPath, signal } = options;
  await prepareSocketDir(env, socketDirOf(socketPath));
  const request = env.requestUnixLine;
  await clearSocketPath(
    env,
    socketPath,
    () =>
      request(socketPath, requestLine({ op: "status", minValidSeconds: 0 }), {
        timeoutMs: 2000,
        maxLineBytes: 64 * 1024,
      }).then(() => true, () => false),
  );
  const server = await env.serveUnixLines(socketPath, brokerAnswerer(env, paths, signal), {
    maxLineBytes: maxRequestBytes,
    idleTimeoutMs: 5000,
    maxConnections: 32,
  });
  try {
    // The directory is 0700 already; the socket's own mode is the second lock.
    if (env.os !== "windows") await env.fs.chmod(socketPath, socketMode);
    options.onReady?.();
    await keepFresh(env, paths, signal);
  } finally {
    await server.close();
    await env.fs.rm(socketPath, { force: true }).catch(() => {});
  }
}

/**
 * Keeps the stored token and the access-token file fresh until `signal`
 * aborts: wakes when the next refresh is due (at most every five minutes,
 * at least every five seconds), as upkeep does every twelve.
 */
async function keepFresh(env: Env, paths: ConfigPaths, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    let waitMs = 5 * 60_000;
    // Its own profile, then every other signed-in one (issue 21).
    const others = (await listProfiles(env)).filter((name) => name !== paths.profile);
    for (const profilePaths of [paths, ...others.map((name) => configPaths(env, name))]) {
      try {
        const result = await refreshIfDue(env, profilePaths, { signal });
        await keepAccessTokenFileQuietly(env, profilePaths, result.tokens, result.credentials.site);
        waitMs = Math.min(waitMs, Math.max(5000, refreshDueAtMs(result.tokens) - env.now()));
      } catch (error) {
        if (signal.aborted) break;
        // A profile that is not signed in has nothing to keep fresh.
        if (profilePaths !== paths && error instanceof AuthRequiredError) continue;
        env.stderr.write(`twg auth serve: ${profilePaths.profile}: ${messageOf(error)}\n`);
        waitMs = Math.min(waitMs, 30_000);
      }
    }
    await env.sleep(waitMs, signal).catch(() => {});
  }
}
