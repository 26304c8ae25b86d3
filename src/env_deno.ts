/**
 * The Deno implementation of {@link Env} (the interface is `env.ts`; the
 * Node twin, `env_node.ts`, takes this module's place in the npm build).
 *
 * This module uses Deno's own APIs rather than `node:` modules: importing any
 * `node:` module starts Deno's Node compatibility layer, which cost more than
 * the rest of a fresh `twg auth token` (bench/).
 *
 * @module
 */
import type {
  Env,
  ExitStatus,
  FileStats,
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
import { permissionFlag } from "./permission_list.ts";

/**
 * The Deno permission an error says was not granted, or `null`. Deno 2
 * throws `Deno.errors.NotCapable` for a permission flag that does not cover
 * the call, with the message `Requires <name> access to "<target>", run again
 * with the --allow-<name> flag` (denoland/deno `runtime/permissions`);
 * `PermissionDenied` is what Deno 1 threw for it, and now the OS's EACCES.
 */
export function permissionDenialOf(error: unknown): PermissionDenial | null {
  if (!(error instanceof Deno.errors.NotCapable)) return null;
  const match = /Requires (\w+) access(?: to "([^"]*)")?/.exec(error.message);
  if (!match) return null;
  const access = match[1]!;
  const target = match[2] ?? null;
  return {
    runtime: "deno",
    access,
    target,
    flag: `--allow-${access}${target ? `=${target}` : ""}`,
  };
}

/**
 * twg's own directory (the one holding `src/` and `platform/`) when Deno's
 * permissions do not let twg read it, else `null`. deno.json's
 * `lazy-dynamic-imports` has Deno read a module when it is first imported,
 * and a local module read then needs read access, which a module Deno read
 * ahead of time did not (denoland/deno#28593, #18713): a twg started with
 * `--allow-read` limited to its config directory could not load its next
 * module, nor the module that reports the error. Modules from a registry
 * (`jsr:`) are not files and need nothing.
 */
export function unreadableOwnDirectory(): PermissionDenial | null {
  const dir = ownDirectory();
  if (dir === null) return null;
  if (Deno.permissions.querySync({ name: "read", path: dir }).state === "granted") return null;
  return { runtime: "deno", access: "read", target: dir, flag: `--allow-read=${dir}` };
}

/**
 * The directory holding `src/` and `platform/`, or `null` when twg's modules
 * are not files: `import.meta.dirname` is set for local modules only
 * (https://docs.deno.com/api/web/~/ImportMeta.dirname), a path in the
 * platform's own form. Not `new URL(…)`: the first URL a Deno process parses
 * costs 0.3 ms, most of this check, and a fresh `auth token` parses none.
 */
function ownDirectory(): string | null {
  const sourceDir = import.meta.dirname;
  if (sourceDir === undefined) return null;
  return sourceDir.slice(0, Math.max(sourceDir.lastIndexOf("/"), sourceDir.lastIndexOf("\\")));
}

const encoder = new TextEncoder();

function osName(): OsName {
  const os = Deno.build.os;
  return os === "windows" ? "windows" : os === "darwin" ? "darwin" : "linux";
}

function output(file: typeof Deno.stdout | typeof Deno.stderr): Output {
  let isClosed = false;
  return {
    // Synchronous, so that everything is out before the process exits.
    write(text: string) {
      if (isClosed) return;
      const bytes = encoder.encode(text);
      try {
        for (let written = 0; written < bytes.length;) {
          written += file.writeSync(bytes.subarray(written));
        }
      } catch (error) {
        // The reader is gone (`twg api … | head`): the rest has nowhere to go.
        if (!(error instanceof Deno.errors.BrokenPipe)) throw error;
        isClosed = true;
      }
    },
    get isTerminal() {
      return file.isTerminal();
    },
    columns() {
      if (!file.isTerminal()) return null;
      try {
        // A pseudo-terminal nobody sized (script without a terminal) reports 0.
        return Deno.consoleSize().columns || null;
      } catch {
        return null;
      }
    },
  };
}

