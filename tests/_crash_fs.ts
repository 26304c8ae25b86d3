/**
 * The machinery of the crash-state explorer (`tests/credentials/crash_explorer_test.ts`):
 * a file system that records, through the injected `Env`, what one
 * transaction does to one directory, and the enumeration of every state that
 * directory may be left in when the machine loses power at any point.
 *
 * The persistence model, after ALICE (Pillai et al., "All File Systems Are
 * Not Created Equal", OSDI 2014, https://www.usenix.org/conference/osdi14/technical-sessions/presentation/pillai),
 * whose abstract reports that these "persistence properties" vary widely
 * among six popular Linux file systems. We encode weak rules, assumed by no
 * one file system in particular, so that a save safe here does not depend on
 * which of them holds the config directory:
 *
 * 1. Directory operations (create, link, rename, unlink) are each atomic
 *    and persist in the order they were made, so a crash keeps some prefix
 *    of them; every one made before the last flush of the directory
 *    (`fsync` of the directory) is kept. A file's own `fsync` is not taken
 *    to make its name durable.
 * 2. File data not yet flushed may be lost (the file holds what its last
 *    `fsync` left, or nothing if it never had one), kept, or torn at a 4 KiB
 *    block boundary (the first blocks new, the rest old, with the old or the
 *    new length), independently of a later rename: a rename may reach the
 *    disk before the data of the file it renames.
 * 3. `fsync` of a file makes its data and length durable.
 * 4. A file's mode is taken as durable with its creation (twg creates
 *    `auth.conf`'s temporary file 0600 at `open`; a `chmod` only narrows it).
 *
 * Writes outside the watched directory are passed through and not recorded.
 *
 * @module
 */
import type { FileHandle, FileSystem, SyncFile } from "../src/env.ts";

/** One recorded operation on the watched directory. */
export type FsOp =
  | { kind: "create"; name: string; inode: number; mode: number }
  | { kind: "write"; inode: number; offset: number; bytes: Uint8Array }
  | { kind: "truncate"; inode: number; length: number }
  | { kind: "fsync"; inode: number }
  | { kind: "rename"; from: string; to: string }
  | { kind: "link"; existing: string; created: string }
  | { kind: "unlink"; name: string }
  | { kind: "fsyncdir" };

/** A file as it is (or may be left) on disk. */
export interface FileState {
  data: Uint8Array;
  mode: number;
}

/** A directory's files by name. */
export type DirState = Map<string, FileState>;

/** How a deliberately broken recorder misbehaves (for the tests that prove the explorer can fail). */
export interface Breakage {
  /** File flushes are dropped: the save renames data that was never flushed. */
  dropFileSync?: boolean;
  /** A file's flush is recorded only after the next rename: rename before flush. */
  renameBeforeSync?: boolean;
  /** Directory flushes after a removal are dropped (logout as it was). */
  dropDirSyncAfterUnlink?: boolean;
}

/** A recording wrapper of a {@link FileSystem} and what it recorded. */
export interface Recorder {
  fs: FileSystem;
  ops: FsOp[];
  /** The directory as it was when recording started (all of it durable). */
  initial: DirState;
  /** The inode numbers given to the initial files. */
  initialInodes: [string, number][];
  /** Starts recording the watched directory from its current content. */
  start(): Promise<void>;
  /** Stops recording (later calls pass through). */
  stop(): void;
}

const blockSize = 4096;

