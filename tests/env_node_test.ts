/**
 * The Node twin of the Env behaves as the Deno one where twg relies on it.
 * Runs under Deno: `node:fs/promises` is Deno's Node layer here, whose `rm`
 * refuses a directory as Node's does.
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