async function readLine(prompt: string, stderr: Output, hidden: boolean): Promise<string | null> {
  const raw = hidden && Deno.stdin.isTerminal();
  // Echo goes off before the prompt appears: anything typed after it is hidden.
  if (raw) Deno.stdin.setRaw(true);
  stderr.write(prompt);
  try {
    const decoder = new TextDecoder();
    const buffer = new Uint8Array(1024);
    let line = "";
    for (;;) {
      const count = await Deno.stdin.read(buffer);
      if (count === null) return line.length > 0 ? line : null;
      const typed = typeInto(line, decoder.decode(buffer.subarray(0, count), { stream: true }));
      if (typed.isComplete) return typed.isEnd ? null : typed.line;
      line = typed.line;
    }
  } finally {
    if (raw) {
      Deno.stdin.setRaw(false);
      stderr.write("\n");
    }
  }
}

async function run(command: string, args: string[], options: RunOptions = {}): Promise<RunResult> {
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(command, {
      args,
      ...(options.env ? { env: options.env } : {}),
      stdin: options.detached ? "null" : "piped",
      stdout: options.detached ? "null" : "piped",
      stderr: options.detached || options.newSession ? "null" : "piped",
      // Deno's `detached` calls setsid() in the child (checked: a child's
      // PGID and SID equal its PID), the new session that `newSession` asks for.
      ...(options.newSession ? { detached: true } : {}),
    }).spawn();
  } catch (error) {
    const code = error instanceof Deno.errors.NotFound ? 127 : 126;
    // Callers show a failed program's stderr: for a denied --allow-run, say the flag.
    const denial = permissionDenialOf(error);
    const said = denial
      ? `Deno's permissions do not allow twg to run "${command}"; add ${denial.flag} to the flags that start twg`
      : (error as Error).message;
    return { code, stdout: "", stderr: said };
  }
  if (options.detached) {
    if (options.earlyExitMs) {
      let timer: ReturnType<typeof setTimeout> | undefined;
      const early = await Promise.race([
        child.status,
        new Promise<null>((resolve) =>
          timer = setTimeout(() => resolve(null), options.earlyExitMs)
        ),
      ]);
      clearTimeout(timer);
      if (early) return { code: early.code, stdout: "", stderr: "" };
    }
    child.unref();
    return { code: 0, stdout: "", stderr: "" };
  }
  const writer = child.stdin.getWriter();
  // A child may exit without reading its input; its exit code tells.
  await writer.write(encoder.encode(options.input ?? "")).catch(() => {});
  await writer.close().catch(() => {});
  if (options.newSession) {
    const [status, stdout] = await Promise.all([child.status, new Response(child.stdout).text()]);
    return { code: status.code, stdout, stderr: "" };
  }
  const result = await child.output();
  const decoder = new TextDecoder();
  return {
    code: result.code,
    stdout: decoder.decode(result.stdout),
    stderr: decoder.decode(result.stderr),
  };
}

function stats(info: Deno.FileInfo): FileStats {
  return {
    isFile: () => info.isFile,
    isDirectory: () => info.isDirectory,
    isSymbolicLink: () => info.isSymlink,
    isSocket: () => info.isSocket ?? false,
    mode: info.mode ?? 0,
    mtimeMs: info.mtime?.getTime() ?? 0,
    size: info.size,
    uid: info.uid,
  };
}

async function writeAll(file: Deno.FsFile, bytes: Uint8Array): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await file.write(bytes.subarray(written));
  }
}