function baseName(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function dirOf(path: string): string {
  return path.slice(0, path.lastIndexOf("/"));
}

/**
 * Wraps `inner` so that every change it makes to the files directly in `dir`
 * is recorded as {@link FsOp}s, in order, while recording is on.
 */
export function recordingFs(inner: FileSystem, dir: string, breakage: Breakage = {}): Recorder {
  const ops: FsOp[] = [];
  const names = new Map<string, number>();
  const sizes = new Map<number, number>();
  let nextInode = 1;
  let isRecording = false;
  let lastWasUnlink = false;
  const deferredSyncs: number[] = [];
  const initial: DirState = new Map();
  const initialInodes: [string, number][] = [];
  const watched = (path: string) => isRecording && dirOf(path) === dir;
  const push = (op: FsOp) => {
    if (op.kind === "fsync" && breakage.dropFileSync) return;
    if (op.kind === "fsync" && breakage.renameBeforeSync) {
      deferredSyncs.push(op.inode);
      return;
    }
    if (op.kind === "fsyncdir" && breakage.dropDirSyncAfterUnlink && lastWasUnlink) return;
    lastWasUnlink = op.kind === "unlink";
    ops.push(op);
    if (op.kind === "rename") {
      for (const inode of deferredSyncs.splice(0)) ops.push({ kind: "fsync", inode });
    }
  };
  const create = (path: string, mode: number): number => {
    const inode = nextInode++;
    names.set(baseName(path), inode);
    sizes.set(inode, 0);
    push({ kind: "create", name: baseName(path), inode, mode });
    return inode;
  };
  const write = (inode: number, offset: number, bytes: Uint8Array) => {
    push({ kind: "write", inode, offset, bytes: bytes.slice() });
    sizes.set(inode, Math.max(sizes.get(inode) ?? 0, offset + bytes.length));
  };
  const encode = (data: string | Uint8Array) =>
    typeof data === "string" ? new TextEncoder().encode(data) : data;

  const fs: FileSystem = {
    ...inner,
    async writeFile(path, data, options) {
      const existed = names.has(baseName(path));
      await inner.writeFile(path, data, options);
      if (!watched(path)) return;
      const bytes = encode(data);
      if (options?.flag === "a" && existed) {
        const inode = names.get(baseName(path))!;
        write(inode, sizes.get(inode) ?? 0, bytes);
        return;
      }
      let inode = names.get(baseName(path));
      if (inode === undefined || options?.flag === "wx") {
        inode = create(path, options?.mode ?? 0o666);
      } else {
        push({ kind: "truncate", inode, length: 0 });
        sizes.set(inode, 0);
      }
      write(inode, 0, bytes);
    },
    async open(path, flags, mode) {
      const handle = await inner.open(path, flags, mode);
      if (!watched(path) && !(isRecording && path === dir)) return handle;
      if (path === dir) {
        return {
          ...handle,
          writeFile: (data) => handle.writeFile(data),
          async sync() {
            await handle.sync();
            push({ kind: "fsyncdir" });
          },
          close: () => handle.close(),
        } satisfies FileHandle;
      }
      const inode = flags === "wx" ? create(path, mode ?? 0o666) : names.get(baseName(path));
      let position = 0;
      return {
        async writeFile(data) {
          await handle.writeFile(data);
          if (inode === undefined) return;
          const bytes = encode(data);
          write(inode, position, bytes);
          position += bytes.length;
        },
        async sync() {
          await handle.sync();
          if (inode !== undefined) push({ kind: "fsync", inode });
        },
        close: () => handle.close(),
      };
    },
    openSync(path, flags, mode) {
      const file = inner.openSync(path, flags, mode);
      if (!watched(path)) return file;
      const inode = create(path, mode);
      let position = 0;
      return {
        write(bytes) {
          file.write(bytes);
          write(inode, position, bytes);
          position += bytes.length;
        },
        rewind() {
          file.rewind();
          position = 0;
        },
        truncate(length) {
          file.truncate(length);
          push({ kind: "truncate", inode, length });
          sizes.set(inode, length);
        },
        sync() {
          file.sync();
          push({ kind: "fsync", inode });
        },
        close: () => file.close(),
      } satisfies SyncFile;
    },
    async rename(from, to) {
      await inner.rename(from, to);
      renamed(from, to);
    },
    renameSync(from, to) {
      inner.renameSync(from, to);
      renamed(from, to);
    },
    async link(existing, created) {
      await inner.link(existing, created);
      if (!watched(created)) return;
      const inode = names.get(baseName(existing));
      if (inode !== undefined) names.set(baseName(created), inode);
      push({ kind: "link", existing: baseName(existing), created: baseName(created) });
    },
    async rm(path, options) {
      const existed = names.has(baseName(path));
      await inner.rm(path, options);
      if (!watched(path) || !existed) return;
      names.delete(baseName(path));
      push({ kind: "unlink", name: baseName(path) });
    },
  };
  function renamed(from: string, to: string) {
    if (!watched(to)) return;
    const inode = names.get(baseName(from));
    if (inode === undefined) return;
    names.delete(baseName(from));
    names.set(baseName(to), inode);
    push({ kind: "rename", from: baseName(from), to: baseName(to) });
  }
  return {
    fs,
    ops,
    initial,
    initialInodes,
    async start() {
      for (const name of await inner.readdir(dir)) {
        const path = `${dir}/${name}`;
        const info = await inner.lstat(path);
        if (!info.isFile()) continue;
        const data = await Deno.readFile(path);
        const inode = nextInode++;
        names.set(name, inode);
        sizes.set(inode, data.length);
        initial.set(name, { data, mode: info.mode & 0o777 });
      }
      initialInodes.push(...names.entries());
      isRecording = true;
    },
    stop() {
      isRecording = false;
    },
  };
}

interface Replayed {
  names: Map<string, number>;
  data: Map<number, Uint8Array>;
  modes: Map<number, number>;
}

function applyData(data: Uint8Array, op: FsOp): Uint8Array {
  if (op.kind === "write") {
    const length = Math.max(data.length, op.offset + op.bytes.length);
    const next = new Uint8Array(length);
    next.set(data);
    next.set(op.bytes, op.offset);
    return next;
  }
  if (op.kind === "truncate") {
    const next = new Uint8Array(op.length);
    next.set(data.subarray(0, op.length));
    return next;
  }
  return data;
}

function applyName(names: Map<string, number>, op: FsOp): void {
  if (op.kind === "create") names.set(op.name, op.inode);
  if (op.kind === "rename") {
    const inode = names.get(op.from);
    names.delete(op.from);
    if (inode !== undefined) names.set(op.to, inode);
  }
  if (op.kind === "link") {
    const inode = names.get(op.existing);
    if (inode !== undefined) names.set(op.created, inode);
  }
  if (op.kind === "unlink") names.delete(op.name);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, index) => byte === b[index]);
}

