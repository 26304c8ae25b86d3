/**
 * Attack: a config directory that another user owns or can write, holding
 * that user's `config.json` and symlinks planted at every name twg writes.
 *
 * Another user: run as root (CI), the test hands the directory to a uid no
 * account uses (chown needs no account); run as anyone else, it cannot chown,
 * so it fakes this process's user id through the injected Env instead.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runCli } from "../../src/main.ts";
import { configPaths, dataDir } from "../../src/config/paths.ts";
import { appendLog } from "../../src/upkeep/run.ts";
import { initialUpkeepState, writeUpkeepState } from "../../src/config/upkeep_state.ts";
import { writeRenderedFile } from "../../platform/rendered_file.ts";
import { type FakeEnv, fakeEnv, type FakeEnvOverrides } from "../_fake_env.ts";
import { isDenoBuild, makeHome, twg } from "../e2e/_twg.ts";

const isRoot = Deno.uid() === 0;
const otherUid = 54321;

/** A fake env whose TWG_CONFIG_DIR is `<temp>/shared/twg`, set up by `prepare`. */
async function envWithConfigDir(
  prepare: (dir: string, env: FakeEnv) => Promise<void>,
  overrides: FakeEnvOverrides = {},
): Promise<FakeEnv & { dir: string }> {
  const probe = fakeEnv();
  const dir = join(probe.tempDir, "shared", "twg");
  const env = fakeEnv({
    ...overrides,
    vars: { TWG_CONFIG_DIR: dir, NO_COLOR: "1", ...overrides.vars },
    respond: () => new Response("{}"),
  });
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  await Deno.chmod(dir, 0o700);
  await prepare(dir, env);
  return Object.assign(env, {
    dir,
    async [Symbol.asyncDispose]() {
      await Deno.remove(probe.tempDir, { recursive: true });
      await Deno.remove(env.tempDir, { recursive: true });
    },
  });
}

/** Makes `dir` another user's, really (root) or through the injected user id. */
async function belongsToAnotherUser(dir: string, env: FakeEnv): Promise<void> {
  if (isRoot) await Deno.chown(dir, otherUid, otherUid);
  else env.userId = otherUid;
}

const hostileConfig = JSON.stringify({
  apiUrl: "https://attacker.example/api",
  updateManifestUrl: "https://attacker.example/manifest.json",
});

Deno.test("twg api refuses a config dir owned by another user and sends no request", async () => {
  await using env = await envWithConfigDir(async (dir, env) => {
    await Deno.writeTextFile(join(dir, "config.json"), hostileConfig);
    await belongsToAnotherUser(dir, env);
  });
  assert.equal(await runCli(env, ["api", "/myself"]), 1);
  assert.match(env.stderrText(), /belongs to another user/);
  assert.match(env.stderrText(), /chown/);
  assert.deepEqual(env.requests, []);
});

Deno.test("login refuses a config dir that others can write, naming the chmod", async () => {
  await using env = await envWithConfigDir(async (dir) => {
    await Deno.chmod(dir, 0o777);
  }, { vars: { TWG_CLIENT_ID: "client" } });
  assert.equal(await runCli(env, ["login", "--no-browser"]), 1);
  assert.match(env.stderrText(), /writable by other users \(mode 777\)/);
  assert.match(env.stderrText(), new RegExp(`chmod go-w ${env.dir}`));
  assert.deepEqual(env.requests, []);
});