/** The real file system through Deno's APIs, in the shape of {@link FileSystem}. */
export const fileSystem: FileSystem = {
  readFile: (path) => Deno.readTextFile(path),
  async writeFile(path, data, options = {}) {
    const bytes = typeof data === "string" ? encoder.encode(data) : data;
    await Deno.writeFile(path, bytes, {
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      append: options.flag === "a",
      createNew: options.flag === "wx",
    });
  },
  async open(path, flags, mode) {
    const file = await Deno.open(
      path,
      flags === "r"
        ? { read: true }
        : { write: true, createNew: true, ...(mode === undefined ? {} : { mode }) },
    );
    return {
      writeFile: (data) => writeAll(file, encoder.encode(data)),
      sync: () => file.sync(),
      close: () => Promise.resolve(file.close()),
    };
  },
  rename: (from, to) => Deno.rename(from, to),
  stat: async (path) => stats(await Deno.stat(path)),
  lstat: async (path) => stats(await Deno.lstat(path)),
  async mkdir(path, options = {}) {
    const existed = await Deno.stat(path).then(() => true, () => false);
    await Deno.mkdir(path, options);
    return existed ? undefined : path;
  },
  chmod: (path, mode) => Deno.chmod(path, mode),
  async rm(path, options = {}) {
    try {
      await Deno.remove(path, { recursive: options.recursive ?? false });
    } catch (error) {
      if (!(options.force && error instanceof Deno.errors.NotFound)) throw error;
    }
  },
  async readdir(path) {
    const names: string[] = [];
    for await (const entry of Deno.readDir(path)) names.push(entry.name);
    return names;
  },
  utimes: (path, atime, mtime) => Deno.utime(path, atime, mtime),
  link: (existing, created) => Deno.link(existing, created),
  openSync(path, _flags, mode) {
    const file = Deno.openSync(path, { write: true, createNew: true, mode });
    return {
      write(bytes) {
        for (let written = 0; written < bytes.length;) {
          written += file.writeSync(bytes.subarray(written));
        }
      },
      rewind: () => void file.seekSync(0, Deno.SeekMode.Start),
      truncate: (length) => file.truncateSync(length),
      sync: () => file.syncSync(),
      close: () => file.close(),
    };
  },
  chmodSync: (path, mode) => Deno.chmodSync(path, mode),
  renameSync: (from, to) => Deno.renameSync(from, to),
};

function interruptSignal(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => {
    // A second Ctrl-C ends the process at once.
    if (controller.signal.aborted) Deno.exit(130);
    controller.abort(new DOMException("Interrupted", "AbortError"));
  };
  for (const name of interruptSignalNames(osName())) Deno.addSignalListener(name, onSignal);
  return controller.signal;
}

function getVar(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    // Without --allow-env for it, a variable is simply not set for twg.
    return undefined;
  }
}

/** The file path of a `file:` URL (a compiled binary's main module is one too). */
function pathOfFileUrl(url: string): string {
  if (!url.startsWith("file:")) return url;
  const path = decodeURIComponent(new URL(url).pathname);
  return osName() === "windows" ? path.replace(/^\/([a-zA-Z]:)/, "$1").replaceAll("/", "\\") : path;
}

function processUserId(os: OsName): number | null {
  if (os === "windows") return null;
  try {
    // Never a prompt. (/proc/self is no way round: Deno wants --allow-all for it.)
    if (Deno.permissions.querySync({ name: "sys", kind: "uid" }).state === "granted") {
      return Deno.uid();
    }
  } catch {
    // Unknown: the ownership check falls back to the home directory's owner.
  }
  return null;
}

/**
 * The real environment of this process: its standard streams, clock,
 * `fetch`, files, child processes and variables. Everything twg does goes
 * through the one {@link Env} it returns; tests pass a fake one instead.
 *
 * @example
 * ```ts
 * import { createProcessEnv } from "@twg/cli";
 *
 * const env = createProcessEnv();
 * env.stderr.write(`twg runs on ${env.os} (${env.runtime})\n`);
 * ```
 */