/** What a block-torn write may leave: the first `blocks` blocks new, the rest old. */
function dataOutcomes(durable: Uint8Array, current: Uint8Array): Uint8Array[] {
  if (sameBytes(durable, current)) return [current];
  const outcomes = [durable, current];
  const blocks = Math.ceil(Math.max(durable.length, current.length) / blockSize);
  for (let block = 1; block < blocks; block++) {
    for (const length of new Set([durable.length, current.length])) {
      const torn = new Uint8Array(length);
      torn.set(durable.subarray(0, length));
      torn.set(current.subarray(0, Math.min(block * blockSize, length)));
      outcomes.push(torn);
    }
  }
  return outcomes;
}

/** One state the directory may be left in by a crash after `prefix` operations. */
export interface CrashState {
  prefix: number;
  files: DirState;
}

/**
 * Every state the directory may be left in, under the rules of the module
 * comment, when the machine loses power after each prefix of `ops` (from
 * none of them to all of them), each distinct state once per prefix.
 */
export function* crashStates(recorder: Recorder): Generator<CrashState> {
  const { ops, initial } = recorder;
  const start = recorder.initialInodes;
  for (let prefix = 0; prefix <= ops.length; prefix++) {
    const done = ops.slice(0, prefix);
    const volatile: Replayed = { names: new Map(start), data: new Map(), modes: new Map() };
    for (const [name, inode] of start) {
      volatile.data.set(inode, initial.get(name)!.data);
      volatile.modes.set(inode, initial.get(name)!.mode);
    }
    const durableData = new Map(volatile.data);
    let lastDirSync = -1;
    done.forEach((op, index) => {
      if (op.kind === "fsyncdir") lastDirSync = index;
    });
    const durableNames = new Map(start);
    const pendingNameOps: FsOp[] = [];
    done.forEach((op, index) => {
      if (op.kind === "create") {
        volatile.data.set(op.inode, new Uint8Array());
        volatile.modes.set(op.inode, op.mode);
        durableData.set(op.inode, new Uint8Array());
      }
      if (op.kind === "write" || op.kind === "truncate") {
        volatile.data.set(op.inode, applyData(volatile.data.get(op.inode)!, op));
      }
      if (op.kind === "fsync") durableData.set(op.inode, volatile.data.get(op.inode)!);
      if (["create", "rename", "link", "unlink"].includes(op.kind)) {
        applyName(volatile.names, op);
        if (index < lastDirSync) applyName(durableNames, op);
        else pendingNameOps.push(op);
      }
    });
    const seen = new Set<string>();
    for (let kept = 0; kept <= pendingNameOps.length; kept++) {
      const names = new Map(durableNames);
      for (const op of pendingNameOps.slice(0, kept)) applyName(names, op);
      const inodes = [...new Set(names.values())];
      const choices = inodes.map((inode) =>
        dataOutcomes(durableData.get(inode)!, volatile.data.get(inode)!)
      );
      for (const pick of product(choices)) {
        const byInode = new Map(inodes.map((inode, index) => [inode, pick[index]!]));
        const files: DirState = new Map();
        for (const [name, inode] of [...names.entries()].sort()) {
          files.set(name, { data: byInode.get(inode)!, mode: volatile.modes.get(inode)! });
        }
        const key = [...files].map(([name, file]) =>
          `${name}:${file.mode}:${new TextDecoder().decode(file.data)}`
        ).join("\n");
        if (seen.has(key)) continue;
        seen.add(key);
        yield { prefix, files };
      }
    }
  }
}

function* product<T>(choices: T[][]): Generator<T[]> {
  if (choices.length === 0) {
    yield [];
    return;
  }
  const [first, ...rest] = choices;
  for (const tail of [...product(rest)]) {
    for (const choice of first!) yield [choice, ...tail];
  }
}
