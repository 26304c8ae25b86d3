/**
 * A fake {@link Env} for tests: real files in a fresh temporary directory,
 * everything else scripted and recorded. Output is captured into strings,
 * the clock is fixed (and advanced only by `sleep`), variables come from a
 * map, and every `run` is recorded before it is answered.
 *
 * It fails loudly on anything it was not told about, so that a test never
 * passes on a decision the fake made for it: a `run` no scripted command
 * matches, a scripted command or response never used, a request no response
 * matches, and a pid whose liveness the test did not state. Each fails the
 * call (a run throws, a request fails) and is reported again when the env is
 * disposed (`await using`), which fails the test even when the code under
 * test swallowed the failure; {@link FakeEnv.verify} checks it earlier.
 *
 * @example
 * ```ts ignore
 * await using env = fakeEnv({
 *   os: "darwin",
 *   vars: { HOME: "/Users/ada" },
 *   commands: [{ command: "launchctl", args: ["bootstrap"], result: { code: 5, stderr: "Bootstrap failed" } }],
 *   responses: [{ method: "POST", url: "https://auth.example.com/oauth/token", response: () => jsonResponse({}) }],
 * });
 * await env.run("launchctl", ["bootstrap", "gui/501", "x.plist"]); // { code: 5, stdout: "", stderr: "Bootstrap failed" }
 * env.calls; // [{ command: "launchctl", args: ["bootstrap", "gui/501", "x.plist"] }]
 * ```
 *
 * @module
 */
import * as fs from "node:fs/promises";
import type { Env, Output, RunOptions, RunResult } from "../src/env.ts";
import { fileSystem } from "../src/env_deno.ts";

/** One recorded call of {@link Env.run}. */
export interface RunCall {
  command: string;
  args: string[];
  options?: RunOptions;
}

/**
 * A scripted answer for {@link Env.run}: it applies when `command` matches
 * and the call's arguments start with `args`. It must be used at least once
 * unless `optional`.
 */
export interface ScriptedCommand {
  command: string;
  args?: string[];
  result: Partial<RunResult>;
  /** The test does not insist that this command runs. */
  optional?: boolean;
}

/**
 * A scripted answer for `fetch`: it applies when the method (default any)
 * and the URL (a string is a prefix) match. It must be used at least once
 * unless `optional`.
 */
export interface ScriptedResponse {
  method?: string;
  url: string | RegExp;
  response: () => Response | Promise<Response>;
  /** The test does not insist that this request is made. */
  optional?: boolean;
}

/** How the fake copy of twg is installed (see `src/install/detect.ts`). */
export type FakeInstall = "checkout" | "compiled" | "npm" | "deno-install";

