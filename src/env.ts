/**
 * The one place twg touches the outside world, as an interface: every command
 * receives an {@link Env}; unit tests build a fake one (`tests/_fake_env.ts`).
 * The implementations are `env_deno.ts` and its Node twin `env_node.ts`
 * (which the npm build puts in its place); only they read `Deno.*` or
 * `process.*`. This module holds types only, so importing it costs nothing.
 *
 * @module
 */

/** A stream a command writes to. */
export interface Output {
  write(text: string): void;
  readonly isTerminal: boolean;
  /** The terminal's width in columns, or null when it is not a terminal (absent in fakes). */
  columns?(): number | null;
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
  /**
   * With `detached`: wait this long for an early exit and report its code
   * (an opener that fails says so at once); still running then is success.
   */
  earlyExitMs?: number;
  /**
   * Start it in a session and process group of its own (setsid), stdin from
   * `input`, stdout piped, stderr discarded, and wait for it: a kill of the
   * caller's process group or a hang-up of its terminal does not reach it
   * (the refresh child, `src/auth/refresh_parent_side.ts`).
   */
  newSession?: boolean;
}

/** How to start this same twg again: runtime, permission flags and entry (see {@link Env.selfCommand}). */
export interface SelfCommand {
  command: string;
  args: string[];
}

/** File metadata, as `stat` and `lstat` report it. */
export interface FileStats {
  isFile(): boolean;
  isDirectory(): boolean;
  isSymbolicLink(): boolean;
  isSocket(): boolean;
  /** Permission bits and file type, as `st_mode` (0 where the OS has none). */
  mode: number;
  mtimeMs: number;
  size: number;
  /** The owner's user id (`null` or 0 where the OS has none: Windows). */
  uid: number | null;
}

/** A file opened with `open`. */
export interface FileHandle {
  writeFile(data: string): Promise<void>;
  /** Flushes the file (or a directory's entries) to disk. */
  sync(): Promise<void>;
  close(): Promise<void>;
}

/** A file opened with `openSync`, for the few steps between a token response and its rename. */
export interface SyncFile {
  /** Writes all of `bytes`. */
  write(bytes: Uint8Array): void;
  /** Moves the write position back to the start (the reserved save overwrites in place). */
  rewind(): void;
  /** Cuts the file to `length` bytes. */
  truncate(length: number): void;
  sync(): void;
  close(): void;
}

/**
 * The file-system calls twg uses, shaped like `node:fs/promises` so that the
 * Node twin is that module itself; errors carry Node's `code` (`ENOENT`,
 * `EEXIST`, `EROFS`, …) on both runtimes.
 */
export interface FileSystem {
  readFile(path: string, encoding: "utf8"): Promise<string>;
  writeFile(
    path: string,
    data: string | Uint8Array,
    options?: { mode?: number; flag?: "w" | "wx" | "a" },
  ): Promise<void>;
  /** `"wx"` creates a new file for writing; `"r"` opens for reading (directories too). */
  open(path: string, flags: "wx" | "r", mode?: number): Promise<FileHandle>;
  rename(from: string, to: string): Promise<void>;
  stat(path: string): Promise<FileStats>;
  lstat(path: string): Promise<FileStats>;
  /** Resolves to the path when the directory was created, `undefined` when it existed. */
  mkdir(
    path: string,
    options?: { recursive?: boolean; mode?: number },
  ): Promise<string | undefined>;
  chmod(path: string, mode: number): Promise<void>;
  rm(path: string, options?: { force?: boolean; recursive?: boolean }): Promise<void>;
  readdir(path: string): Promise<string[]>;
  utimes(path: string, atime: Date, mtime: Date): Promise<void>;
  link(existing: string, created: string): Promise<void>;
  openSync(path: string, flags: "wx", mode: number): SyncFile;
  chmodSync(path: string, mode: number): void;
  renameSync(from: string, to: string): void;
}

/** Operating systems twg knows how to integrate with. */
export type OsName = "linux" | "darwin" | "windows";

/** What `@napi-rs/keyring`'s `AsyncEntry` offers twg (its `index.d.ts`). */
export interface KeyringEntry {
  getPassword(): Promise<string | null>;
  setPassword(password: string): Promise<void>;
  deletePassword(): Promise<boolean>;
}

/**
 * The part of the `@napi-rs/keyring` module twg uses (`Env.loadKeyring`;
 * `src/credentials/keyring.ts` uses it); tests inject a fake.
 */
export interface KeyringModule {
  AsyncEntry: new (
    service: string,
    account: string,
    options?: { linux?: { store?: "secret-service" | "keyutils" } },
  ) => KeyringEntry;
}

