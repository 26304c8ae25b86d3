/**
 * Finds the detached refresh children (`twg __refresh-child`) still running
 * for a test home, so that a test can wait for them and prove none is left.
 *
 * @module
 */
import assert from "node:assert/strict";
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
