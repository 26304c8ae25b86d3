/**
 * Attack: a hostile repository (issue 23, finding 8) whose agent settings
 * files are symlinks to `/dev/zero` (read whole, it takes all memory within
 * seconds) or FIFOs (a read that never returns). twg reads every file it
 * does not own as a regular file with a size bound: the exit-4 guidance and
 * `doctor` finish promptly with a small memory footprint. The child is
 * watched and killed past 400 MiB or 60 s, so the attack can never take the
 * machine down with it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { expectExit, login, makeHome, twgArgv } from "../e2e/_twg.ts";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { readBoundedText, RefusedFileError } from "../../src/bounded_read.ts";
import { fakeEnv } from "../_fake_env.ts";

const skipReason = Deno.build.os === "windows" ? "FIFOs and /dev/zero are POSIX" : null;
const rssLimitKiB = 400 * 1024;

async function mkfifo(path: string): Promise<void> {
  const made = await new Deno.Command("mkfifo", { args: [path] }).output();
  if (!made.success) throw new Error(`mkfifo ${path} failed`);
}

/** A repository and a home whose agent settings are all traps. */
async function plantTraps(root: string, home: string): Promise<{ repo: string; home: string }> {
  const repo = join(root, "repo");
  for (const dir of [".git", ".claude", ".codex"]) {
    await Deno.mkdir(join(repo, dir), { recursive: true });
  }
  for (const dir of [".claude", ".codex"]) await Deno.mkdir(join(home, dir), { recursive: true });
  await Deno.symlink("/dev/zero", join(repo, ".claude", "settings.json"));
  await mkfifo(join(repo, ".claude", "settings.local.json"));
  await Deno.symlink("/dev/zero", join(repo, ".codex", "config.toml"));
  await mkfifo(join(home, ".claude", "settings.json"));
  await mkfifo(join(home, ".codex", "config.toml"));
  return { repo, home };
}

/** Runs twg in `cwd`, killing it past the memory or time bound; returns what it used. */
async function watched(
  argv: string[],
  cwd: string,
  env: Record<string, string>,
): Promise<
  { code: number; peakKiB: number; ms: number; output: string; killed: string | null }
> {
  const started = Date.now();
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    cwd,
    env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode("given-token\n")).catch(() => {});
  await writer.close().catch(() => {});
  const stdout = new Response(child.stdout).text();
  const stderr = new Response(child.stderr).text();
  let peakKiB = 0;
  let killed: string | null = null;
  const poll = setInterval(async () => {
    const status = await Deno.readTextFile(`/proc/${child.pid}/status`).catch(() => "");
    const rss = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
    peakKiB = Math.max(peakKiB, rss);
    const overTime = Date.now() - started > 60_000;
    if (!killed && (rss > rssLimitKiB || overTime)) {
      killed = overTime ? "time" : "memory";
      try {
        child.kill("SIGKILL");
      } catch {
        // Gone.
      }
    }
  }, 50);
  const status = await child.status;
  clearInterval(poll);
  const output = `${await stdout}\n${await stderr}`;
  return { code: status.code, peakKiB, ms: Date.now() - started, output, killed };
}

Deno.test({
  name: `agent settings that are /dev/zero or a FIFO neither exhaust memory nor hang twg${
    skipReason ? ` (skipped: ${skipReason})` : ""
  }`,
  ignore: skipReason !== null,
  async fn() {
    await using server = await startDevServer();
    await using base = await makeHome(server);
    expectExit(await login(base, server), 0);
    const home = base.path;
    const { repo } = await plantTraps(await Deno.makeTempDir({ prefix: "twg-repo-" }), home);
    // The exit-4 path: the store is not writable under these flags, and the
    // guidance reads the agent's settings.
    const readOnly = twgArgv([
      "--allow-read",
      "--allow-env",
      "--allow-sys",
      "--allow-run",
      "--allow-net",
      `--allow-write=${join(base.path, "elsewhere")}`,
    ]);
    for (const agent of [{ CLAUDECODE: "1" }, { CODEX_THREAD_ID: "t-1" }]) {
      const env = { ...base.env, ...agent };
      for (
        const [name, argv, code] of [
          ["auth refresh --force (exit 4)", [...readOnly, "auth", "refresh", "--force"], 4],
          ["doctor", [...twgArgv(), "doctor"], 0],
        ] as const
      ) {
        const result = await watched([...argv], repo, env);
        const what = `${name} as ${Object.keys(agent)[0]}`;
        assert.equal(result.killed, null, `${what}: killed for ${result.killed}: ${result.output}`);
        assert.ok(result.peakKiB < rssLimitKiB, `${what}: ${result.peakKiB} KiB`);
        assert.equal(result.code, code, `${what}: ${result.output}`);
        assert.doesNotMatch(result.output, /Unexpected error/, result.output);
      }
    }
  },
});

Deno.test({
  name: `the bounded reader refuses devices, FIFOs and oversized files before reading${
    skipReason ? ` (skipped: ${skipReason})` : ""
  }`,
  ignore: skipReason !== null,
  async fn() {
    await using env = fakeEnv();
    const { repo, home } = await plantTraps(env.homeDir, env.homeDir);
    const big = join(repo, "big.json");
    await Deno.writeTextFile(big, "{}" + " ".repeat(2 * 1024 * 1024));
    await assert.rejects(readBoundedText(env, big, 1024 * 1024), RefusedFileError);
    await assert.rejects(readBoundedText(env, "/dev/zero", 1024 * 1024), RefusedFileError);
    await assert.rejects(
      readBoundedText(env, join(home, ".codex", "config.toml"), 1024 * 1024),
      RefusedFileError,
    );
  },
});
