/**
 * Finds the detached refresh children (`twg __refresh-child`) still running
 * for a test home, so that a test can wait for them and prove none is left.
 *
 * @module
 */
import assert from "node:assert/strict";
import type { DevServer } from "../fixtures/dev_server_client.ts";
import type { Home } from "./_twg.ts";

/** Refresh children still running for `home` (Linux: /proc, where their environment names it). */
export async function runningChildren(home: Home): Promise<number[]> {
  if (Deno.build.os !== "linux") return [];
  const pids = [];
  for await (const entry of Deno.readDir("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const cmdline = await Deno.readTextFile(`/proc/${entry.name}/cmdline`);
      if (!cmdline.includes("__refresh-child")) continue;
      const environ = await Deno.readTextFile(`/proc/${entry.name}/environ`);
      if (environ.includes(`HOME=${home.path}\0`)) pids.push(Number(entry.name));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

/** Waits (up to `ms`) until no refresh child runs for `home`, and fails if one still does. */
export async function nothingRunning(home: Home, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while ((await runningChildren(home)).length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  assert.deepEqual(await runningChildren(home), [], "no refresh child left running");
}

/**
 * `auth refresh --force` as the leader of a process group of its own (as an
 * agent's command runner starts it): `Deno.kill(-child.pid, "SIGKILL")` ends
 * the whole group, and only a detached refresh child outlives it.
 */
export function spawnRefreshGroup(argv: string[], home: Home): Deno.ChildProcess {
  return new Deno.Command(argv[0]!, {
    args: [...argv.slice(1), "auth", "refresh", "--force"],
    env: home.env,
    clearEnv: true,
    stdin: "null",
    stdout: "null",
    stderr: "null",
    detached: true,
  }).spawn();
}

/**
 * Waits until the server has answered every refresh request it received: a
 * request sent just before a kill is still processed, and rotates, after
 * the client is gone.
 */
export async function serverSettled(server: DevServer): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 20));
  for (let i = 0; i < 500; i++) {
    const stats = await server.stats();
    if (stats.refreshRequests === stats.refreshSuccesses + stats.invalidGrants) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the server did not settle");
}

/**
 * Waits until no live process holds the lock: the detached child releases it
 * after its save; a caller killed while holding it leaves a lock naming a
 * dead process, which the next run takes over at once.
 */
export async function lockReleased(configDir: string): Promise<void> {
  for (let i = 0; i < 1000; i++) {
    const holder = await Deno.readTextFile(`${configDir}/auth.lock`).then(
      (text) => JSON.parse(text).pid as number,
      () => null,
    );
    if (holder === null || !(await Deno.stat(`/proc/${holder}`).then(() => true, () => false))) {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error("the lock was never released");
}
