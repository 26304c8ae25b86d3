/**
 * An {@link Env} for unit tests: the real file system (in a temporary
 * directory), with captured output, a fake clock and scripted `fetch`.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProcessEnv, type Env, type Output } from "../src/env.ts";

/** A test environment and what it recorded. */
export interface TestEnv extends Env {
  /** What was written to stdout. */
  out(): string;
  /** What was written to stderr. */
  err(): string;
  /** The temporary home directory; the config dir is `<home>/config`. */
  home: string;
  /** Advances the fake clock. */
  advance(ms: number): void;
  /** Every `fetch` made: method and URL. */
  requests: { method: string; url: string; body: string }[];
  /** Removes the temporary directory. */
  cleanup(): Promise<void>;
}

/** Options for {@link createTestEnv}. */
export interface TestEnvOptions {
  vars?: Record<string, string>;
  /** Answers each request; the default refuses every request. */
  fetch?: (request: Request) => Response | Promise<Response>;
  isTerminal?: boolean;
  /** Start of the fake clock (ms since the epoch). */
  now?: number;
  overrides?: Partial<Env>;
}

function capture(isTerminal: boolean): Output & { text: string } {
  return {
    text: "",
    isTerminal,
    write(text: string) {
      this.text += text;
    },
  };
}

/** Builds a {@link TestEnv}; call `cleanup` when done. */
export async function createTestEnv(options: TestEnvOptions = {}): Promise<TestEnv> {
  const home = await mkdtemp(join(tmpdir(), "twg-test-"));
  const real = createProcessEnv();
  const stdout = capture(options.isTerminal ?? false);
  const stderr = capture(options.isTerminal ?? false);
  const vars: Record<string, string> = { TWG_CONFIG_DIR: join(home, "config"), ...options.vars };
  let clock = options.now ?? Date.parse("2026-11-28T12:00:00Z");
  const requests: TestEnv["requests"] = [];
  const interrupt = new AbortController();
  const env: TestEnv = {
    ...real,
    stdout,
    stderr,
    stdinIsTerminal: options.isTerminal ?? false,
    readLine: () => Promise.resolve(null),
    now: () => clock,
    sleep: (ms, signal) => {
      if (signal?.aborted) return Promise.reject(signal.reason);
      clock += ms;
      return Promise.resolve();
    },
    fetch: async (input, init) => {
      const request = new Request(input, init);
      requests.push({
        method: request.method,
        url: request.url,
        body: await request.clone().text(),
      });
      if (!options.fetch) throw new TypeError("fetch failed: no network in unit tests");
      return await options.fetch(request);
    },
    getVar: (name) => vars[name],
    homeDir: home,
    interrupt: interrupt.signal,
    out: () => stdout.text,
    err: () => stderr.text,
    home,
    advance: (ms) => {
      clock += ms;
    },
    requests,
    cleanup: () => rm(home, { recursive: true, force: true }),
    ...options.overrides,
  };
  return env;
}

/** A JSON response. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
