import assert from "node:assert/strict";
import { runCli } from "../../src/main.ts";
import { fakeEnv } from "../_fake_env.ts";

// Enabling and disabling the schedule (src/upkeep/schedule.ts), through the
// CLI: every failure is typed, with a next step, never "Unexpected error".

const systemdSession = { DBUS_SESSION_BUS_ADDRESS: "unix:path=/run/user/1000/bus" };

Deno.test("upkeep enable --dry-run renders units for a home with a quote, % and non-ASCII", async () => {
  await using env = fakeEnv({ runtime: "deno 2.9.6", execPath: "/usr/bin/deno" });
  env.homeDir = `${env.tempDir}/o'brien 100% café`;
  assert.equal(await runCli(env, ["upkeep", "enable", "--dry-run", "--os", "linux"]), 0);
  assert.equal(env.stderrText(), "");
  const service = env.stdoutText();
  // The launcher script lives in the config dir under that home: systemd
  // refuses it as the executable, so env starts it.
  assert.match(
    service,
    /^ExecStart="\/usr\/bin\/env" ".*\/o'brien 100%% café\/\.local\/share\/twg\/twg-launcher" "upkeep" "run"$/m,
  );
  assert.match(service, /^Environment="TWG_CONFIG_DIR=.*\/o'brien 100%% café\/\.config\/twg"$/m);
});

Deno.test("upkeep enable --dry-run with a line break in TWG_CONFIG_DIR is a usage error, not a bug", async () => {
  await using env = fakeEnv({ runtime: "deno 2.9.6", execPath: "/usr/bin/deno" });
  env.getVar = (name) => name === "TWG_CONFIG_DIR" ? `${env.tempDir}/con\nfig` : undefined;
  assert.equal(await runCli(env, ["upkeep", "enable", "--dry-run", "--os", "linux"]), 2);
  assert.match(
    env.stderrText(),
    /Cannot schedule upkeep: the config directory path contains a line break/,
  );
  assert.match(env.stderrText(), /TWG_CONFIG_DIR/);
  assert.doesNotMatch(env.stderrText(), /Unexpected error|please report it/);
  assert.equal(env.stdoutText(), "");
});

Deno.test("upkeep disable when launchctl bootout fails says what failed and what to run (exit 1)", async () => {
  await using env = fakeEnv({
    os: "darwin",
    commands: [
      { command: "id", args: ["-u"], result: { stdout: "501\n" } },
      {
        command: "launchctl",
        args: ["bootout"],
        result: { code: 150, stderr: "Boot-out failed: 150: Operation not permitted\n" },
      },
    ],
  });
  assert.equal(await runCli(env, ["upkeep", "disable"]), 1);
  const stderr = env.stderrText();
  assert.match(
    stderr,
    /Cannot disable upkeep: "launchctl bootout gui\/501\/dev\.twg\.upkeep" failed with exit code 150: Boot-out failed/,
  );
  assert.match(stderr, /"twg upkeep disable" again/);
  assert.doesNotMatch(stderr, /Unexpected error|please report it/);
});

Deno.test("upkeep enable when the unit directory cannot be created is a typed error, not a bug", async () => {
  await using env = fakeEnv({
    vars: systemdSession,
    runtime: "deno 2.9.6",
    execPath: "/usr/bin/deno",
    commands: [{ command: "systemctl", args: ["--user", "show-environment"], result: {} }],
  });
  const mkdir = env.fs.mkdir;
  env.fs = {
    ...env.fs,
    mkdir: (path, options) =>
      path.includes("systemd")
        ? Promise.reject(new Error(`EACCES: permission denied, mkdir '${path}'`))
        : mkdir(path, options),
  };
  assert.equal(await runCli(env, ["upkeep", "enable"]), 1);
  assert.match(env.stderrText(), /Cannot enable upkeep: EACCES: permission denied, mkdir/);
  assert.match(env.stderrText(), /"twg upkeep enable" again/);
  assert.doesNotMatch(env.stderrText(), /Unexpected error|please report it/);
});

Deno.test("upkeep enable with a line break in TWG_CONFIG_DIR is exit 2 and writes nothing", async () => {
  await using env = fakeEnv({ runtime: "deno 2.9.6", execPath: "/usr/bin/deno" });
  const configDir = `${env.tempDir}/con\nfig`;
  env.getVar = (name) => name === "TWG_CONFIG_DIR" ? configDir : undefined;
  assert.equal(await runCli(env, ["upkeep", "enable"]), 2);
  assert.match(env.stderrText(), /the config directory path contains a line break/);
  await assert.rejects(Deno.stat(configDir), Deno.errors.NotFound);
  assert.deepEqual(env.calls, []);
});

Deno.test("upkeep disable with a config dir that cannot be written says the schedule is gone (exit 1)", async () => {
  await using env = fakeEnv({
    commands: [{ command: "systemctl", args: ["--user", "disable"], result: {} }],
  });
  await Deno.writeTextFile(`${env.tempDir}/a-file`, "");
  const configDir = `${env.tempDir}/a-file/twg`;
  env.getVar = (name) => name === "TWG_CONFIG_DIR" ? configDir : undefined;
  assert.equal(await runCli(env, ["upkeep", "disable"]), 1);
  assert.match(env.stderrText(), /Upkeep is unscheduled, but .*a-file\/twg cannot be updated: /);
  assert.match(env.stderrText(), /"twg upkeep disable" again/);
  assert.doesNotMatch(env.stderrText(), /Unexpected error|please report it/);
});

Deno.test("upkeep enable --dry-run --output-dir that cannot be written is a typed error", async () => {
  await using env = fakeEnv({ runtime: "deno 2.9.6", execPath: "/usr/bin/deno" });
  await Deno.writeTextFile(`${env.tempDir}/a-file`, "");
  const output = `${env.tempDir}/a-file/out`;
  const code = await runCli(env, ["upkeep", "enable", "--dry-run", "--output-dir", output]);
  assert.equal(code, 1);
  assert.match(env.stderrText(), /Cannot write .*a-file\/out\/twg-launcher: /);
  assert.match(env.stderrText(), /--output-dir/);
  assert.doesNotMatch(env.stderrText(), /Unexpected error|please report it/);
});
