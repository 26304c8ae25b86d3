/**
 * A fake {@link Env} for tests: real files in a fresh temporary directory,
 * everything else scripted and recorded. Output is captured into strings,
 * the clock is fixed (and advanced only by `sleep`), variables come from a
 * map, and every `run` is recorded before it is answered.
 *
 * @example
 * ```ts
 * await using env = fakeEnv({
 *   os: "darwin",
 *   vars: { HOME: "/Users/ada" },
 *   commands: [{ command: "launchctl", args: ["bootstrap"], result: { code: 5, stderr: "Bootstrap failed" } }],
 * });
 * await env.run("launchctl", ["bootstrap", "gui/501", "x.plist"]); // { code: 5, stdout: "", stderr: "Bootstrap failed" }
 * env.calls; // [{ command: "launchctl", args: ["bootstrap", "gui/501", "x.plist"] }]
 * ```
 *
 * @module
 */
import * as fs from "node:fs/promises";
import { type Env, fileSystem, type Output, type RunOptions, type RunResult } from "../src/env.ts";

/** One recorded call of {@link Env.run}. */
export interface RunCall {
  command: string;
  args: string[];
  options?: RunOptions;
}

/**
 * A scripted answer for {@link Env.run}: it applies when `command` matches
 * and the call's arguments start with `args`.
 */
export interface ScriptedCommand {
  command: string;
  args?: string[];
  result: Partial<RunResult>;
}

/** What {@link fakeEnv} accepts: any {@link Env} member, plus scripting. */
export interface FakeEnvOverrides extends Partial<Env> {
  /** Variables `getVar` reads (unless `getVar` itself is given). */
  vars?: Record<string, string>;
  /**
   * Answers for `run`, first match wins; a call nothing matches exits 0 with
   * no output. Ignored when `run` itself is given (calls are still recorded).
   */
  commands?: ScriptedCommand[];
  /** Answers `fetch` (recorded in `requests`); without it every request fails as offline. */
  respond?: (request: Request) => Response | Promise<Response>;
}

/** The fake environment, with what it recorded and a way to clean up. */
export interface FakeEnv extends Env, AsyncDisposable {
  /** Every `run` call, in order. */
  calls: RunCall[];
  /** Everything written to stdout so far. */
  stdoutText(): string;
  /** Everything written to stderr so far. */
  stderrText(): string;
  /** The temporary directory; `homeDir` is `<tempDir>/home` unless overridden. */
  tempDir: string;
  /** Every `fetch`, in order. */
  requests: { method: string; url: string; body: string }[];
  /** Moves the fake clock forward. */
  advance(ms: number): void;
}

/** 2026-11-28T12:00:00Z, the fixed start of every fake clock. */
export const FAKE_NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

function capture(): Output & { text: string } {
  return {
    text: "",
    isTerminal: false,
    write(text: string) {
      this.text += text;
    },
  };
}

function scriptedRun(commands: ScriptedCommand[]) {
  return (command: string, args: string[]): Promise<RunResult> => {
    const match = commands.find((rule) =>
      rule.command === command && (rule.args ?? []).every((arg, index) => args[index] === arg)
    );
    return Promise.resolve({ code: 0, stdout: "", stderr: "", ...match?.result });
  };
}

/**
 * Builds a fake environment; dispose of it (`await using`) to remove its
 * temporary directory.
 */
export function fakeEnv(overrides: FakeEnvOverrides = {}): FakeEnv {
  const { vars = {}, commands = [], run: answer = scriptedRun(commands), respond, ...members } =
    overrides;
  const tempDir = Deno.makeTempDirSync({ prefix: "twg-test-" });
  const homeDir = `${tempDir}/home`;
  Deno.mkdirSync(homeDir);
  const stdout = capture();
  const stderr = capture();
  const calls: RunCall[] = [];
  const requests: FakeEnv["requests"] = [];
  let clock = FAKE_NOW;
  const env: Env = {
    stdout,
    stderr,
    stdinIsTerminal: false,
    readLine: () => Promise.resolve(null),
    readStdin: () => Promise.resolve(""),
    now: () => clock,
    sleep(ms, signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      clock += ms;
      return Promise.resolve();
    },
    async fetch(input, init) {
      const request = new Request(input, init);
      requests.push({
        method: request.method,
        url: request.url,
        body: await request.clone().text(),
      });
      if (!respond) throw new TypeError(`fetch failed: no network in this test (${request.url})`);
      return await respond(request);
    },
    fs: fileSystem,
    run(command, args, options) {
      calls.push(options === undefined ? { command, args } : { command, args, options });
      return answer(command, args, options);
    },
    getVar: (name) => vars[name],
    os: "linux",
    homeDir,
    cwd: () => tempDir,
    pid: 4242,
    hostname: "test-host",
    isProcessAlive: (pid) => Promise.resolve(pid === 4242),
    canWriteByPermission: () => Promise.resolve(true),
    interrupt: new AbortController().signal,
    // The real owner of the test's files; a test fakes another user by overriding it.
    userId: Deno.uid(),
    runtime: "deno test",
    mainPath: `${tempDir}/twg/main.ts`,
    execPath: Deno.execPath(),
    ...members,
  };
  return Object.assign(env, {
    calls,
    stdoutText: () => stdout.text,
    stderrText: () => stderr.text,
    tempDir,
    requests,
    advance(ms: number) {
      clock += ms;
    },
    [Symbol.asyncDispose]: () => fs.rm(tempDir, { recursive: true, force: true }),
  });
}

/** A JSON response, for `respond`. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