/** How an attached child ended (see {@link Env.runAttached}). */
export interface ExitStatus {
  code: number;
  /** The signal number that ended it, or null when it exited. */
  signal: number | null;
  /** Why it could not be started (then `code` is 127, not found, or 126). */
  notStarted?: string;
}

/** A running line server (see {@link Env.serveUnixLines}). */
export interface LineServer {
  /** Stops accepting; resolves once the socket is closed. */
  close(): Promise<void>;
}

/** Options for {@link Env.serveUnixLines}. */
export interface LineServerOptions {
  /** A request line longer than this (newline included) is answered with `answer(null)`. */
  maxLineBytes: number;
  /** A connection that sends no complete line within this time is closed. */
  idleTimeoutMs: number;
  /** Connections served at once; more are closed unanswered. */
  maxConnections: number;
}

/** Everything a command may touch. */
export interface Env {
  stdout: Output;
  stderr: Output;
  /** Whether stdin is an interactive terminal (prompts are only shown then). */
  stdinIsTerminal: boolean;
  /** Reads one line from stdin; `hidden` turns echo off (secrets). */
  readLine(prompt: string, options?: { hidden?: boolean }): Promise<string | null>;
  /** Reads stdin to its end (`twg api --input -`, `-d @-`, `-F key=@-`). */
  readStdin(): Promise<string>;
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
  isProcessAlive(pid: number): Promise<boolean>;
  /**
   * Whether the runtime's permission model allows writing `path`, without ever
   * showing a permission prompt (Deno `--allow-write`, Node `--permission`).
   */
  canWriteByPermission(path: string): Promise<boolean>;
  /** Aborts on SIGINT / SIGTERM (Ctrl-C); commands pass it to waits and requests. */
  interrupt: AbortSignal;
  /** Name and version of the runtime, for `doctor` and `--version`. */
  runtime: string;
  /** This process's user id, to check who owns what twg trusts; `null` on Windows or when unknown. */
  userId: number | null;
  /** Absolute path of the running script or binary (for the upkeep launcher). */
  mainPath: string;
  /** How the runtime itself is started (`deno`, `node`, or the compiled binary). */
  execPath: string;
  /**
   * The argv that starts this twg again with the permissions the refresh child
   * needs (never more than this process has), or null when this process may
   * not start it (no run permission): the refresh then runs in-process.
   * Absent in fakes.
   */
  selfCommand?(paths: { dir: string; tokenHost: string }): Promise<SelfCommand | null>;
  /**
   * Catches INT, TERM, HUP and QUIT and ignores them, for the refresh child,
   * which must finish its save whoever signals it (PIPE is ignored by both
   * runtimes already).
   */
  shieldFromSignals?(): void;
  /**
   * Whether the runtime lets twg load a native addon, asked without a prompt
   * (Deno `--allow-ffi`, Node `--allow-addons`); for the keyring backend.
   */
  mayLoadAddons?(): Promise<boolean>;
  /** Loads `@napi-rs/keyring` (`src/credentials/keyring.ts`); only the keyring backend calls it. */
  loadKeyring?(): Promise<KeyringModule>;
  /**
   * Runs a program with this process's standard streams (`twg exec`), its
   * environment extended by `env`; INT, TERM and HUP sent to twg meanwhile
   * are passed on to it. Resolves when it ends. Absent in fakes.
   */
  runAttached?(command: string, args: string[], env: Record<string, string>): Promise<ExitStatus>;
  /**
   * Listens on a Unix socket at `path` (which must not exist) and answers
   * each connection's first line with `answer(line)` (`answer(null)` when the
   * line is too long), then closes it (`twg auth serve`).
   */
  serveUnixLines?(
    path: string,
    answer: (line: string | null) => Promise<string>,
    options: LineServerOptions,
  ): Promise<LineServer>;
  /** Sends one line to the Unix socket at `path` and reads one line back, within `timeoutMs`. */
  requestUnixLine?(
    path: string,
    line: string,
    options: { timeoutMs: number; maxLineBytes: number },
  ): Promise<string>;
  /**
   * Fault-injection points for the tests that stop a real twg process at a
   * chosen step. The process Envs fill them from the test variables
   * (`testHooksFrom` in `env_shared.ts`); product code reads only this.
   */
  testHooks?: TestHooks;
}

/** See {@link Env.testHooks}. */
export interface TestHooks {
  /** Run the refresh exchange in this process, never in a detached child. */
  refreshInProcess?: boolean;
  /** Hold the refresh lock this long before the re-read (a test stops the process there). */
  pauseAfterLockMs?: number;
}
