/**
 * The one place twg touches the outside world. Every command receives an
 * {@link Env}; tests build their own with {@link createTestEnv}-style fakes.
 * Only this module reads `Deno.*` or `process.*`, so the npm build runs the
 * same code under Node.
 *
 * @module
 */
import * as fsSync from "node:fs";
import * as fs from "node:fs/promises";
import { spawn } from "node:child_process";
import os from "node:os";
import process from "node:process";

/** A stream a command writes to. */
export interface Output {
  write(text: string): void;
  readonly isTerminal: boolean;
}

/** What a finished child process left behind. */
export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Options for {@link Env.run}. */
export interface RunOptions {
  /** Text written to the child's stdin, then closed. */
  input?: string;
  /** Extra environment variables for the child. */
  env?: Record<string, string>;
  /** Start it and return without waiting (browser openers). */
  detached?: boolean;
}

/**
 * The file-system calls twg uses: a subset of `node:fs/promises`, plus the
 * few synchronous calls of the atomic save, whose window must be short.
 */
export type FileSystem =
  & SyncFileSystem
  & Pick<
    typeof fs,
    | "readFile"
    | "writeFile"
    | "open"
    | "rename"
    | "stat"
    | "lstat"
    | "mkdir"
    | "chmod"
    | "rm"
    | "readdir"
    | "utimes"
    | "link"
    | "unlink"
    | "access"
  >;

/** Synchronous calls, used only between a token response and its rename. */
export type SyncFileSystem = Pick<
  typeof fsSync,
  "openSync" | "writeSync" | "fchmodSync" | "fsyncSync" | "closeSync" | "renameSync"
>;

/** Operating systems twg knows how to integrate with. */
export type OsName = "linux" | "darwin" | "windows";

/** Everything a command may touch. */
export interface Env {
  stdout: Output;
  stderr: Output;
  /** Whether stdin is an interactive terminal (prompts are only shown then). */
  stdinIsTerminal: boolean;
  /** Reads one line from stdin; `hidden` turns echo off (secrets). */
  readLine(prompt: string, options?: { hidden?: boolean }): Promise<string | null>;
  /** Milliseconds since the epoch. */
  now(): number;
  /** Waits, or rejects with the signal's reason when it aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  fetch: typeof fetch;
  fs: FileSystem;
  /** Runs a program directly (never through a shell). */
  run(command: string, args: string[], options?: RunOptions): Promise<RunResult>;
  /** Reads an environment variable. */
  getVar(name: string): string | undefined;
  os: OsName;
  homeDir: string;
  /** The working directory (a relative `TWG_CONFIG_DIR` is relative to it). */
  cwd(): string;
  pid: number;
  hostname: string;
  /** Whether a process with this id exists on this host. */
  isProcessAlive(pid: number): boolean;
  /**
   * Whether the runtime's permission model allows writing `path`, without ever
   * showing a permission prompt (Deno `--allow-write`, Node `--permission`).
   */
  canWriteByPermission(path: string): Promise<boolean>;
  /** Aborts on SIGINT / SIGTERM (Ctrl-C); commands pass it to waits and requests. */
  interrupt: AbortSignal;
  /** Name and version of the runtime, for `doctor` and `--version`. */
  runtime: string;
  /** Absolute path of the running script or binary (for the upkeep launcher). */
  mainPath: string;
  /** How the runtime itself is started (`deno`, `node`, or the compiled binary). */
  execPath: string;
}

const isDeno = typeof (globalThis as { Deno?: unknown }).Deno !== "undefined";

function osName(): OsName {
  const platform = process.platform;
  if (platform === "win32") return "windows";
  if (platform === "darwin") return "darwin";
  return "linux";
}

function makeOutput(stream: NodeJS.WriteStream, fd: number): Output {
  return {
    write(text: string) {
      if (isDeno) {
        // Synchronous so that output is complete before an exit.
        const bytes = new TextEncoder().encode(text);
        let written = 0;
        const file = fd === 1 ? Deno.stdout : Deno.stderr;
        while (written < bytes.length) written += file.writeSync(bytes.subarray(written));
      } else {
        stream.write(text);
      }
    },
    get isTerminal() {
      return isDeno ? (fd === 1 ? Deno.stdout : Deno.stderr).isTerminal() : Boolean(stream.isTTY);
    },
  };
}

async function readLineFromStdin(
  prompt: string,
  stderr: Output,
  hidden: boolean,
): Promise<string | null> {
  const stdin = process.stdin;
  const raw = hidden && stdin.isTTY;
  // Echo goes off before the prompt appears: anything typed after it is hidden.
  if (raw) stdin.setRawMode(true);
  stderr.write(prompt);
  stdin.resume();
  try {
    return await new Promise<string | null>((resolve, reject) => {
      let line = "";
      const finish = (value: string | null) => {
        stdin.off("data", onData);
        stdin.off("end", onEnd);
        resolve(value);
      };
      const onEnd = () => finish(line.length > 0 ? line : null);
      const onData = (chunk: Buffer) => {
        for (const char of chunk.toString("utf8")) {
          if (char === "\u0003") {
            stdin.off("data", onData);
            stdin.off("end", onEnd);
            reject(new DOMException("Interrupted", "AbortError"));
            return;
          }
          if (char === "\r" || char === "\n") return finish(line);
          if (char === "\u007f" || char === "\b") line = line.slice(0, -1);
          else line += char;
        }
      };
      stdin.on("data", onData);
      stdin.on("end", onEnd);
    });
  } finally {
    if (raw) {
      stdin.setRawMode(false);
      stderr.write("\n");
    }
    stdin.pause();
  }
}