export function createProcessEnv(): Env {
  const stderr = output(Deno.stderr);
  const os = osName();
  let interrupt: AbortSignal | undefined;
  return {
    stdout: output(Deno.stdout),
    stderr,
    stdinIsTerminal: Deno.stdin.isTerminal(),
    readLine: (prompt, options) => readLine(prompt, stderr, options?.hidden ?? false),
    readStdin: () => new Response(Deno.stdin.readable).text(),
    now: () => Date.now(),
    sleep: abortableSleep,
    // The trace module is loaded only when TWG_DEBUG asks for it (start-up budget).
    fetch: /^(api|1|true)$/.test(getVar("TWG_DEBUG") ?? "")
      ? async (input, init) => {
        const { tracedFetch } = await import("./http_trace.ts");
        return await tracedFetch((i, o) => globalThis.fetch(i, o), {
          write: (text) => stderr.write(text),
          now: () => Date.now(),
        })(input, init);
      }
      : (input, init) => globalThis.fetch(input, init),
    fs: fileSystem,
    run,
    getVar,
    testHooks: testHooksFrom(getVar),
    os,
    homeDir: getVar(os === "windows" ? "USERPROFILE" : "HOME") ?? "",
    cwd: () => Deno.cwd(),
    pid: Deno.pid,
    // Lazy: it needs --allow-sys=hostname, and only the lock asks for it.
    get hostname() {
      return Deno.hostname();
    },
    async isProcessAlive(pid) {
      // Linux lists live processes (zombies included) in /proc. Only "no such
      // entry" means gone: Deno 2 refuses /proc/<pid> without --allow-all
      // (NotCapable), and a live lock holder must never look dead. Elsewhere,
      // and when /proc is refused, the signal-0 probe of the Node
      // compatibility layer (needs --allow-run), loaded only here: a lock or
      // temporary file was left behind.
      if (os === "linux") {
        const seen = await Deno.stat(`/proc/${pid}`).then(
          () => true,
          (error) => error instanceof Deno.errors.NotFound ? false : null,
        );
        if (seen !== null) return seen;
      }
      const { default: process } = await import("node:process");
      try {
        process.kill(pid, 0);
        return true;
      } catch (error) {
        // ESRCH: no such process; anything else (EPERM, no permission to ask): assume alive.
        return (error as { code?: string }).code !== "ESRCH";
      }
    },
    async canWriteByPermission(path) {
      // query() never prompts; "prompt" means the write would have to ask,
      // which a sandboxed or non-interactive run can never answer: a no.
      return (await Deno.permissions.query({ name: "write", path })).state === "granted";
    },
    // Installed lazily: commands that never wait need no signal handlers.
    get interrupt() {
      return interrupt ??= interruptSignal();
    },
    // Lazy, and never a prompt: Deno.uid() needs --allow-sys=uid.
    get userId() {
      return processUserId(os);
    },
    runtime: `deno ${Deno.version.deno}`,
    // Lazy: parsing the URL costs a fresh `auth token`, which never asks.
    get mainPath() {
      return pathOfFileUrl(Deno.mainModule);
    },
    // Lazy: Deno.execPath() needs read permission, and only upkeep asks.
    get execPath() {
      return Deno.execPath();
    },
    selfCommand: denoSelfCommand,
    shieldFromSignals() {
      for (const name of interruptSignalNames(osName())) Deno.addSignalListener(name, () => {});
    },
    mayLoadAddons: async () => (await Deno.permissions.query({ name: "ffi" })).state === "granted",
    // Not a literal import: Deno would resolve the package when twg starts.
    // Keep the version in step with deno.json's import map.
    loadKeyring: () => import(keyringSpecifier),
    runAttached,
    serveUnixLines,
    requestUnixLine,
  };
}

const keyringSpecifier = "npm:@napi-rs/keyring@2.1.2";

/** POSIX signal numbers (Linux and macOS agree on these), for 128+N exit codes. */
const signalNumbers: Record<string, number> = {
  SIGHUP: 1,
  SIGINT: 2,
  SIGQUIT: 3,
  SIGILL: 4,
  SIGTRAP: 5,
  SIGABRT: 6,
  SIGFPE: 8,
  SIGKILL: 9,
  SIGSEGV: 11,
  SIGPIPE: 13,
  SIGALRM: 14,
  SIGTERM: 15,
};

