/**
 * The Node twin of the Env behaves as the Deno one where twg relies on it.
 * Runs under Deno: `node:fs` is Deno's Node layer here, whose `rm` refuses a
 * directory as Node's does; the npm test runs the same calls on Node itself.
 */
import assert from "node:assert/strict";
import { mkdir, mkdtemp, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileSystem } from "../src/env_node.ts";
import { createProcessEnv } from "../src/env_deno.ts";

Deno.test("rm removes an empty directory without recursive, as Deno.remove does, and refuses a full one", async () => {
  const root = await mkdtemp(join(tmpdir(), "twg-env-node-"));
  try {
    for (const fs of [fileSystem, createProcessEnv().fs]) {
      const empty = join(root, "empty");
      await mkdir(empty);
      await fs.rm(empty, {});
      await assert.rejects(stat(empty));
      const full = join(root, "full");
      await mkdir(full);
      await writeFile(join(full, "file"), "x");
      await assert.rejects(fs.rm(full, {}));
      await fs.rm(full, { recursive: true });
      await assert.rejects(stat(full));
    }
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("each file call the Node twin makes with callbacks answers as the Deno one does", async () => {
  const root = await mkdtemp(join(tmpdir(), "twg-env-node-"));
  try {
    const outcomes = [];
    for (const fs of [fileSystem, createProcessEnv().fs]) {
      const dir = join(root, outcomes.length === 0 ? "node" : "deno");
      const seen: unknown[] = [];
      const code = (error: unknown) => (error as { code?: string }).code;
      // Node names the first directory it made, Deno the one asked for: both say "made".
      seen.push(typeof await fs.mkdir(join(dir, "a"), { recursive: true, mode: 0o700 }));
      seen.push(await fs.mkdir(join(dir, "a"), { recursive: true }));
      const file = join(dir, "a", "file");
      const handle = await fs.open(file, "wx", 0o600);
      await handle.writeFile("first");
      await handle.sync();
      await handle.close();
      seen.push(await fs.open(file, "wx", 0o600).catch(code));
      seen.push(await fs.readFile(file, "utf8"));
      seen.push((await fs.lstat(file)).mode & 0o777);
      await fs.writeFile(file, "second", { flag: "w" });
      await fs.chmod(file, 0o640);
      seen.push((await fs.stat(file)).mode & 0o777, await fs.readFile(file, "utf8"));
      await fs.link(file, join(dir, "a", "linked"));
      await fs.rename(join(dir, "a", "linked"), join(dir, "a", "renamed"));
      await fs.utimes(file, new Date(1_000_000), new Date(2_000_000));
      seen.push((await fs.stat(file)).mtimeMs);
      seen.push((await fs.readdir(join(dir, "a"))).sort());
      const directory = await fs.open(join(dir, "a"), "r");
      await directory.sync();
      await directory.close();
      seen.push(await fs.readFile(join(dir, "missing"), "utf8").catch(code));
      seen.push(await fs.lstat(join(dir, "missing")).catch(code));
      seen.push(await fs.rename(join(dir, "missing"), file).catch(code));
      outcomes.push(seen);
    }
    assert.deepEqual(outcomes[0], outcomes[1]);
    assert.deepEqual(outcomes[0], [
      "string",
      undefined,
      "EEXIST",
      "first",
      0o600,
      0o640,
      "second",
      2_000_000,
      ["file", "renamed"],
      "ENOENT",
      "ENOENT",
      "ENOENT",
    ]);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