/** What {@link fakeEnv} accepts: any {@link Env} member, plus scripting. */
export interface FakeEnvOverrides extends Partial<Env> {
  /** Variables `getVar` reads (unless `getVar` itself is given). */
  vars?: Record<string, string>;
  /**
   * Answers for `run`, first match wins; a call nothing matches throws and
   * fails the test. Ignored when `run` itself is given (calls are still
   * recorded, and nothing is verified).
   */
  commands?: ScriptedCommand[];
  /**
   * Answers `fetch` (recorded in `requests`) when no {@link responses} entry
   * matches; without either, every request fails as offline, and one no
   * entry matches fails the test.
   */
  respond?: (request: Request) => Response | Promise<Response>;
  /** Scripted `fetch` answers, first match wins; each must be used. */
  responses?: ScriptedResponse[];
  /** Pids `isProcessAlive` answers true for, besides the fake's own `pid`. */
  alivePids?: number[];
  /** Pids `isProcessAlive` answers false for; any other pid fails the test. */
  deadPids?: number[];
  /**
   * How this copy of twg is installed (default `"checkout"`): sets
   * `runtime`, `execPath` and `mainPath`, and writes the npm bin or the
   * `deno install` shim that `detectInstallation` looks for.
   */
  install?: FakeInstall;
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
  /**
   * Throws when something happened that the test did not script (an
   * unscripted run, an unmatched request, an unknown pid) or something
   * scripted never happened. Disposing the env calls it too.
   */
  verify(): void;
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

function scriptedRun(commands: ScriptedCommand[], used: Set<unknown>, problems: string[]) {
  return (command: string, args: string[]): Promise<RunResult> => {
    const match = commands.find((rule) =>
      isSameProgram(rule.command, command) &&
      (rule.args ?? []).every((arg, index) => args[index] === arg)
    );
    if (!match) {
      const problem = `fakeEnv: unscripted run: ${[command, ...args].join(" ")}`;
      problems.push(problem);
      return Promise.reject(new Error(problem));
    }
    used.add(match);
    return Promise.resolve({ code: 0, stdout: "", stderr: "", ...match.result });
  };
}

/**
 * Whether a scripted `command` names the program run: the same string, or,
 * for a bare name, the same file name (`schtasks` is
 * `C:\\Windows\\System32\\schtasks.exe`, which twg runs by absolute path).
 */
function isSameProgram(scripted: string, run: string): boolean {
  if (scripted === run) return true;
  if (/[\\/]/.test(scripted)) return false;
  const bare = (name: string) => name.replace(/^.*[\\/]/, "").replace(/\.exe$/i, "").toLowerCase();
  return bare(scripted) === bare(run);
}

function matchesResponse(rule: ScriptedResponse, request: Request): boolean {
  if (rule.method && rule.method.toUpperCase() !== request.method) return false;
  return typeof rule.url === "string"
    ? request.url.startsWith(rule.url)
    : rule.url.test(request.url);
}

/** The runtime, executable and entry point of a fake copy of twg installed as `install`. */
function installMembers(install: FakeInstall, tempDir: string, homeDir: string) {
  switch (install) {
    case "checkout":
      return {
        runtime: "deno test",
        execPath: Deno.execPath(),
        mainPath: `${tempDir}/twg/main.ts`,
      };
    case "compiled":
      return {
        runtime: "deno 2.9.6",
        execPath: `${homeDir}/bin/twg`,
        mainPath: `${tempDir}/twg/main.ts`,
      };
    case "npm": {
      const prefix = `${tempDir}/npm-prefix`;
      Deno.mkdirSync(`${prefix}/bin`, { recursive: true });
      Deno.writeTextFileSync(`${prefix}/bin/twg`, "#!/bin/sh\n", { mode: 0o755 });
      return {
        runtime: "node 20.19.0",
        execPath: "/usr/bin/node",
        mainPath: `${prefix}/lib/node_modules/@twg/cli/dist/twg.js`,
      };
    }
    case "deno-install": {
      const mainPath = `${tempDir}/twg/main.ts`;
      Deno.mkdirSync(`${homeDir}/.deno/bin`, { recursive: true });
      Deno.writeTextFileSync(
        `${homeDir}/.deno/bin/twg`,
        `#!/bin/sh\n# generated by deno install\nexec deno run --allow-read 'file://${mainPath}' "$@"\n`,
        { mode: 0o755 },
      );
      return { runtime: "deno 2.9.6", execPath: Deno.execPath(), mainPath };
    }
  }
}

/**
 * Builds a fake environment; dispose of it (`await using`) to remove its
 * temporary directory.
 */
export function fakeEnv(overrides: FakeEnvOverrides = {}): FakeEnv {
  const problems: string[] = [];
  const used = new Set<unknown>();
  const {
    vars = {},
    commands = [],
    run: answer = scriptedRun(commands, used, problems),
    respond,
    responses = [],
    alivePids = [],
    deadPids = [],
    install = "checkout",
    ...members
  } = overrides;
  const isScripted = overrides.run === undefined;
  const tempDir = Deno.makeTempDirSync({ prefix: "twg-test-" });
  const homeDir = `${tempDir}/home`;
  Deno.mkdirSync(homeDir);
  const installed = installMembers(install, tempDir, members.homeDir ?? homeDir);
  const pid = members.pid ?? 4242;
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
      const rule = responses.find((candidate) => matchesResponse(candidate, request));
      if (rule) {
        used.add(rule);
        return await rule.response();
      }
      if (respond) return await respond(request);
      if (responses.length > 0) {
        const problem = `fakeEnv: unscripted request: ${request.method} ${request.url}`;
        problems.push(problem);
        throw new TypeError(problem);
      }
      throw new TypeError(`fetch failed: no network in this test (${request.url})`);
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
    pid,
    hostname: "test-host",
    isProcessAlive(asked) {
      if (asked === pid || alivePids.includes(asked)) return Promise.resolve(true);
      if (!deadPids.includes(asked)) {
        problems.push(
          `fakeEnv: isProcessAlive(${asked}) for a pid the test did not declare (alivePids, deadPids)`,
        );
      }
      return Promise.resolve(false);
    },
    canWriteByPermission: () => Promise.resolve(true),
    interrupt: new AbortController().signal,
    // The real owner of the test's files; a test fakes another user by overriding it.
    userId: Deno.uid(),
    ...installed,
    ...members,
  };
  const verify = () => {
    const unused = [
      ...(isScripted ? commands : []).filter((rule) => !rule.optional && !used.has(rule)).map(
        (rule) =>
          `fakeEnv: scripted command never run: ${[rule.command, ...rule.args ?? []].join(" ")}`,
      ),
      ...responses.filter((rule) => !rule.optional && !used.has(rule)).map((rule) =>
        `fakeEnv: scripted response never requested: ${rule.method ?? "any"} ${rule.url}`
      ),
    ];
    const all = [...problems, ...unused];
    if (all.length > 0) throw new Error(all.join("\n"));
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
    verify,
    async [Symbol.asyncDispose]() {
      await fs.rm(tempDir, { recursive: true, force: true });
      try {
        verify();
      } catch (error) {
        // When the test body failed too, Deno reports only "An error was
        // suppressed during disposal": say which here.
        Deno.stderr.writeSync(new TextEncoder().encode(`${(error as Error).message}\n`));
        throw error;
      }
    },
  });
}

/** A JSON response, for `respond`. */
export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json" },
  });
}
