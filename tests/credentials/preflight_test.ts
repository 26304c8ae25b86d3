/**
 * The store's write probe: the refresh's preflight flushes what it writes,
 * and the report of `auth status` leaves the flush out but still sees every
 * refusal that comes before it.
 */
import assert from "node:assert/strict";
import { configPaths } from "../../src/config/paths.ts";
import { readAuthStatus } from "../../src/commands/auth_status.ts";
import { assertStoreWritable, isStoreWritable } from "../../src/credentials/preflight.ts";
import { ensureConfigDir } from "../../src/safe_files/config_dir.ts";
import { type FakeEnv, fakeEnv } from "../_fake_env.ts";
import { faultyEnv } from "../_faulty_env.ts";

const flushes = (calls: readonly string[]) =>
  calls.filter((call) => call.startsWith("handle.sync"));

/** A config directory, and a file system that records its calls (and fails none yet). */
async function storeWithTrace(base: FakeEnv) {
  const paths = configPaths(base);
  await ensureConfigDir(base, paths.dir);
  const faulty = faultyEnv(base);
  faulty.failAt(Infinity, "EIO");
  return { paths, faulty };
}

Deno.test("the refresh's preflight flushes both probe files; auth status flushes none", async () => {
  await using base = fakeEnv();
  const { paths, faulty } = await storeWithTrace(base);
  await assertStoreWritable(faulty.env, paths.dir, paths.authConf);
  assert.equal(flushes(faulty.calls).length, 2, faulty.calls.join("\n"));

  faulty.failAt(Infinity, "EIO");
  const status = await readAuthStatus(faulty.env);
  assert.equal(status.configWritable, true);
  assert.deepEqual(flushes(faulty.calls), []);
  // What it does write, it removes: the directory is as it was.
  assert.deepEqual([...Deno.readDirSync(paths.dir)].map((entry) => entry.name), []);
});

Deno.test("without the flush, each refusal of the probe still reads as not writable", async () => {
  await using base = fakeEnv();
  const { paths, faulty } = await storeWithTrace(base);
  assert.equal(
    await isStoreWritable(faulty.env, paths.dir, paths.authConf, { flush: false }),
    true,
  );
  const steps = faulty.calls.length;
  let refusals = 0;
  for (let n = 1; n <= steps; n++) {
    for (const code of ["EROFS", "EACCES", "ENOSPC"] as const) {
      faulty.failAt(n, code);
      const writable = await isStoreWritable(faulty.env, paths.dir, paths.authConf, {
        flush: false,
      });
      // A failed clean-up (the last calls) changes nothing the probe found.
      const call = faulty.calls[n - 1] ?? "";
      if (call.startsWith("rm ")) continue;
      assert.equal(writable, false, `${code} at ${call}`);
      refusals++;
    }
  }
  assert.ok(refusals >= 9, `${refusals} refusals walked`);
});
