import assert from "node:assert/strict";
import { mkdtemp, readdir, rm, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProcessEnv } from "../../src/env_deno.ts";
import {
  acquireLock,
  ForeignLockError,
  LockTimeoutError,
  takeOverHeldLock,
} from "../../src/credentials/lock.ts";

async function withDir(run: (dir: string) => Promise<void>): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), "twg-lock-"));
  try {
    await run(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

function lockContent(pid: number, hostname: string): string {
  return JSON.stringify({
    pid,
    hostname,
    nonce: crypto.randomUUID(),
    acquiredAt: new Date().toISOString(),
  });
}

Deno.test("a second holder waits until the first releases", async () => {
  await withDir(async (dir) => {
    const env = createProcessEnv();
    const path = join(dir, "auth.lock");
    const first = await acquireLock(env, path);
    let secondAcquired = false;
    const second = acquireLock(env, path).then((lock) => {
      secondAcquired = true;
      return lock;
    });
    await new Promise((resolve) => setTimeout(resolve, 150));
    assert.equal(secondAcquired, false);
    await first.release();
    const lock = await second;
    assert.ok(await lock.isHeld());
    await lock.release();
    assert.deepEqual(await readdir(dir), []);
  });
});

Deno.test("a lock left by a dead process on this host is taken over at once", async () => {
  await withDir(async (dir) => {
    const env = createProcessEnv();
    const path = join(dir, "auth.lock");
    await writeFile(path, lockContent(await deadPid(), env.hostname));
    const started = Date.now();
    const lock = await acquireLock(env, path, { timeoutMs: 2000 });
    assert.ok(Date.now() - started < 1000);
    await lock.release();
  });
});

Deno.test("a live holder whose heartbeat stopped is taken over after the stale limit", async () => {
  await withDir(async (dir) => {
    const env = createProcessEnv();
    const path = join(dir, "auth.lock");
    // Our own parent is alive; only the age of the heartbeat can free this lock.
    await writeFile(path, lockContent(Deno.ppid, env.hostname));
    const old = new Date(Date.now() - 5000);
    await utimes(path, old, old);
    const lock = await acquireLock(env, path, { timeoutMs: 2000, staleMs: 3000 });
    assert.ok(await lock.isHeld());
    await lock.release();
  });
});

Deno.test("waiting on a live, heartbeating holder ends with a clear time-out", async () => {
  await withDir(async (dir) => {
    const env = createProcessEnv();
    const path = join(dir, "auth.lock");
    await writeFile(path, lockContent(Deno.ppid, "another-host"));
    await assert.rejects(
      acquireLock(env, path, { timeoutMs: 300, staleMs: 60_000 }),
      (error: unknown) => {
        assert.ok(error instanceof LockTimeoutError);
        assert.match(error.message, /Timed out.*another twg process.*another-host/);
        return true;
      },
    );
  });
});

Deno.test("many waiters on a stale lock: exactly one holds it at any moment", async () => {
  await withDir(async (dir) => {
    const env = createProcessEnv();
    const path = join(dir, "auth.lock");
    await writeFile(path, lockContent(await deadPid(), env.hostname));
    let holders = 0;
    let maxHolders = 0;
    let completed = 0;
    await Promise.all(Array.from({ length: 20 }, async () => {
      const lock = await acquireLock(env, path, { timeoutMs: 10_000 });
      holders++;
      maxHolders = Math.max(maxHolders, holders);
      await new Promise((resolve) => setTimeout(resolve, 5));
      holders--;
      completed++;
      await lock.release();
    }));
    assert.equal(completed, 20);
    assert.equal(maxHolders, 1);
    assert.deepEqual(await readdir(dir), []);
  });
});

Deno.test("a holder that lost the lock to a takeover does not remove the new owner's lock", async () => {
  await withDir(async (dir) => {
    const env = createProcessEnv();
    const path = join(dir, "auth.lock");
    const first = await acquireLock(env, path, { staleMs: 60_000 });
    // Simulate a peer's takeover: the file now belongs to someone else.
    await writeFile(path, lockContent(Deno.ppid, env.hostname));
    assert.equal(await first.isHeld(), false);
    await first.release();
    assert.deepEqual(await readdir(dir), ["auth.lock"]);
  });
});

Deno.test("a lock that is not twg's is refused at once with its path and the fix, never followed", async () => {
  await withDir(async (dir) => {
    const env = createProcessEnv();
    const path = join(dir, "auth.lock");
    const target = join(dir, "target");
    await writeFile(target, "precious");
    const plants: [string, () => Promise<void>, RegExp][] = [
      ["symlink", () => Deno.symlink(target, path), /symbolic link/],
      ["directory", () => Deno.mkdir(path), /not a regular file/],
      ["garbage", () => writeFile(path, "garbage"), /not a twg lock/],
      ["empty", () => writeFile(path, ""), /not a twg lock/],
    ];
    for (const [name, plant, reason] of plants) {
      await plant();
      const started = performance.now();
      // The default 30 s wait: only an immediate refusal ends this in time.
      const error = await acquireLock(env, path).then(() => null, (error) => error);
      assert.ok(performance.now() - started < 1000, `${name}: refused within a second`);
      assert.ok(error instanceof ForeignLockError, `${name}: ${error}`);
      assert.match(error.message, reason);
      assert.ok(error.message.includes(path) && error.hint?.includes(path), name);
      await Deno.remove(path, { recursive: true });
    }
    assert.equal(await Deno.readTextFile(target), "precious");
    // Another user's file, however live its content looks.
    await writeFile(path, lockContent(Deno.pid, env.hostname));
    const foreign = await acquireLock(env, path, {
      ownerUid: (await Deno.lstat(path)).uid! + 1,
    }).then(() => null, (error) => error);
    assert.ok(foreign instanceof ForeignLockError);
    assert.match(foreign.message, /another user/);
  });
});

Deno.test("a held lock is handed over by its nonce, and only while it is that holding", async () => {
  await withDir(async (dir) => {
    const env = createProcessEnv();
    const path = join(dir, "auth.lock");
    const parent = await acquireLock(env, path);
    assert.equal(await takeOverHeldLock(env, path, "another-holding"), null, "wrong nonce");
    const child = await takeOverHeldLock(env, path, parent.nonce);
    assert.ok(child && await child.isHeld(), "the child holds it");
    assert.equal(await parent.isHeld(), false, "the parent no longer does");
    await parent.release();
    assert.ok(await child.isHeld(), "the parent's release removes nothing");
    await child.release();
    assert.deepEqual(await readdir(dir), [], "no lock, guard or staging file left");
  });
});
