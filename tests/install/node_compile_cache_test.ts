/**
 * The npm bin's choice of compile cache directory, on a real file system
 * (Deno's calls standing in for the Node ones the bin passes). The attack
 * itself, a cache file planted where Node would look, runs on real Node in
 * `tests/npm/npm_build_test.ts`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { compileCacheDir, type CompileCacheHost } from "../../src/install/node_compile_cache.ts";

const ignore = Deno.build.os === "windows";

/** A host whose data directory is `<temp>/data/twg`, with what it is given on top. */
async function realHost(overrides: Partial<CompileCacheHost> = {}) {
  const temp = await Deno.makeTempDir({ prefix: "twg-compile-cache-" });
  const vars: Record<string, string> = { XDG_DATA_HOME: join(temp, "data") };
  const host: CompileCacheHost = {
    os: "linux",
    homeDir: temp,
    getVar: (name) => vars[name],
    userId: Deno.uid() ?? undefined,
    makeDirectory: (path, mode) => Deno.mkdirSync(path, { recursive: true, mode }),
    inspect: (path) => {
      const info = Deno.lstatSync(path);
      return { isDirectory: info.isDirectory, uid: info.uid!, mode: info.mode! };
    },
    ...overrides,
  };
  return {
    host,
    vars,
    dataDir: join(temp, "data", "twg"),
    cacheDir: join(temp, "data", "twg", "node-compile-cache"),
    [Symbol.asyncDispose]: () => Deno.remove(temp, { recursive: true }),
  };
}

Deno.test({
  name: "the cache goes in the data directory, made for the user alone",
  ignore,
  async fn() {
    await using t = await realHost();
    assert.equal(compileCacheDir(t.host), t.cacheDir);
    assert.equal((await Deno.stat(t.cacheDir)).mode! & 0o777, 0o700);
    assert.equal((await Deno.stat(t.dataDir)).mode! & 0o777, 0o700);
    // Made already, readable by others but writable by the user alone: used as it is.
    await Deno.chmod(t.cacheDir, 0o755);
    assert.equal(compileCacheDir(t.host), t.cacheDir);
  },
});

Deno.test({
  name: "no cache where someone else may write the directory or its parent",
  ignore,
  async fn() {
    await using t = await realHost();
    compileCacheDir(t.host);
    const opened: [string, number][] = [[t.cacheDir, 0o770], [t.cacheDir, 0o707], [
      t.dataDir,
      0o777,
    ]];
    for (const [dir, mode] of opened) {
      await Deno.chmod(dir, mode);
      assert.equal(compileCacheDir(t.host), null, `${dir} ${mode.toString(8)}`);
      await Deno.chmod(dir, 0o700);
    }
    assert.equal(compileCacheDir(t.host), t.cacheDir, "the same directories, once private again");
  },
});

Deno.test({
  name: "no cache in a directory that is a link or not a directory, or owned by another user",
  ignore,
  async fn() {
    await using t = await realHost();
    const elsewhere = await Deno.makeTempDir();
    try {
      await Deno.chmod(elsewhere, 0o700);
      await Deno.mkdir(t.dataDir, { recursive: true, mode: 0o700 });
      await Deno.symlink(elsewhere, t.cacheDir);
      assert.equal(compileCacheDir(t.host), null, "a link to a private directory");
      await Deno.remove(t.cacheDir);
      await Deno.writeTextFile(t.cacheDir, "");
      assert.equal(compileCacheDir(t.host), null, "a file");
      await Deno.remove(t.cacheDir);
      const someoneElse = { ...t.host, userId: (t.host.userId ?? 0) + 1 };
      assert.equal(compileCacheDir(someoneElse), null, "another user's");
      assert.equal(compileCacheDir(t.host), t.cacheDir);
    } finally {
      await Deno.remove(elsewhere, { recursive: true });
    }
  },
});

Deno.test({
  name: "NODE_COMPILE_CACHE and NODE_DISABLE_COMPILE_CACHE decide first, and nothing is made",
  ignore,
  async fn() {
    await using t = await realHost();
    for (const name of ["NODE_COMPILE_CACHE", "NODE_DISABLE_COMPILE_CACHE"]) {
      t.vars[name] = name === "NODE_COMPILE_CACHE" ? "/somewhere" : "1";
      assert.equal(compileCacheDir(t.host), null, name);
      delete t.vars[name];
    }
    assert.equal(await Deno.stat(t.dataDir).then(() => true, () => false), false);
  },
});

Deno.test("a directory that cannot be made turns the cache off", async () => {
  await using t = await realHost({
    makeDirectory: () => {
      throw new Deno.errors.PermissionDenied("not granted");
    },
  });
  assert.equal(compileCacheDir(t.host), null);
});

Deno.test("Windows: %LOCALAPPDATA%\\twg, which has no owner or mode bits to read", () => {
  const made: string[] = [];
  const host: CompileCacheHost = {
    os: "windows",
    homeDir: "C:\\Users\\ada",
    getVar: (name) => name === "LOCALAPPDATA" ? "C:\\Users\\ada\\AppData\\Local" : undefined,
    userId: undefined,
    makeDirectory: (path) => made.push(path),
    inspect: () => {
      throw new Error("not called on Windows");
    },
  };
  const expected = "C:\\Users\\ada\\AppData\\Local\\twg\\node-compile-cache";
  assert.equal(compileCacheDir(host), expected);
  assert.deepEqual(made, [expected]);
});