/** The signals `twg exec` passes on to its child. */
const forwardedSignals: Deno.Signal[] = ["SIGINT", "SIGTERM", "SIGHUP"];

async function runAttached(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<ExitStatus> {
  // Listening before the spawn: the command can start, and be signalled
  // about, before spawn() returns here (seen on a loaded machine), and a
  // signal nobody listens for ends twg with the command still running. Deno
  // calls listeners from an async op (op_signal_poll, deno_runtime's
  // js/40_signals.js), after this synchronous block, so `child` is set by then.
  let child: Deno.ChildProcess | undefined;
  const listeners = osName() === "windows" ? [] : forwardedSignals.map((signal) => {
    const forward = () => {
      try {
        child?.kill(signal);
      } catch {
        // Already gone.
      }
    };
    Deno.addSignalListener(signal, forward);
    return [signal, forward] as const;
  });
  try {
    try {
      child = new Deno.Command(command, {
        args,
        env,
        stdin: "inherit",
        stdout: "inherit",
        stderr: "inherit",
      }).spawn();
    } catch (error) {
      // The shells' codes: 127 not found, 126 found but not runnable.
      const isMissing = error instanceof Deno.errors.NotFound;
      return {
        code: isMissing ? 127 : 126,
        signal: null,
        notStarted: isMissing ? "command not found" : (error as Error).message,
      };
    }
    const status = await child.status;
    const signal = status.signal ? signalNumbers[status.signal] ?? 0 : null;
    return { code: status.code, signal };
  } finally {
    for (const [signal, forward] of listeners) Deno.removeSignalListener(signal, forward);
  }
}

/** Reads the first line of `conn`, at most `maxBytes` bytes: null when longer. */
async function readLineFrom(
  conn: Deno.Conn,
  maxBytes: number,
  signal: AbortSignal,
): Promise<string | null | undefined> {
  const buffer = new Uint8Array(maxBytes + 1);
  let length = 0;
  const onAbort = () => conn.close();
  signal.addEventListener("abort", onAbort, { once: true });
  try {
    while (length <= maxBytes) {
      const count = await conn.read(buffer.subarray(length));
      if (count === null) return undefined;
      const newline = buffer.subarray(length, length + count).indexOf(10);
      length += count;
      if (newline >= 0) {
        const end = length - count + newline;
        return end + 1 > maxBytes ? null : new TextDecoder().decode(buffer.subarray(0, end));
      }
    }
    // Too long. Read (and drop) a bounded rest of it first: a Unix socket
    // closed with unread data resets the peer, which would then lose the
    // answer that says why.
    for (let dropped = 0; dropped < 64 * 1024;) {
      const count = await conn.read(buffer);
      if (count === null || buffer.subarray(0, count).includes(10)) break;
      dropped += count;
    }
    return null;
  } catch {
    return undefined;
  } finally {
    signal.removeEventListener("abort", onAbort);
  }
}

// deno-lint-ignore require-await -- async so that a failed listen is a rejection
async function serveUnixLines(
  path: string,
  answer: (line: string | null) => Promise<string>,
  options: LineServerOptions,
): Promise<LineServer> {
  const listener = Deno.listen({ transport: "unix", path });
  let open = 0;
  const serveOne = async (conn: Deno.Conn) => {
    open++;
    try {
      const line = await readLineFrom(
        conn,
        options.maxLineBytes,
        AbortSignal.timeout(options.idleTimeoutMs),
      );
      if (line === undefined) return;
      const bytes = encoder.encode((await answer(line)) + "\n");
      for (let written = 0; written < bytes.length;) {
        written += await conn.write(bytes.subarray(written));
      }
    } catch {
      // A client that went away: nothing to answer.
    } finally {
      open--;
      try {
        conn.close();
      } catch {
        // Closed by the timeout already.
      }
    }
  };
  const loop = (async () => {
    try {
      for await (const conn of listener) {
        if (open >= options.maxConnections) {
          conn.close();
          continue;
        }
        serveOne(conn);
      }
    } catch {
      // The listener was closed.
    }
  })();
  return {
    async close() {
      try {
        listener.close();
      } catch {
        // Already closed.
      }
      await loop;
    },
  };
}

async function requestUnixLine(
  path: string,
  line: string,
  options: { timeoutMs: number; maxLineBytes: number },
): Promise<string> {
  const conn = await Deno.connect({ transport: "unix", path });
  try {
    const bytes = encoder.encode(line + "\n");
    for (let written = 0; written < bytes.length;) {
      written += await conn.write(bytes.subarray(written));
    }
    const signal = AbortSignal.timeout(options.timeoutMs);
    const answer = await readLineFrom(conn, options.maxLineBytes, signal);
    if (answer === undefined || answer === null) {
      throw new Error(signal.aborted ? "No answer in time" : "No usable answer");
    }
    return answer;
  } finally {
    try {
      conn.close();
    } catch {
      // Closed by the timeout already.
    }
  }
}

/**
 * The compiled binary carries its permissions; under `deno run` (a checkout
 * or the `deno install` shim) the child gets only what it needs, each flag
 * only if this process holds that permission: the config directory to read
 * and write, the token endpoint's host, the environment, the hostname.
 */
async function denoSelfCommand(
  paths: { dir: string; tokenHost: string },
): Promise<SelfCommand | null> {
  // Only twg's own entry can be started again as twg: a program that uses
  // twg as a library has its own main module, which must never be re-run.
  if (Deno.mainModule !== new URL("./main.ts", import.meta.url).href) return null;
  let execPath: string;
  try {
    execPath = Deno.execPath();
  } catch {
    return null;
  }
  const has = async (descriptor: Deno.PermissionDescriptor) =>
    (await Deno.permissions.query(descriptor)).state === "granted";
  if (!(await has({ name: "run", command: execPath }))) return null;
  const runtime = execPath.split(/[\\/]/).pop()!.replace(/\.exe$/i, "").toLowerCase();
  if (runtime !== "deno") return { command: execPath, args: [] };
  // A comma in the directory cannot go in a permission list without granting
  // more than it (src/permission_list.ts): the refresh then runs in-process.
  const writeFlag = permissionFlag("allow-write", [paths.dir]);
  if (writeFlag === null) return null;
  const flags = ["run", "--quiet", "--no-prompt"];
  if (await has({ name: "read" })) flags.push("--allow-read");
  else {
    // The directory, /proc where the lock tells live holders from dead ones,
    // and twg's own modules, which Deno reads as they are first imported.
    const readable = [];
    for (const path of [paths.dir, "/proc", ownDirectory()].filter((path) => path !== null)) {
      if (await has({ name: "read", path })) readable.push(path);
    }
    const flag = permissionFlag("allow-read", readable);
    if (flag) flags.push(flag);
  }
  if (await has({ name: "write", path: paths.dir })) flags.push(writeFlag);
  if (await has({ name: "net", host: paths.tokenHost })) {
    flags.push(`--allow-net=${paths.tokenHost}`);
  }
  if (await has({ name: "env" })) flags.push("--allow-env");
  // Only for the liveness probe of a lock's holder (`isProcessAlive`).
  if (await has({ name: "run" })) flags.push("--allow-run");
  if (await has({ name: "sys", kind: "hostname" })) flags.push("--allow-sys=hostname");
  // The keyring backend reads its key in the child too.
  if (await has({ name: "ffi" })) flags.push("--allow-ffi");
  return { command: execPath, args: [...flags, Deno.mainModule] };
}

/** The command-line arguments after the program. */
export function processArgs(): string[] {
  return [...Deno.args];
}

/** Ends the process with `code` (Deno's writes above are synchronous: nothing is left queued). */
export function exitProcess(code: number): never {
  Deno.exit(code);
}
