import assert from "node:assert/strict";
import { runCli } from "../../src/main.ts";
import { fakeEnv } from "../_fake_env.ts";

const systemdSession = { DBUS_SESSION_BUS_ADDRESS: "unix:path=/run/user/1000/bus" };
/** Every `systemctl --user` call succeeds. */
const SYSTEMCTL_OK = { command: "systemctl", result: {} };

Deno.test("upkeep enable from a checkout run through npx warns that npx's cache is not a stable launcher", async () => {
  await using env = fakeEnv({
    vars: systemdSession,
    commands: [SYSTEMCTL_OK],
    runtime: "deno 2.9.6",
    execPath: "/home/ada/.npm/_npx/4f1c/node_modules/deno/deno",
  });
  assert.equal(await runCli(env, ["upkeep", "enable"]), 0);
  assert.match(env.stderrText(), /npx's cache/);
  assert.deepEqual(env.calls.map((call) => call.args.join(" ")).slice(0, 3), [
    "--user show-environment",
    "--user daemon-reload",
    "--user enable --now twg-upkeep.timer",
  ]);
});

Deno.test("upkeep enable with a stable Deno says nothing about npx", async () => {
  await using env = fakeEnv({
    vars: systemdSession,
    commands: [SYSTEMCTL_OK],
    runtime: "deno 2.9.6",
    execPath: "/usr/bin/deno",
  });
  assert.equal(await runCli(env, ["upkeep", "enable"]), 0);
  assert.doesNotMatch(env.stderrText(), /npx/);
  assert.match(env.stderrText(), /every 12 minutes/);
});

for (
  const flags of [["--os", "linux"], ["--output-dir", "rendered"], [
    "--os",
    "macos",
    "--output-dir",
    "x",
  ]]
) {
  Deno.test(`upkeep enable ${flags.join(" ")} without --dry-run is a usage error and installs nothing`, async () => {
    await using env = fakeEnv({ vars: systemdSession, execPath: "/usr/bin/deno" });
    assert.equal(await runCli(env, ["upkeep", "enable", ...flags]), 2);
    assert.match(env.stderrText(), /(--os|--output-dir) only applies with --dry-run/);
    assert.match(env.stderrText(), /Add --dry-run/);
    assert.deepEqual(env.calls, [], "no systemctl, launchctl or schtasks run");
  });
}

Deno.test("upkeep disable says 'removed' only of a schedule that was enabled", async () => {
  await using env = fakeEnv({
    vars: systemdSession,
    commands: [SYSTEMCTL_OK],
    runtime: "deno 2.9.6",
    execPath: "/usr/bin/deno",
  });
  assert.equal(await runCli(env, ["upkeep", "disable"]), 0);
  assert.match(env.stderrText(), /No upkeep schedule was installed \(systemd\); nothing to remove/);
  assert.doesNotMatch(env.stderrText(), /Upkeep disabled/);
  assert.equal(await runCli(env, ["upkeep", "enable"]), 0);
  assert.equal(await runCli(env, ["upkeep", "disable"]), 0);
  assert.match(env.stderrText(), /✔ Upkeep disabled \(systemd\)/);
});
