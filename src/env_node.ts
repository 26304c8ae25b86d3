/**
 * The Node twin of `env.ts`: the same exports, on Node's APIs. The npm build
 * puts it in place of `env.ts` (see `npm-build.ts`); nothing imports it
 * directly.
 *
 * @module
 */
import { Buffer } from "node:buffer";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import type {
  Env,
  ExitStatus,
  FileSystem,
  LineServer,
  LineServerOptions,
  OsName,
  Output,
  RunOptions,
  RunResult,
  SelfCommand,
} from "./env.ts";
import { abortableSleep, interruptSignalNames, testHooksFrom, typeInto } from "./env_shared.ts";
import type { PermissionDenial } from "./permission_denial.ts";

/**
 * node:fs and node:os through `require`, and the global `process`:
 * importing a built-in as an ES module makes Node run every lazy getter of
 * its exports (`import … from "node:fs"` alone loads 143 built-in modules,
 * `require` of fs, fs/promises and os 127, the bare runtime 109;
 * `process.moduleLoadList`, Node 24). A fresh `auth token` loads 149
 * instead of 154. The file calls take callbacks, not `node:fs/promises`:
 * Node 24's loader no longer loads that module, which brings Node's
 * stream, watcher and readline internals (1.1 ms).
 */
const require = createRequire(import.meta.url);
const fsSync: typeof import("node:fs") = require("node:fs");
const os: typeof import("node:os") = require("node:os");

/** Node's permission names (`error.permission`) and the flag that grants each. */
const nodePermissions: Record<string, { access: string; flag: string }> = {
  FileSystemRead: { access: "read", flag: "--allow-fs-read" },
  FileSystemWrite: { access: "write", flag: "--allow-fs-write" },
  ChildProcess: { access: "run", flag: "--allow-child-process" },
  WorkerThreads: { access: "worker", flag: "--allow-worker" },
};

/**
 * The Node permission an error says was not granted, or `null`: under
 * `--permission` Node throws `ERR_ACCESS_DENIED` with `permission` and
 * `resource` (https://nodejs.org/api/permissions.html).
 */
export function permissionDenialOf(error: unknown): PermissionDenial | null {
  const denied = error as { code?: unknown; permission?: unknown; resource?: unknown } | null;
  if (denied?.code !== "ERR_ACCESS_DENIED") return null;
  const known = nodePermissions[String(denied.permission)];
  const target = typeof denied.resource === "string" && denied.resource ? denied.resource : null;
  const access = known?.access ?? String(denied.permission);
  const flag = known
    ? `${known.flag}${target && known.flag.includes("fs") ? `=${target}` : ""}`
    : "--permission";
  return { runtime: "node", access, target, flag };
}

function osName(): OsName {
  const platform = process.platform;
  if (platform === "win32") return "windows";
  if (platform === "darwin") return "darwin";
  return "linux";
}

/** The standard streams this process has opened, which exitProcess flushes. */
const openedStreams = new Set<NodeJS.WriteStream>();

/**
 * Bytes an output writes straight to its descriptor before it builds Node's
 * stream: a page, the least a Linux pipe holds (pipe(7)), so that the blocking
 * `writeSync` waits only on a pipe that other writers have already filled.
 */
const directLimit = 4096;

/**
 * An output over `open()`'s stream, opened at first use: Node builds
 * `process.stdout` and `process.stderr` on first access, loading its stream
 * machinery (about 2 ms of a fresh `auth token`; `node --cpu-prof`,
 * bench/README.md). Until then, and for the first {@link directLimit} bytes,
 * text goes to the descriptor with `writeSync`, as Node's own stream does for
 * files and terminals; a pipe's stream is asynchronous on POSIX, so more than
 * that, a short write, or a descriptor another process made non-blocking
 * (`EAGAIN`) goes through the stream, in order. Not on Windows, where the
 * stream writes a console as UTF-16 (https://nodejs.org/api/process.html, "A
 * note on process I/O").
 */
