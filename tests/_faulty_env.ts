/**
 * Fault injection: an {@link Env} whose file calls can be told to fail with a
 * given errno at the Nth call, to walk every file call of a code path. The
 * calls themselves go to the wrapped Env (the real file system in the fault
 * tests); handles returned by `open` and `openSync` count their own calls.
 *
 * @example
 * ```ts
 * import { createProcessEnv } from "../src/env_deno.ts";
 * import { faultyEnv } from "./_faulty_env.ts";
 *
 * const faulty = faultyEnv(createProcessEnv());
 * faulty.failAt(3, "ENOSPC"); // the third file call fails with ENOSPC
 * ```
 *
 * @module
 */
import type { Env, FileHandle, FileSystem, SyncFile } from "../src/env.ts";

/** An errno the harness injects (what Node's and Deno's errors carry as `code`). */
export type Errno = "ENOSPC" | "EIO" | "EACCES" | "EROFS" | "EMFILE";

/** The injected failure, shaped like the runtime's own (`code`, `syscall`). */
export class InjectedFault extends Error {
  readonly code: Errno;
  readonly syscall: string;
  constructor(code: Errno, call: string) {
    super(`${code}: injected fault in ${call}`);
    this.code = code;
    this.syscall = call;
  }
}

/** A wrapped Env and the controls of its fault. */
export interface FaultyEnv {
  env: Env;
  /** Makes the `n`th file call from now on (1-based) fail with `code`; `Infinity` for none. */
  failAt(n: number, code: Errno): void;
  /** Names of the file calls made since the last `failAt`, in order. */
  readonly calls: readonly string[];
  /** Whether the fault has been injected since the last `failAt`. */
  readonly fired: boolean;
}

/** Wraps `base` (a real or fake Env); its `selfCommand` is dropped so that everything runs in this process. */
export function faultyEnv(base: Env): FaultyEnv {
  let failAt = Infinity;
  let code: Errno = "EIO";
  let calls: string[] = [];
  let fired = false;
  const hit = (call: string) => {
    calls.push(call);
    if (calls.length === failAt) {
      fired = true;
      throw new InjectedFault(code, call);
    }
  };
  const wrapHandle = (handle: FileHandle, path: string): FileHandle => ({
    writeFile: async (data) => (hit(`handle.writeFile ${path}`), await handle.writeFile(data)),
    sync: async () => (hit(`handle.sync ${path}`), await handle.sync()),
    close: async () => (hit(`handle.close ${path}`), await handle.close()),
  });
  const wrapSync = (file: SyncFile, path: string): SyncFile => ({
    write: (bytes) => (hit(`file.write ${path}`), file.write(bytes)),
    rewind: () => (hit(`file.rewind ${path}`), file.rewind()),
    truncate: (length) => (hit(`file.truncate ${path}`), file.truncate(length)),
    sync: () => (hit(`file.sync ${path}`), file.sync()),
    close: () => (hit(`file.close ${path}`), file.close()),
  });
  const real = base.fs;
  const name = (path: string) => path.split("/").pop()!.replace(/\.tmp-\d+-[0-9a-z]+$/, ".tmp-*");
  const fs: FileSystem = {
    readFile: async (
      path,
      encoding,
    ) => (hit(`readFile ${name(path)}`), await real.readFile(path, encoding)),
    writeFile: async (path, data, options) => (
      hit(`writeFile ${name(path)}`), await real.writeFile(path, data, options)
    ),
    open: async (path, flags, mode) => {
      hit(`open ${name(path)}`);
      return wrapHandle(await real.open(path, flags, mode), name(path));
    },
    rename: async (from, to) => (hit(`rename ${name(from)}`), await real.rename(from, to)),
    stat: async (path) => (hit(`stat ${name(path)}`), await real.stat(path)),
    lstat: async (path) => (hit(`lstat ${name(path)}`), await real.lstat(path)),
    mkdir: async (path, options) => (hit(`mkdir ${name(path)}`), await real.mkdir(path, options)),
    chmod: async (path, mode) => (hit(`chmod ${name(path)}`), await real.chmod(path, mode)),
    rm: async (path, options) => (hit(`rm ${name(path)}`), await real.rm(path, options)),
    readdir: async (path) => (hit(`readdir ${name(path)}`), await real.readdir(path)),
    utimes: async (path, atime, mtime) => (
      hit(`utimes ${name(path)}`), await real.utimes(path, atime, mtime)
    ),
    link: async (
      existing,
      created,
    ) => (hit(`link ${name(created)}`), await real.link(existing, created)),
    openSync: (path, flags, mode) => {
      hit(`openSync ${name(path)}`);
      return wrapSync(real.openSync(path, flags, mode), name(path));
    },
    chmodSync: (path, mode) => (hit(`chmodSync ${name(path)}`), real.chmodSync(path, mode)),
    renameSync: (from, to) => (hit(`renameSync ${name(from)}`), real.renameSync(from, to)),
  };
  // A prototype, not a spread: the base's lazy getters (interrupt, hostname)
  // must not run here.
  const env = Object.create(base) as Env;
  Object.defineProperty(env, "fs", { value: fs });
  Object.defineProperty(env, "selfCommand", { value: undefined });
  return {
    env,
    failAt(n, errno) {
      failAt = n;
      code = errno;
      calls = [];
      fired = false;
    },
    get calls() {
      return calls;
    },
    get fired() {
      return fired;
    },
  };
}