function runProcess(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn(command, args, {
      shell: false,
      windowsHide: true,
      env: { ...process.env, ...options.env },
      stdio: options.detached ? "ignore" : ["pipe", "pipe", "pipe"],
      detached: options.detached ?? false,
    });
    let stdout = "";
    let stderr = "";
    child.on("error", (error: NodeJS.ErrnoException) => {
      resolve({ code: error.code === "ENOENT" ? 127 : 126, stdout, stderr: error.message });
    });
    if (options.detached) {
      child.on("spawn", () => {
        child.unref();
        resolve({ code: 0, stdout: "", stderr: "" });
      });
      return;
    }
    child.stdout?.setEncoding("utf8").on("data", (chunk: string) => stdout += chunk);
    child.stderr?.setEncoding("utf8").on("data", (chunk: string) => stderr += chunk);
    // A child may exit without reading its input; Node reports the broken pipe
    // as an "error" event, which unhandled would end twg. The exit code tells.
    child.stdin?.on("error", () => {});
    child.stdin?.end(options.input ?? "");
    child.on("close", (code: number | null) => resolve({ code: code ?? 1, stdout, stderr }));
  });
}

async function permissionAllowsWrite(path: string): Promise<boolean> {
  if (isDeno) {
    // query() never prompts; "prompt" means the write would have to ask, which
    // a sandboxed or non-interactive run can never answer, so it counts as no.
    const status = await Deno.permissions.query({ name: "write", path });
    return status.state === "granted";
  }
  const permission = (process as unknown as {
    permission?: { has(scope: string, reference?: string): boolean };
  }).permission;
  return permission ? permission.has("fs.write", path) : true;
}

function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new DOMException("Interrupted", "AbortError"));
  };
  if (isDeno) {
    Deno.addSignalListener("SIGINT", onSignal);
    if (osName() !== "windows") Deno.addSignalListener("SIGTERM", onSignal);
  } else {
    process.on("SIGINT", onSignal);
    process.on("SIGTERM", onSignal);
  }
  return controller.signal;
}

/**
 * Node reports the script by the path it was started with: for `twg` on PATH,
 * npm's bin symlink. Its target is what lies inside the installed package,
 * where the upkeep launcher looks for it.
 */
function nodeMainPath(): string {
  const started = process.argv[1] ?? "";
  try {
    return fsSync.realpathSync(started);
  } catch {
    return started;
  }
}

/** The real environment of this process. */
export function createProcessEnv(): Env {
  const stderr = makeOutput(process.stderr, 2);
  let interrupt: AbortSignal | undefined;
  return {
    stdout: makeOutput(process.stdout, 1),
    stderr,
    stdinIsTerminal: isDeno ? Deno.stdin.isTerminal() : Boolean(process.stdin.isTTY),
    readLine: (prompt, options) => readLineFromStdin(prompt, stderr, options?.hidden ?? false),
    now: () => Date.now(),
    sleep: (ms, signal) =>
      new Promise((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        const timer = setTimeout(() => {
          signal?.removeEventListener("abort", onAbort);
          resolve();
        }, ms);
        const onAbort = () => {
          clearTimeout(timer);
          reject(signal?.reason);
        };
        signal?.addEventListener("abort", onAbort, { once: true });
      }),
    fetch: (input, init) => globalThis.fetch(input, init),
    fs: {
      ...fs,
      openSync: fsSync.openSync,
      writeSync: fsSync.writeSync,
      fchmodSync: fsSync.fchmodSync,
      fsyncSync: fsSync.fsyncSync,
      closeSync: fsSync.closeSync,
      renameSync: fsSync.renameSync,
    },
    run: runProcess,
    getVar: (name) => process.env[name],
    os: osName(),
    // HOME first: os.homedir() and os.hostname() need Deno's --allow-sys,
    // which most commands should not have to ask for.
    homeDir: process.env[osName() === "windows" ? "USERPROFILE" : "HOME"] || os.homedir(),
    cwd: () => process.cwd(),
    pid: process.pid,
    get hostname() {
      return os.hostname();
    },
    isProcessAlive(pid) {
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        return (error as NodeJS.ErrnoException).code === "EPERM";
      }
    },
    canWriteByPermission: permissionAllowsWrite,
    // Installed lazily: a listener keeps nothing alive, but there is no need
    // to install one for commands that never wait.
    get interrupt() {
      return interrupt ??= interruptSignal();
    },
    runtime: isDeno ? `deno ${Deno.version.deno}` : `node ${process.versions.node}`,
    mainPath: isDeno ? process.argv[1] ?? "" : nodeMainPath(),
    execPath: process.execPath,
  };
}

/**
 * Ends the process with `code` once everything written to stdout and stderr
 * has left. Node writes to a pipe asynchronously once the pipe is full, and
 * `process.exit` drops what is still queued (`twg api … | less` would lose all
 * past 64 KiB); Deno's writes above are synchronous, so there it exits at once.
 *
 * @example
 * ```ts
 * import { createProcessEnv, exitProcess } from "./env.ts";
 *
 * createProcessEnv().stdout.write("done\n");
 * await exitProcess(0);
 * ```
 */
export async function exitProcess(code: number): Promise<never> {
  if (!isDeno) {
    // A write's callback runs once it and every earlier write are flushed.
    await Promise.all(
      [process.stdout, process.stderr].map((stream) =>
        new Promise<void>((resolve) => stream.write("", () => resolve()))
      ),
    );
  }
  process.exit(code);
}