Deno.test("a config.json that others can write is refused", async () => {
  await using env = await envWithConfigDir(async (dir) => {
    await Deno.writeTextFile(join(dir, "config.json"), hostileConfig);
    await Deno.chmod(join(dir, "config.json"), 0o666);
  });
  assert.equal(await runCli(env, ["api", "/myself"]), 1);
  assert.match(env.stderrText(), /config\.json": this file is writable by other users/);
  assert.deepEqual(env.requests, []);
});

Deno.test("auth refresh refuses credentials in a directory owned by another user", async () => {
  await using env = await envWithConfigDir(async (dir, env) => {
    await Deno.writeTextFile(join(dir, "auth.conf"), "{}", { mode: 0o600 });
    await belongsToAnotherUser(dir, env);
  });
  assert.equal(await runCli(env, ["auth", "refresh", "--force"]), 1);
  assert.match(env.stderrText(), /belongs to another user/);
  assert.deepEqual(env.requests, []);
});

/** A file standing for ~/.bashrc or ~/.profile, and a symlink to it at `name` in `dir`. */
async function plantLink(env: FakeEnv, dir: string, name: string): Promise<string> {
  const target = join(env.homeDir, `victim-of-${name}`);
  await Deno.writeTextFile(target, "# the person's own file\n");
  await Deno.symlink(target, join(dir, name));
  return target;
}

async function assertUntouched(target: string, link: string): Promise<void> {
  assert.equal(await Deno.readTextFile(target), "# the person's own file\n");
  assert.equal((await Deno.lstat(link)).isSymlink, false, `${link} was replaced, not followed`);
}

Deno.test("upkeep enable replaces a planted twg-launcher symlink instead of writing through it", async () => {
  await using env = await envWithConfigDir(() => Promise.resolve(), {
    vars: { DBUS_SESSION_BUS_ADDRESS: "unix:path=/run/user/1000/bus" },
    runtime: "deno 2.9.6",
    execPath: "/usr/bin/deno",
    commands: [{ command: "systemctl", result: {} }],
  });
  // The launcher lives in the data directory (issue 20): a link planted
  // there is replaced; one left in the config directory is removed, unfollowed.
  const launcherDir = dataDir(env);
  await Deno.mkdir(launcherDir, { recursive: true, mode: 0o700 });
  const bashrc = await plantLink(env, launcherDir, "twg-launcher");
  const profile = await plantLink(env, env.dir, "twg-launcher");
  assert.equal(await runCli(env, ["upkeep", "enable"]), 0, env.stderrText());
  await assertUntouched(bashrc, join(launcherDir, "twg-launcher"));
  assert.match(await Deno.readTextFile(join(launcherDir, "twg-launcher")), /deno/);
  assert.equal(await Deno.readTextFile(profile), "# the person's own file\n");
  await assert.rejects(Deno.lstat(join(env.dir, "twg-launcher")), Deno.errors.NotFound);
});

Deno.test("the upkeep log replaces a planted upkeep.log symlink instead of appending through it", async () => {
  await using env = await envWithConfigDir(() => Promise.resolve());
  const profile = await plantLink(env, env.dir, "upkeep.log");
  await appendLog(env, configPaths(env), "2026-11-28T12:00:00Z fresh");
  await assertUntouched(profile, join(env.dir, "upkeep.log"));
  assert.equal(
    await Deno.readTextFile(join(env.dir, "upkeep.log")),
    "2026-11-28T12:00:00Z fresh\n",
  );
  await appendLog(env, configPaths(env), "second");
  assert.equal(
    await Deno.readTextFile(join(env.dir, "upkeep.log")),
    "2026-11-28T12:00:00Z fresh\nsecond\n",
  );
});

Deno.test("upkeep.json and the scheduler files replace planted symlinks", async () => {
  await using env = await envWithConfigDir(() => Promise.resolve());
  const state = await plantLink(env, env.dir, "upkeep.json");
  await writeUpkeepState(env, configPaths(env).upkeepJson, initialUpkeepState());
  await assertUntouched(state, join(env.dir, "upkeep.json"));

  const unitDir = join(env.homeDir, ".config", "systemd", "user");
  await Deno.mkdir(unitDir, { recursive: true, mode: 0o755 });
  const unit = await plantLink(env, unitDir, "twg-upkeep.service");
  await writeRenderedFile(env, {
    path: join(unitDir, "twg-upkeep.service"),
    content: "[Unit]\n",
    encoding: "utf-8",
  });
  await assertUntouched(unit, join(unitDir, "twg-upkeep.service"));
});

Deno.test("upkeep enable --dry-run --output-dir replaces planted symlinks", async () => {
  await using env = await envWithConfigDir(() => Promise.resolve(), {
    runtime: "deno 2.9.6",
    execPath: "/usr/bin/deno",
  });
  const out = join(env.tempDir, "out");
  await Deno.mkdir(out);
  const target = await plantLink(env, out, "twg-upkeep.timer");
  assert.equal(
    await runCli(env, ["upkeep", "enable", "--dry-run", "--os", "linux", "--output-dir", out]),
    0,
    env.stderrText(),
  );
  await assertUntouched(target, join(out, "twg-upkeep.timer"));
});

Deno.test("upkeep enable refuses a scheduler directory another user can write, and writes nothing", async () => {
  await using env = fakeEnv({
    vars: { DBUS_SESSION_BUS_ADDRESS: "unix:path=/run/user/1000/bus", NO_COLOR: "1" },
    runtime: "deno 2.9.6",
    execPath: "/usr/bin/deno",
  });
  const unitDir = join(env.homeDir, ".config", "systemd", "user");
  await Deno.mkdir(unitDir, { recursive: true });
  await Deno.chmod(unitDir, 0o777);
  assert.equal(await runCli(env, ["upkeep", "enable"]), 1);
  assert.match(env.stderrText(), /writable by other users/);
  assert.match(env.stderrText(), /chmod go-w/);
  assert.deepEqual([...Deno.readDirSync(unitDir)], []);
});

const rootSkip = isRoot ? null : "not root: cannot hand a directory to another user";
if (rootSkip && Deno.env.get("CI") === "true") throw new Error(`Cannot run in CI: ${rootSkip}`);

for (
  const [how, denoFlags] of [
    ["with --allow-sys=uid", ["-A"]],
    [
      "without --allow-sys=uid: the home directory's owner stands in",
      ["--allow-read", "--allow-env", "--allow-write", "--allow-net", "--allow-sys=hostname"],
    ],
  ] as const
) {
  Deno.test({
    name: `the real twg (${how}) refuses another user's config dir${
      rootSkip ? ` (skipped: ${rootSkip})` : ""
    }`,
    ignore: rootSkip !== null || !isDenoBuild,
    async fn() {
      await using home = await makeHome();
      const shared = join(home.path, "shared");
      await Deno.mkdir(shared, { mode: 0o700 });
      await Deno.writeTextFile(join(shared, "config.json"), hostileConfig);
      await Deno.chown(shared, otherUid, otherUid);
      const result = await twg(home, ["api", "/myself"], {
        env: { TWG_CONFIG_DIR: shared, TWG_OAUTH_ACCESS_TOKEN: "secret" },
        denoFlags: [...denoFlags],
      });
      assert.equal(result.code, 1, result.stderr);
      assert.match(
        result.stderr,
        new RegExp(`belongs to another user \\(uid ${otherUid}; you are 0\\)`),
      );
    },
  });
}