function makeOutput(fd: 1 | 2, open: () => NodeJS.WriteStream): Output {
  let isClosed = false;
  let opened: NodeJS.WriteStream | undefined;
  let directBytes = process.platform === "win32" ? directLimit : 0;
  const stream = () => {
    if (opened) return opened;
    directBytes = directLimit;
    opened = open();
    openedStreams.add(opened);
    // The reader is gone (`twg api … | head`): the rest has nowhere to go. Node
    // reports it as an "error" event, which unhandled would end the process.
    opened.on("error", (error: NodeJS.ErrnoException) => {
      if (error.code !== "EPIPE") throw error;
      isClosed = true;
    });
    return opened;
  };
  /** Writes what it can straight to `fd`; returns what is left for the stream. */
  const writeDirect = (text: string): Uint8Array | null => {
    const bytes = Buffer.from(text);
    if (directBytes + bytes.length > directLimit) return bytes;
    directBytes += bytes.length;
    let offset = 0;
    try {
      while (offset < bytes.length) {
        const written = fsSync.writeSync(fd, bytes, offset);
        if (written === 0) break;
        offset += written;
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EPIPE") {
        isClosed = true;
        return null;
      }
      // EAGAIN, or anything else: the stream takes the rest, and reports what it must.
    }
    return offset < bytes.length ? bytes.subarray(offset) : null;
  };
  return {
    // Asynchronous once a pipe is full: exitProcess waits for it to drain.
    write(text: string) {
      if (isClosed) return;
      const rest = opened ? text : writeDirect(text);
      if (rest !== null && !isClosed) stream().write(rest);
    },
    get isTerminal() {
      return !isNeverTerminal() && Boolean(stream().isTTY);
    },
    columns() {
      if (isNeverTerminal()) return null;
      // A pseudo-terminal nobody sized reports 0.
      const output = stream();
      return output.isTTY ? output.columns || null : null;
    },
  };
  /** A pipe or a file, known without building the stream: only a character device can be a terminal. */
  function isNeverTerminal(): boolean {
    if (opened) return false;
    try {
      return !fsSync.fstatSync(fd).isCharacterDevice();
    } catch {
      return false;
    }
  }
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
      const stop = () => {
        stdin.off("data", onData);
        stdin.off("end", onEnd);
      };
      const onEnd = () => {
        stop();
        resolve(line.length > 0 ? line : null);
      };
      const onData = (chunk: Buffer) => {
        try {
          const typed = typeInto(line, chunk.toString("utf8"));
          line = typed.line;
          if (!typed.isComplete) return;
          stop();
          resolve(typed.isEnd ? null : line);
        } catch (error) {
          stop();
          reject(error);
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

async function runProcess(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<RunResult> {
  // Loaded on first use: node:child_process pulls in the network and stream
  // modules, a few milliseconds of start-up that most commands never need.
  const { spawn } = await import("node:child_process");
  return await new Promise((resolve) => {
    const child = spawn(command, args, {
      shell: false,
      windowsHide: true,
      env: { ...process.env, ...options.env },
      stdio: options.detached ? "ignore" : ["pipe", "pipe", options.newSession ? "ignore" : "pipe"],
      // On POSIX, Node's `detached` makes the child the leader of a new
      // session and process group (setsid), what `newSession` asks for
      // (https://nodejs.org/api/child_process.html#optionsdetached).
      detached: (options.detached || options.newSession) ?? false,
    });
    let stdout = "";
    let stderr = "";
    child.on("error", (error: NodeJS.ErrnoException) => {
      resolve({ code: error.code === "ENOENT" ? 127 : 126, stdout, stderr: error.message });
    });
    if (options.detached) {
      child.on("spawn", () => {
        if (!options.earlyExitMs) {
          child.unref();
          return resolve({ code: 0, stdout: "", stderr: "" });
        }
        // An opener that fails says so at once; still running then is success.
        const timer = setTimeout(() => {
          child.unref();
          resolve({ code: 0, stdout: "", stderr: "" });
        }, options.earlyExitMs);
        child.on("exit", (code: number | null) => {
          clearTimeout(timer);
          resolve({ code: code ?? 1, stdout: "", stderr: "" });
        });
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

/**
 * `process.permission`, present only under Node's permission model
 * (`--permission`; Node 20: `--experimental-permission`;
 * https://nodejs.org/api/permissions.html, "process.permission.has").
 */
function permissionModel(): { has(scope: string, reference?: string): boolean } | undefined {
  return (process as unknown as {
    permission?: { has(scope: string, reference?: string): boolean };
  }).permission;
}

// deno-lint-ignore require-await -- the interface is async, as Deno's query is
async function permissionAllowsWrite(path: string): Promise<boolean> {
  const permission = permissionModel();
  return permission ? permission.has("fs.write", path) : true;
}

function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new DOMException("Interrupted", "AbortError"));
  };
  for (const name of interruptSignalNames(osName())) process.on(name, onSignal);
  return controller.signal;
}

/**
 * The same node, its flags (`--permission` and its grants) and the bin; under
 * the permission model only when this process may start children (scope
 * `child`, granted by `--allow-child-process`:
 * https://nodejs.org/api/process.html#processpermissionhasscope-reference).
 */
// deno-lint-ignore require-await -- the interface is async, as Deno's queries are
async function nodeSelfCommand(): Promise<SelfCommand | null> {
  const permission = permissionModel();
  if (permission && !permission.has("child")) return null;
  // Only twg's own bin (`dist/twg.js` of the package this code is bundled
  // in) can be started again as twg: a program that uses twg as a library
  // has its own script, which must never be re-run.
  const entry = nodeMainPath();
  const here = fileURLToPath(import.meta.url);
  const dist = here.lastIndexOf(`${path.sep}dist${path.sep}`);
  if (dist < 0 || path.join(here.slice(0, dist), "dist", "twg.js") !== entry) return null;
  return { command: process.execPath, args: [...process.execArgv, entry] };
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

/** Node's callback call `start`, settled as a promise. */
function settled<T>(start: (done: (error: Error | null, value: T) => void) => void): Promise<T> {
  return new Promise((resolve, reject) =>
    start((error, value) => error ? reject(error) : resolve(value))
  );
}

/** The real file system: Node's callback calls, with the synchronous calls of the atomic save. */
export const fileSystem: FileSystem = {
  readFile: (path) => settled((done) => fsSync.readFile(path, "utf8", done)),
  writeFile: (path, data, options = {}) =>
    settled((done) => fsSync.writeFile(path, data, options, done)),
  async open(path, flags, mode) {
    const fd = await settled<number>((done) => fsSync.open(path, flags, mode, done));
    return {
      writeFile: (data) => settled<void>((done) => fsSync.writeFile(fd, data, done)),
      sync: () => settled<void>((done) => fsSync.fsync(fd, done)),
      close: () => settled<void>((done) => fsSync.close(fd, done)),
    };
  },
  rename: (from, to) => settled((done) => fsSync.rename(from, to, done)),
  stat: (path) => settled((done) => fsSync.stat(path, done)),
  lstat: (path) => settled((done) => fsSync.lstat(path, done)),
  mkdir: (path, options = {}) => settled((done) => fsSync.mkdir(path, options, done)),
  chmod: (path, mode) => settled((done) => fsSync.chmod(path, mode, done)),
  readdir: (path) => settled((done) => fsSync.readdir(path, done)),
  utimes: (path, atime, mtime) => settled((done) => fsSync.utimes(path, atime, mtime, done)),
  link: (existing, created) => settled((done) => fsSync.link(existing, created, done)),
  // Deno.remove takes an empty directory without `recursive`; Node's rm
  // refuses every directory (ERR_FS_EISDIR). rmdir does what Deno does, so
  // that "remove it if it is empty" means the same on both runtimes.
  async rm(path, options = {}) {
    try {
      await settled<void>((done) => fsSync.rm(path, options, done));
    } catch (error) {
      if (options.recursive || (error as { code?: string }).code !== "ERR_FS_EISDIR") throw error;
      await settled<void>((done) => fsSync.rmdir(path, done));
    }
  },
  openSync(path, flags, mode) {
    const fd = fsSync.openSync(path, flags, mode);
    let position = 0;
    return {
      write(bytes) {
        for (let written = 0; written < bytes.length;) {
          const count = fsSync.writeSync(fd, bytes, written, bytes.length - written, position);
          written += count;
          position += count;
        }
      },
      rewind() {
        position = 0;
      },
      truncate: (length) => fsSync.ftruncateSync(fd, length),
      sync: () => fsSync.fsyncSync(fd),
      close: () => fsSync.closeSync(fd),
    };
  },
  chmodSync: fsSync.chmodSync,
  renameSync: fsSync.renameSync,
};

/** The real environment of this process. */
export function createProcessEnv(): Env {
  const stderr = makeOutput(2, () => process.stderr);
  let interrupt: AbortSignal | undefined;
  return {
    stdout: makeOutput(1, () => process.stdout),
    stderr,
    get stdinIsTerminal() {
      return Boolean(process.stdin.isTTY);
    },
    readLine: (prompt, options) => readLineFromStdin(prompt, stderr, options?.hidden ?? false),
    readStdin: async () => {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    now: () => Date.now(),
    sleep: abortableSleep,
    // The trace module is loaded only when TWG_DEBUG asks for it (start-up budget).
    fetch: /^(api|1|true)$/.test(process.env.TWG_DEBUG ?? "")
      ? async (input, init) => {
        const { tracedFetch } = await import("./http_trace.ts");
        return await tracedFetch((i, o) => globalThis.fetch(i, o), {
          write: (text) => stderr.write(text),
          now: () => Date.now(),
        })(input, init);
      }
      : (input, init) => globalThis.fetch(input, init),
    fs: fileSystem,
    run: runProcess,
    getVar: (name) => process.env[name],
    testHooks: testHooksFrom((name) => process.env[name]),
    os: osName(),
    homeDir: process.env[osName() === "windows" ? "USERPROFILE" : "HOME"] || os.homedir(),
    cwd: () => process.cwd(),
    pid: process.pid,
    get hostname() {
      return os.hostname();
    },
    isProcessAlive(pid) {
      try {
        process.kill(pid, 0);
        return Promise.resolve(true);
      } catch (error) {
        return Promise.resolve((error as NodeJS.ErrnoException).code === "EPERM");
      }
    },
    canWriteByPermission: permissionAllowsWrite,
    // Installed lazily: a listener keeps nothing alive, but there is no need
    // to install one for commands that never wait.
    get interrupt() {
      return interrupt ??= interruptSignal();
    },
    userId: process.getuid?.() ?? null,
    runtime: `node ${process.versions.node}`,
    mainPath: nodeMainPath(),
    execPath: process.execPath,
    selfCommand: nodeSelfCommand,
    shieldFromSignals() {
      for (const name of interruptSignalNames(osName())) process.on(name, () => {});
    },
    mayLoadAddons: () => Promise.resolve(addonsAllowed()),
    // The npm package's one optional dependency, outside the bundle: a
    // require() at run time, never seen by esbuild (the name is not a literal).
    loadKeyring: () => Promise.resolve(require(keyringPackage)),
    runAttached,
    serveUnixLines,
    requestUnixLine,
  };
}

const keyringPackage = ["@napi-rs", "keyring"].join("/");

/** `twg exec`'s child: inherited streams, INT/TERM/HUP passed on (see env.ts). */
async function runAttached(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<ExitStatus> {
  const { spawn } = await import("node:child_process");
  return await new Promise((resolve) => {
    const forwarded: NodeJS.Signals[] = osName() === "windows"
      ? []
      : ["SIGINT", "SIGTERM", "SIGHUP"];
    // Listening before the spawn: the command can start, and be signalled
    // about, before spawn() returns here (seen on a loaded machine), and a
    // signal nobody listens for ends twg with the command still running
    // (a listener "removes the default behaviour": nodejs.org/api/process.html,
    // "Signal events"). Node emits the event from its event loop, after this
    // synchronous block, so `child` is set by then.
    let child: import("node:child_process").ChildProcess;
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of forwarded) process.on(signal, forward);
    try {
      child = spawn(command, args, {
        shell: false,
        stdio: "inherit",
        env: { ...process.env, ...env },
      });
    } catch (error) {
      for (const signal of forwarded) process.off(signal, forward);
      throw error;
    }
    const done = (status: ExitStatus) => {
      for (const signal of forwarded) process.off(signal, forward);
      resolve(status);
    };
    child.on("error", (error: NodeJS.ErrnoException) => {
      const isMissing = error.code === "ENOENT";
      done({
        code: isMissing ? 127 : 126,
        signal: null,
        notStarted: isMissing ? "command not found" : error.message,
      });
    });
    child.on("exit", (code: number | null, signal: NodeJS.Signals | null) => {
      done({
        code: code ?? 1,
        signal: signal ? (os.constants.signals as Record<string, number>)[signal] ?? 0 : null,
      });
    });
  });
}

/** Collects one line of at most `maxBytes` from `socket`: null when longer, undefined when none came. */
function firstLine(
  socket: import("node:net").Socket,
  maxBytes: number,
  timeoutMs: number,
): Promise<string | null | undefined> {
  return new Promise((resolve) => {
    let received = Buffer.alloc(0);
    const timer = setTimeout(() => finish(undefined), timeoutMs);
    const finish = (line: string | null | undefined) => {
      clearTimeout(timer);
      socket.off("data", onData);
      resolve(line);
    };
    const onData = (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const newline = received.indexOf(10);
      if (newline >= 0) {
        finish(newline + 1 > maxBytes ? null : received.subarray(0, newline).toString("utf8"));
      } else if (received.length > maxBytes) finish(null);
    };
    socket.on("data", onData);
    socket.on("end", () => finish(undefined));
    socket.on("error", () => finish(undefined));
  });
}

async function serveUnixLines(
  path: string,
  answer: (line: string | null) => Promise<string>,
  options: LineServerOptions,
): Promise<LineServer> {
  const net = await import("node:net");
  const server = net.createServer({ allowHalfOpen: false }, async (socket) => {
    const line = await firstLine(socket, options.maxLineBytes, options.idleTimeoutMs);
    if (line === undefined) return void socket.destroy();
    socket.end((await answer(line)) + "\n");
  });
  server.maxConnections = options.maxConnections;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(path, () => resolve());
  });
  return {
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function requestUnixLine(
  path: string,
  line: string,
  options: { timeoutMs: number; maxLineBytes: number },
): Promise<string> {
  const net = await import("node:net");
  const socket = net.createConnection(path);
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    socket.write(line + "\n");
    const answer = await firstLine(socket, options.maxLineBytes, options.timeoutMs);
    if (answer === undefined || answer === null) throw new Error("No usable answer in time");
    return answer;
  } finally {
    socket.destroy();
  }
}

/**
 * Node's permission model refuses native addons unless started with
 * `--allow-addons` (nodejs.org/api/cli.html#--allow-addons, ERR_DLOPEN_DISABLED);
 * `permission.has("addon")` exists only in newer Node (nodejs/node#58951),
 * so older ones are judged by their flags.
 */
function addonsAllowed(): boolean {
  const permission = permissionModel();
  if (!permission) return true;
  // Node 20 answers false for the unknown "addon" scope even with the flag (observed, 20.20).
  const flagged = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? "").split(/\s+/)]
    .includes("--allow-addons");
  try {
    return permission.has("addon") || flagged;
  } catch {
    return flagged;
  }
}

/**
 * Ends the process with `code` once everything written to stdout and stderr
 * has left. Node writes to a pipe asynchronously once the pipe is full, and
 * `process.exit` drops what is still queued (`twg api … | less` would lose all
 * past 64 KiB).
 *
 * @example
 * ```ts ignore
 * import { createProcessEnv, exitProcess } from "./env_deno.ts";
 *
 * createProcessEnv().stdout.write("done\n");
 * await exitProcess(0);
 * ```
 */
export async function exitProcess(code: number): Promise<never> {
  // A write's callback runs once it and every earlier write are flushed.
  await Promise.all(
    [...openedStreams].map((stream) =>
      new Promise<void>((resolve) => stream.write("", () => resolve()))
    ),
  );
  process.exit(code);
}

/** The command-line arguments after the program and script. */
export function processArgs(): string[] {
  return process.argv.slice(2);
}

/**
 * The npm build's `dist/` directory when Node's permission model is on and
 * does not let twg read it, else `null`. Node reads the bin and the fast
 * bundle as it starts; the whole CLI (`cli.js`) and jq (`jq.js`) are loaded
 * when first needed, and under `--permission` a module read is a file read
 * like any other (ERR_ACCESS_DENIED from the loader, with Node's stack).
 */
export function unreadableOwnDirectory(): PermissionDenial | null {
  const permission = permissionModel();
  if (!permission) return null;
  const dir = path.dirname(fileURLToPath(import.meta.url));
  if (permission.has("fs.read", dir)) return null;
  return { runtime: "node", access: "read", target: dir, flag: `--allow-fs-read=${dir}` };
}
