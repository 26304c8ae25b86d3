/**
 * Update checks, `twg update --check` and `twg uninstall` against the
 * development server. Login and `upkeep enable` run as the real CLI; the
 * update and uninstall code runs in-process through its `run…` functions
 * with an Env that reaches the server and starts real programs, with fake
 * `systemctl`, `notify-send` and `gdbus` first on PATH.
 */
import assert from "node:assert/strict";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { runUninstall } from "../../src/commands/uninstall.ts";
import { runUpdate } from "../../src/commands/update.ts";
import { configPaths } from "../../src/config/paths.ts";
import type { Output } from "../../src/env.ts";
import { pendingUpdateNotice } from "../../src/update/notice.ts";
import { upkeepRound } from "../../src/upkeep/run.ts";
import { readUpkeepState } from "../../src/config/upkeep_state.ts";
import { version } from "../../src/version.ts";
import { type FakeEnv, fakeEnv, type FakeEnvOverrides } from "../_fake_env.ts";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { fakeProgram, loggedCalls, realRun } from "../_fake_programs.ts";
import { expectExit, type Home, login, makeHome, projectRoot, twg } from "./_twg.ts";

/** Puts a bin dir first on the home's PATH; fake programs go there. */
function withFakeBin(home: Home): string {
  const bin = join(home.path, "bin");
  home.env.PATH = `${bin}:${home.env.PATH}`;
  // The systemd installer needs a session bus address to try.
  home.env.DBUS_SESSION_BUS_ADDRESS = "unix:path=/nonexistent/bus";
  return bin;
}

/** This checkout's twg, in-process, in `home`: real network and programs. */
function envIn(home: Home, overrides: FakeEnvOverrides = {}): FakeEnv {
  return fakeEnv({
    vars: home.env,
    homeDir: home.path,
    fetch: (input, init) => globalThis.fetch(input, init),
    run: realRun(home.env),
    runtime: `deno ${Deno.version.deno}`,
    mainPath: join(projectRoot, "src", "main.ts"),
    ...overrides,
  });
}

const terminal = (): Output => ({ isTerminal: true, write() {} });

Deno.test("uninstall against the development server: revoked, unscheduled, deleted; twice is harmless", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  const bin = withFakeBin(home);
  const systemctl = await fakeProgram(bin, "systemctl");
  expectExit(await login(home, server), 0);
  expectExit(await twg(home, ["upkeep", "enable"]), 0);
  const unitDir = join(home.path, ".config", "systemd", "user");
  assert.deepEqual((await readdir(unitDir)).sort(), [
    "twg-keeper.service",
    "twg-upkeep.service",
    "twg-upkeep.timer",
  ]);
  const issued = await server.lastTokens();
  const before = (await server.stats()).revocations;

  await using env = envIn(home);
  await runUninstall(env, { yes: true });

  assert.equal((await server.stats()).revocations, before + 2, "refresh and access token");
  await assert.rejects(readdir(home.configDir), { code: "ENOENT" });
  assert.deepEqual(await readdir(unitDir), []);
  assert.ok((await loggedCalls(systemctl)).includes("--user disable --now twg-upkeep.timer"));
  // The keeper stopped too: nothing left to refresh with a revoked token.
  assert.ok((await loggedCalls(systemctl)).includes("--user disable --now twg-keeper.service"));
  const lines = env.stderrText().trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 3), [
    "✔ Upkeep schedule removed (systemd)",
    `✔ Revoked the refresh token and the access token at ${new URL(server.issuer).host}`,
    "✔ Deleted ~/.config/twg",
  ]);
  assert.match(lines[3]!, /^! twg runs from the checkout at .*, which is left alone/);
  for (const secret of [issued.accessToken, issued.refreshToken]) {
    assert.ok(secret && !env.stderrText().includes(secret), "no token in the report");
  }
  expectExit(await twg(home, ["auth", "status"]), 3);

  await using again = envIn(home);
  await runUninstall(again, { yes: true });
  assert.equal((await server.stats()).revocations, before + 2, "nothing more to revoke");
  assert.match(again.stderrText(), /✔ No stored sign-in to revoke/);
  await assert.rejects(readdir(home.configDir), { code: "ENOENT" });
});

Deno.test("uninstall without --yes and without a terminal refuses and changes nothing", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  const before = (await server.stats()).revocations;
  await using env = envIn(home);
  await assert.rejects(runUninstall(env, { yes: false }), { exitCode: 2 });
  assert.equal((await server.stats()).revocations, before);
  assert.ok((await readdir(home.configDir)).includes("auth.conf"));
});

Deno.test("upkeep checks the development server's manifest, notifies, and keeps a notice it cannot show", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  const bin = withFakeBin(home);
  const notifySend = await fakeProgram(bin, "notify-send");
  await server.setManifestVersion("0.2.0");
  await using env = envIn(home);
  const paths = configPaths(env);

  const first = await upkeepRound(env, paths);
  assert.equal(first.exitCode, 0);
  assert.equal(env.stdoutText(), "");
  let state = await readUpkeepState(env, paths.upkeepJson);
  assert.equal(state.latestVersion, "0.2.0");
  // This twg runs from the checkout: the notice names what updates a checkout.
  const howToUpdate = `git -C ${join(projectRoot, "src", "..")} pull`;
  assert.deepEqual(await loggedCalls(notifySend), [
    `--app-name=twg -- twg update available twg 0.2.0 is available (you have ${version}): run "${howToUpdate}"`,
  ]);

  // A day and more later, 0.3.0 is out and no notifier works (a server, say).
  await server.setManifestVersion("0.3.0");
  await fakeProgram(bin, "notify-send", { code: 1 });
  await fakeProgram(bin, "gdbus", { code: 1 });
  env.advance(25 * 60 * 60_000);
  await upkeepRound(env, paths);
  state = await readUpkeepState(env, paths.upkeepJson);
  assert.equal(state.latestVersion, "0.3.0");
  const notice = `twg 0.3.0 is available (you have ${version}): run "${howToUpdate}"`;
  assert.equal(state.notifications?.pendingNotice, notice);

  await using person = envIn(home, { stdout: terminal(), stderr: terminal() });
  assert.equal(await pendingUpdateNotice(person, { json: false }), notice);
  assert.equal(await pendingUpdateNotice(person, { json: false }), null, "once");
});

Deno.test("update --check reads the development server's manifest", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  await server.setManifestVersion("0.2.0");
  await using env = envIn(home);
  await runUpdate(env, { check: true, json: true, arch: "x64" });
  const result = JSON.parse(env.stdoutText());
  assert.equal(result.current, version);
  assert.equal(result.latest, "0.2.0");
  assert.equal(result.updateAvailable, true);
  await runUpdate(env, { check: true, json: false, arch: "x64" });
  // The dev server's twg runs from this checkout: the command that works is git pull.
  assert.equal(
    env.stdoutText().split("\n").at(-2),
    `twg ${version} → 0.2.0 available: run "git -C ${join(projectRoot, "src", "..")} pull"`,
  );
});
