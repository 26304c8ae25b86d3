import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  encodeRenderedFile,
  keeperArgv,
  PlatformError,
  type RenderedFile,
  schedulerFor,
  type ScheduleSpec,
  upkeepArgv,
} from "../../platform/mod.ts";
import {
  installSystemdTimer,
  renderSystemdUnits,
  systemdBootMarker,
  systemdScheduler,
  systemdTimerStatus,
  systemdUnitDir,
  uninstallSystemdTimer,
} from "../../platform/systemd.ts";
import { fileSystem } from "../../src/env_deno.ts";
import { UsageError } from "../../src/errors.ts";
import { type FakeEnv, fakeEnv, type ScriptedCommand } from "../_fake_env.ts";
import { validationTest, verifySystemdUnits } from "./_schemas.ts";
import { specFor } from "./_spec.ts";

/** Characters that break naive quoting and that systemd accepts in an executable path. */
const PATH_PIECES = [" ", "%", "%%", "%n", "%h", "&", "<", ">", "$", "$$", "$HOME", "${X}", ";"];
/** Quote characters and backslash sequences: fine in arguments, refused by systemd in the executable path. */
const QUOTING_PIECES = ['"', "'", "\\", '\\"', "\\n"];

function hostileName(pieces: string[]): fc.Arbitrary<string> {
  return fc.array(
    fc.oneof(
      fc.constantFrom(...pieces),
      fc.constantFrom("é", "ß", "😀", "中文", "a", "-"),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 2 })
        .filter((s) => !/[/"'\\]/.test(s)),
    ),
    { minLength: 1, maxLength: 6 },
  ).map((parts) => parts.join(""));
}

const hostilePathName = hostileName(PATH_PIECES);
const hostileArgument = hostileName([...PATH_PIECES, ...QUOTING_PIECES]);
/** A directory name with quotes and backslashes too (never "/", which would split it). */
const hostileQuotedPathName = hostileArgument;

const C_ESCAPES: Record<string, string> = {
  "\\": "\\",
  '"': '"',
  "'": "'",
  n: "\n",
  t: "\t",
  s: " ",
};

/**
 * Splits a unit-file value into words the way systemd does (systemd.syntax(7)
 * "Quoting": quotes, C escapes), then resolves specifiers, failing on any `%`
 * that is not `%%` (systemd.unit(5) "Specifiers").
 */
function unitWords(value: string): string[] {
  const words: string[] = [];
  let index = 0;
  const escape = () => {
    const char = value[index + 1] ?? "";
    const unescaped = C_ESCAPES[char];
    assert.ok(unescaped !== undefined, `unknown escape \\${char} in ${value}`);
    index += 2;
    return unescaped;
  };
  while (index < value.length) {
    if (value[index] === " ") {
      index++;
      continue;
    }
    let word = "";
    while (index < value.length && value[index] !== " ") {
      const char = value[index] ?? "";
      if (char === '"' || char === "'") {
        index++;
        while (value[index] !== char) {
          assert.ok(index < value.length, `unterminated quote in ${value}`);
          word += value[index] === "\\" ? escape() : value[index++];
        }
        index++;
        assert.ok(index >= value.length || value[index] === " ", "a closing quote ends the word");
      } else {
        word += char === "\\" ? escape() : value[index++];
      }
    }
    words.push(word.replace(/%(.?)/g, (_, next: string) => {
      assert.equal(next, "%", `unescaped specifier %${next} in ${value}`);
      return "%";
    }));
  }
  return words;
}

/** An argument after systemd.service(5) variable substitution: `$$` is `$`, no other `$` allowed. */
function substituteDollars(arg: string): string {
  return arg.replace(/\$(.?)/g, (_, next: string) => {
    assert.equal(next, "$", `unescaped variable $${next} in ${arg}`);
    return "$";
  });
}

/** The argv systemd would execute for the service's ExecStart. */
function execStartArgv(service: string): string[] {
  // Lines end at "\n" only, as systemd reads them: not at U+2028 or U+2029,
  // where a JavaScript /m pattern would end them (a path may hold either).
  const line = service.split("\n").find((text) => text.startsWith("ExecStart="))
    ?.slice("ExecStart=".length);
  assert.ok(line !== undefined, "no ExecStart");
  const [executable = "", ...args] = unitWords(line);
  return [executable, ...args.map(substituteDollars)];
}

/** The variables the service's Environment= lines set. */
function environmentOf(service: string): Record<string, string> {
  const lines = service.split("\n").filter((text) => text.startsWith("Environment="));
  return Object.fromEntries(
    lines.flatMap((line) =>
      unitWords(line.slice("Environment=".length)).map((assignment) => {
        const equals = assignment.indexOf("=");
        return [assignment.slice(0, equals), assignment.slice(equals + 1)];
      })
    ),
  );
}

function units(spec: ScheduleSpec): { service: string; timer: string } {
  const [service, timer] = renderSystemdUnits(spec);
  return { service: service?.content ?? "", timer: timer?.content ?? "" };
}

Deno.test("renderSystemdUnits writes a oneshot service and its timer to ~/.config/systemd/user", () => {
  const spec = specFor("/home/ada", { environment: { LANG: "C.UTF-8" } });
  assert.deepEqual(renderSystemdUnits(spec).map((file) => [file.path, file.encoding]), [
    ["/home/ada/.config/systemd/user/twg-upkeep.service", "utf-8"],
    ["/home/ada/.config/systemd/user/twg-upkeep.timer", "utf-8"],
  ]);
  const { service, timer } = units(spec);
  assert.match(service, /^\[Service\]\nType=oneshot\n/m);
  assert.match(service, /^ExecStart="\/home\/ada\/\.deno\/bin\/twg" "upkeep" "run"$/m);
  assert.deepEqual(environmentOf(service), {
    LANG: "C.UTF-8",
    TWG_CONFIG_DIR: "/home/ada/.config/twg",
  });
  assert.match(service, /^Nice=10$/m);
  for (
    const line of [
      "OnBootSec=2min",
      "OnUnitActiveSec=12min",
      "RandomizedDelaySec=30s",
      "Unit=twg-upkeep.service",
      "WantedBy=timers.target",
    ]
  ) {
    assert.ok(timer.split("\n").includes(line), `timer has ${line}`);
  }
  assert.match(timer, /\[Install\]\nWantedBy=timers\.target\n$/);
});

Deno.test("renderSystemdUnits adds the keeper: a long-running auth serve, restarted on failure, started at login", () => {
  const spec = specFor("/home/ada", {
    environment: { TWG_PINNED_ISSUER_ORIGIN: "https://auth.example" },
    keeperSocket: "/run/user/1000/twg/broker.sock",
  });
  const files = renderSystemdUnits(spec);
  assert.deepEqual(files.map((file) => file.path), [
    "/home/ada/.config/systemd/user/twg-upkeep.service",
    "/home/ada/.config/systemd/user/twg-upkeep.timer",
    "/home/ada/.config/systemd/user/twg-keeper.service",
  ]);
  const keeper = files[2]!.content;
  assert.deepEqual(execStartArgv(keeper), [
    "/home/ada/.deno/bin/twg",
    "auth",
    "serve",
    "--socket",
    "/run/user/1000/twg/broker.sock",
  ]);
  // The pins go to the keeper too: it refreshes, so it must refuse another origin.
  assert.deepEqual(environmentOf(keeper), {
    TWG_PINNED_ISSUER_ORIGIN: "https://auth.example",
    TWG_CONFIG_DIR: "/home/ada/.config/twg",
  });
  for (const line of ["Type=simple", "Restart=on-failure", "WantedBy=default.target"]) {
    assert.ok(keeper.split("\n").includes(line), `keeper has ${line}`);
  }
  assert.doesNotMatch(keeper, /^Type=oneshot$/m);
  // Without a keeper socket in the spec, no keeper unit.
  assert.equal(renderSystemdUnits(specFor("/home/ada")).length, 2);
  assert.throws(() => renderSystemdUnits({ ...spec, keeperSocket: "run/broker.sock" }), {
    message: /^Cannot schedule upkeep: the keeper's socket path is not absolute/,
  });
});

Deno.test("renderSystemdUnits escapes quotes, backslashes, % and $ per systemd's rules", () => {
  const { service } = units(specFor("/home/ada", {
    launcher: "/home/ada/my $dir/100%/twg",
    launcherArgs: ['say "hi"\\', "$HOME", "50%"],
    environment: { NOTE: 'a "b" \\c 10%' },
  }));
  assert.match(
    service,
    /^ExecStart="\/home\/ada\/my \$dir\/100%%\/twg" "say \\"hi\\"\\\\" "\$\$HOME" "50%%" "upkeep" "run"$/m,
  );
  assert.match(service, /^Environment="NOTE=a \\"b\\" \\\\c 10%%"$/m);
  assert.deepEqual(execStartArgv(service), [
    "/home/ada/my $dir/100%/twg",
    'say "hi"\\',
    "$HOME",
    "50%",
    "upkeep",
    "run",
  ]);
});

Deno.test("renderSystemdUnits refuses a line break anywhere in the spec", () => {
  fc.assert(
    fc.property(
      fc.constantFrom<keyof ScheduleSpec>("launcher", "homeDir", "configDir"),
      fc.constantFrom("\n", "\r"),
      (field, eol) => {
        const spec = specFor("/home/ada");
        assert.throws(() => renderSystemdUnits({ ...spec, [field]: `${spec[field]}${eol}x` }), {
          message: /^Cannot schedule upkeep: the .* path contains a line break$/,
        });
      },
    ),
  );
  assert.throws(() => renderSystemdUnits(specFor("/home/ada", { launcherArgs: ["a\nb"] })), {
    message: "Cannot schedule upkeep: launcher argument 1 contains a line break",
  });
  assert.throws(() => renderSystemdUnits(specFor("/home/ada", { launcher: "/bin/t\twg" })), {
    message: "Cannot schedule upkeep: the launcher path contains a control character",
  });
});

Deno.test("renderSystemdUnits starts a launcher whose path holds a quote or backslash through env", () => {
  fc.assert(
    fc.property(hostilePathName, fc.constantFrom(...QUOTING_PIECES), (name, quoting) => {
      const launcher = `/home/o'brien/${name}${quoting}/twg`;
      const { service } = units(specFor("/home/o'brien", { launcher }));
      assert.match(service, /^ExecStart="\/usr\/bin\/env" "\/home\/o'brien\//m);
      assert.deepEqual(execStartArgv(service), ["/usr/bin/env", launcher, "upkeep", "run"]);
    }),
  );
});

Deno.test("renderSystemdUnits keeps U+2028 and U+2029, which are no line break to systemd", () => {
  const homeDir = "/home/a\u2028b";
  const spec = specFor(homeDir, { launcher: `${homeDir}/\u2029/twg`, launcherArgs: ["\u2028"] });
  const { service } = units(spec);
  assert.deepEqual(execStartArgv(service), upkeepArgv(spec));
  assert.equal(environmentOf(service).TWG_CONFIG_DIR, spec.configDir);
});

Deno.test("renderSystemdUnits refuses a line break in the config directory with a usage error", () => {
  assert.throws(
    () => renderSystemdUnits(specFor("/home/ada", { configDir: "/home/ada/con\nfig" })),
    (error: unknown) =>
      error instanceof UsageError && error.exitCode === 2 &&
      error.message === "Cannot schedule upkeep: the config directory path contains a line break" &&
      /TWG_CONFIG_DIR/.test(error.hint ?? ""),
  );
});

/** Writes the units where they belong, with an executable launcher (verify checks it exists). */
async function writeUnits(spec: ScheduleSpec, files: RenderedFile[]): Promise<string[]> {
  await Deno.mkdir(spec.launcher.slice(0, spec.launcher.lastIndexOf("/")), { recursive: true });
  await Deno.writeTextFile(spec.launcher, "#!/bin/sh\n", { mode: 0o755 });
  await Deno.mkdir(systemdUnitDir(spec.homeDir), { recursive: true });
  for (const file of files) await Deno.writeFile(file.path, encodeRenderedFile(file));
  return files.map((file) => file.path);
}

validationTest(
  "the rendered units pass systemd-analyze --user verify",
  ["systemd-analyze"],
  async () => {
    const root = await Deno.makeTempDir({ prefix: "twg-units-" });
    try {
      const spec = specFor(`${root}/home`, {
        environment: { LANG: "C.UTF-8" },
        keeperSocket: `${root}/run/twg/broker.sock`,
      });
      const files = renderSystemdUnits(spec);
      assert.equal(files.length, 3, "the keeper's service too");
      const paths = await writeUnits(spec, files);
      assert.deepEqual(await verifySystemdUnits(paths.reverse()), { code: 0, stderr: "" });
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

validationTest(
  "units for launcher and home paths with quotes, %, $, &, < and non-ASCII pass verify and run the same program",
  ["systemd-analyze"],
  async () => {
    const root = await Deno.makeTempDir({ prefix: "twg-units-" });
    let run = 0;
    try {
      await fc.assert(
        fc.asyncProperty(
          hostileQuotedPathName,
          hostileQuotedPathName,
          hostileArgument,
          async (home, bin, arg) => {
            const homeDir = `${root}/${run++}-${home}`;
            const spec = specFor(homeDir, {
              launcher: `${homeDir}/${bin}/twg`,
              launcherArgs: [arg],
              environment: { TWG_NOTE: arg },
              keeperSocket: `${homeDir}/${bin}/broker.sock`,
            });
            const files = renderSystemdUnits(spec);
            const { service } = units(spec);
            const argv = upkeepArgv(spec);
            const isDirect = !/["'\\]/.test(spec.launcher);
            assert.deepEqual(execStartArgv(service), isDirect ? argv : ["/usr/bin/env", ...argv]);
            const keeper = files[2]!.content;
            const serve = keeperArgv(spec);
            assert.deepEqual(execStartArgv(keeper), isDirect ? serve : ["/usr/bin/env", ...serve]);
            assert.deepEqual(environmentOf(keeper), environmentOf(service));
            assert.deepEqual(environmentOf(service), {
              TWG_NOTE: arg,
              TWG_CONFIG_DIR: spec.configDir,
            });
            const paths = await writeUnits(spec, files);
            assert.deepEqual(await verifySystemdUnits(paths.reverse()), { code: 0, stderr: "" });
          },
        ),
        { numRuns: 25 },
      );
    } finally {
      await Deno.remove(root, { recursive: true });
    }
  },
);

/** A fake env whose `$XDG_RUNTIME_DIR/bus` is a real listening socket. */
function withUserBus(env: FakeEnv): Deno.Listener {
  const runtimeDir = `${env.tempDir}/run`;
  Deno.mkdirSync(runtimeDir, { mode: 0o700 });
  env.getVar = (name) => name === "XDG_RUNTIME_DIR" ? runtimeDir : undefined;
  return Deno.listen({ transport: "unix", path: `${runtimeDir}/bus` });
}

function argvOf(env: FakeEnv): string[] {
  return env.calls.map((call) => [call.command, ...call.args].join(" "));
}

async function unitFilesIn(homeDir: string): Promise<string[]> {
  try {
    return (await Array.fromAsync(Deno.readDir(systemdUnitDir(homeDir)))).map((entry) =>
      entry.name
    );
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return [];
    throw error;
  }
}

/** Every `systemctl --user` call succeeds, silently. */
const SYSTEMCTL_OK: ScriptedCommand = { command: "systemctl", result: {} };

Deno.test("installSystemdTimer checks the user manager, writes both units, reloads and enables the timer", async () => {
  await using env = fakeEnv({ commands: [SYSTEMCTL_OK] });
  using _bus = withUserBus(env);
  const spec = specFor(env.homeDir);
  await installSystemdTimer(env, spec);
  assert.deepEqual(argvOf(env), [
    "systemctl --user show-environment",
    "systemctl --user daemon-reload",
    "systemctl --user enable --now twg-upkeep.timer",
  ]);
  for (const file of renderSystemdUnits(spec)) {
    assert.equal(await Deno.readTextFile(file.path), file.content);
  }
});

Deno.test("installSystemdTimer accepts DBUS_SESSION_BUS_ADDRESS instead of a bus socket", async () => {
  await using env = fakeEnv({
    vars: { DBUS_SESSION_BUS_ADDRESS: "unix:path=/run/user/1000/bus" },
    commands: [SYSTEMCTL_OK],
  });
  await installSystemdTimer(env, specFor(env.homeDir));
  assert.deepEqual(
    await unitFilesIn(env.homeDir),
    ["twg-upkeep.service", "twg-upkeep.timer"].sort(),
  );
});

Deno.test("installSystemdTimer says so when systemctl is missing, and writes nothing", async () => {
  await using env = fakeEnv({
    commands: [{ command: "systemctl", result: { code: 127, stderr: "spawn systemctl ENOENT" } }],
  });
  await assert.rejects(installSystemdTimer(env, specFor(env.homeDir)), {
    message: /^Cannot enable upkeep: systemctl was not found, so this system does not run systemd/,
  });
  assert.deepEqual(argvOf(env), ["systemctl --user show-environment"]);
  assert.deepEqual(await unitFilesIn(env.homeDir), []);
});

Deno.test("installSystemdTimer without a user D-Bus session explains how to get one, and writes nothing", async () => {
  await using env = fakeEnv({
    commands: [{
      command: "systemctl",
      result: {
        code: 1,
        stderr:
          "Failed to connect to bus: $DBUS_SESSION_BUS_ADDRESS and $XDG_RUNTIME_DIR not defined\n",
      },
    }],
  });
  using _booted = bootedWithSystemd(env.homeDir);
  await assert.rejects(installSystemdTimer(env, specFor(env.homeDir)), (error: PlatformError) => {
    assert.match(error.message, /^Cannot enable upkeep: no systemd user session is reachable: /);
    assert.ok(error.hint?.includes('"loginctl enable-linger $USER"'));
    assert.ok(
      error.hint?.startsWith("Log in through a session that starts your systemd user manager"),
    );
    return true;
  });
  assert.deepEqual(await unitFilesIn(env.homeDir), []);
});

Deno.test("installSystemdTimer reports systemctl's stderr when the user manager does not answer", async () => {
  await using env = fakeEnv({
    commands: [{
      command: "systemctl",
      args: ["--user", "show-environment"],
      result: { code: 1, stderr: "Failed to connect to bus: Connection refused\n" },
    }],
  });
  using _bus = withUserBus(env);
  using _booted = bootedWithSystemd(env.homeDir);
  await assert.rejects(installSystemdTimer(env, specFor(env.homeDir)), (error: PlatformError) => {
    assert.equal(
      error.message,
      'Cannot enable upkeep: the systemd user manager did not answer: "systemctl --user show-environment" ' +
        "failed with exit code 1: Failed to connect to bus: Connection refused",
    );
    assert.ok(error.hint?.includes("loginctl enable-linger $USER"));
    return true;
  });
  assert.deepEqual(await unitFilesIn(env.homeDir), []);
});

Deno.test("installSystemdTimer rolls back and reports systemctl's stderr verbatim when enabling fails", async () => {
  const stderr =
    "Failed to enable unit: Unit file /home/ada/.config/systemd/user/twg-upkeep.timer is masked.\n";
  await using env = fakeEnv({
    commands: [
      { command: "systemctl", args: ["--user", "enable"], result: { code: 1, stderr } },
      SYSTEMCTL_OK,
    ],
  });
  using _bus = withUserBus(env);
  await assert.rejects(installSystemdTimer(env, specFor(env.homeDir)), {
    message:
      `Cannot enable upkeep: "systemctl --user enable --now twg-upkeep.timer" failed with exit code 1: ${stderr.trimEnd()}`,
  });
  assert.deepEqual(argvOf(env), [
    "systemctl --user show-environment",
    "systemctl --user daemon-reload",
    "systemctl --user enable --now twg-upkeep.timer",
    "systemctl --user disable twg-upkeep.timer",
    "systemctl --user daemon-reload",
  ]);
  assert.deepEqual(await unitFilesIn(env.homeDir), []);
});

Deno.test("installSystemdTimer rolls back when daemon-reload fails", async () => {
  await using env = fakeEnv({
    commands: [{
      command: "systemctl",
      args: ["--user", "daemon-reload"],
      result: { code: 1, stderr: "Failed to reload daemon: Access denied" },
    }, SYSTEMCTL_OK],
  });
  using _bus = withUserBus(env);
  await assert.rejects(installSystemdTimer(env, specFor(env.homeDir)), {
    message: /exit code 1: Failed to reload daemon: Access denied$/,
  });
  assert.deepEqual(await unitFilesIn(env.homeDir), []);
});

Deno.test("uninstallSystemdTimer disables the timer, removes both units and reloads", async () => {
  await using env = fakeEnv({ commands: [SYSTEMCTL_OK] });
  using _bus = withUserBus(env);
  await installSystemdTimer(env, specFor(env.homeDir));
  env.calls.length = 0;

  await uninstallSystemdTimer(env, env.homeDir);
  assert.deepEqual(argvOf(env), [
    "systemctl --user disable --now twg-upkeep.timer",
    "systemctl --user daemon-reload",
  ]);
  assert.deepEqual(await unitFilesIn(env.homeDir), []);
});

Deno.test("uninstallSystemdTimer succeeds when nothing is installed, even without systemd", async () => {
  for (
    const result of [
      { code: 1, stderr: "Failed to disable unit: Unit file twg-upkeep.timer does not exist.\n" },
      { code: 127, stderr: "spawn systemctl ENOENT" },
      { code: 1, stderr: "Failed to connect to bus: No medium found" },
    ]
  ) {
    await using env = fakeEnv({ commands: [{ command: "systemctl", result }] });
    await uninstallSystemdTimer(env, env.homeDir);
    await uninstallSystemdTimer(env, env.homeDir);
    assert.deepEqual(argvOf(env), [
      "systemctl --user disable --now twg-upkeep.timer",
      "systemctl --user disable --now twg-upkeep.timer",
    ]);
  }
});

Deno.test("uninstallSystemdTimer keeps the units and reports systemctl's stderr when disabling fails", async () => {
  await using env = fakeEnv({ commands: [SYSTEMCTL_OK] });
  using _bus = withUserBus(env);
  await installSystemdTimer(env, specFor(env.homeDir));
  env.run = () =>
    Promise.resolve({ code: 1, stdout: "", stderr: "Failed to connect to bus: No medium found\n" });
  await assert.rejects(uninstallSystemdTimer(env, env.homeDir), {
    message:
      'Cannot disable upkeep: "systemctl --user disable --now twg-upkeep.timer" failed with exit code 1: ' +
      "Failed to connect to bus: No medium found",
  });
  assert.equal((await unitFilesIn(env.homeDir)).length, 2);
});

Deno.test("systemdTimerStatus reads is-enabled and is-active", async () => {
  const statusWith = async (enabled: string, active: string, activeCode: number) => {
    await using env = fakeEnv({
      commands: [
        {
          command: "systemctl",
          args: ["--user", "is-enabled"],
          result: { code: enabled === "enabled" ? 0 : 1, stdout: `${enabled}\n` },
        },
        {
          command: "systemctl",
          args: ["--user", "is-active"],
          result: { code: activeCode, stdout: `${active}\n` },
        },
      ],
    });
    const status = await systemdTimerStatus(env);
    assert.deepEqual(argvOf(env), [
      "systemctl --user is-enabled twg-upkeep.timer",
      "systemctl --user is-active twg-upkeep.timer",
    ]);
    return status;
  };
  assert.deepEqual(await statusWith("enabled", "active", 0), {
    installed: true,
    active: true,
    detail: "twg-upkeep.timer is enabled and active",
  });
  assert.deepEqual(await statusWith("disabled", "inactive", 3), {
    installed: true,
    active: false,
    detail: "twg-upkeep.timer is disabled and inactive",
  });
  assert.deepEqual(await statusWith("not-found", "inactive", 3), {
    installed: false,
    active: false,
    detail: "twg-upkeep.timer is not-found and inactive",
  });

  await using unreachable = fakeEnv({
    commands: [{
      command: "systemctl",
      result: { code: 1, stderr: "Failed to connect to bus: No medium found" },
    }],
  });
  assert.deepEqual(await systemdTimerStatus(unreachable), {
    installed: false,
    active: false,
    detail: "twg-upkeep.timer: exit code 1: Failed to connect to bus: No medium found",
  });
});

Deno.test("schedulerFor linux is the systemd user timer", () => {
  const scheduler = schedulerFor("linux");
  assert.equal(scheduler.name, "systemd");
  assert.equal(scheduler.render, systemdScheduler.render);
});

Deno.test("schedulerFor linux turns a refused unit directory into a typed error with a next step", async () => {
  await using env = fakeEnv({
    vars: { DBUS_SESSION_BUS_ADDRESS: "unix:path=/run/user/1000/bus" },
    commands: [{ command: "systemctl", args: ["--user", "show-environment"], result: {} }],
    fs: {
      ...fileSystem,
      mkdir: () =>
        Promise.reject(new Error("EACCES: permission denied, mkdir '~/.config/systemd'")),
    },
  });
  await assert.rejects(schedulerFor("linux").install(env, specFor(env.homeDir)), (error) => {
    assert.ok(error instanceof PlatformError);
    assert.equal(
      error.message,
      "Cannot enable upkeep: EACCES: permission denied, mkdir '~/.config/systemd'",
    );
    assert.equal(error.exitCode, 1);
    assert.match(error.hint ?? "", /"twg upkeep enable" again/);
    return true;
  });
});

Deno.test("with a keeper: install enables and (re)starts it, status shows it, uninstall stops it and removes all three units", async () => {
  await using env = fakeEnv({ commands: [SYSTEMCTL_OK] });
  using _bus = withUserBus(env);
  const spec = specFor(env.homeDir, { keeperSocket: `${env.tempDir}/run/twg/broker.sock` });
  await installSystemdTimer(env, spec);
  assert.deepEqual(argvOf(env), [
    "systemctl --user show-environment",
    "systemctl --user daemon-reload",
    "systemctl --user enable --now twg-upkeep.timer",
    "systemctl --user enable twg-keeper.service",
    "systemctl --user restart twg-keeper.service",
  ]);
  assert.deepEqual(
    (await unitFilesIn(env.homeDir)).sort(),
    ["twg-keeper.service", "twg-upkeep.service", "twg-upkeep.timer"],
  );
  const run = env.run;
  const asked: string[] = [];
  env.run = (command, args) => {
    asked.push([command, ...args].join(" "));
    const word = args[1] === "is-enabled" ? "enabled" : "active";
    return Promise.resolve({ code: 0, stdout: `${word}\n`, stderr: "" });
  };
  const status = await systemdScheduler.status(env, spec);
  assert.deepEqual(status.keeper, { active: true, detail: "twg-keeper.service is active" });
  assert.equal(
    status.detail,
    "twg-upkeep.timer is enabled and active; twg-keeper.service is active",
  );
  assert.ok(asked.includes("systemctl --user is-active twg-keeper.service"));
  env.run = run;
  env.calls.length = 0;
  await uninstallSystemdTimer(env, env.homeDir);
  assert.deepEqual(argvOf(env), [
    "systemctl --user disable --now twg-upkeep.timer",
    "systemctl --user disable --now twg-keeper.service",
    "systemctl --user daemon-reload",
  ]);
  assert.deepEqual(await unitFilesIn(env.homeDir), []);
});

Deno.test("with a keeper: a failed keeper start rolls everything back", async () => {
  await using env = fakeEnv({
    commands: [
      {
        command: "systemctl",
        args: ["--user", "restart", "twg-keeper.service"],
        result: { code: 1, stderr: "Job for twg-keeper.service failed.\n" },
      },
      SYSTEMCTL_OK,
    ],
  });
  using _bus = withUserBus(env);
  const spec = specFor(env.homeDir, { keeperSocket: `${env.tempDir}/run/twg/broker.sock` });
  await assert.rejects(installSystemdTimer(env, spec), {
    message:
      'Cannot enable upkeep: "systemctl --user restart twg-keeper.service" failed with exit code 1: Job for twg-keeper.service failed.',
  });
  assert.ok(argvOf(env).includes("systemctl --user disable --now twg-keeper.service"));
  assert.deepEqual(await unitFilesIn(env.homeDir), []);
});

/** Points the sd_booted(3) marker at `path` (an existing directory: booted) for one test. */
function bootedWithSystemd(path: string): Disposable {
  const previous = systemdBootMarker.path;
  systemdBootMarker.path = path;
  return { [Symbol.dispose]: () => void (systemdBootMarker.path = previous) };
}

Deno.test("installSystemdTimer on a system not started by systemd: no linger advice, another way to run upkeep", async () => {
  await using env = fakeEnv({
    commands: [{
      command: "systemctl",
      result: { code: 1, stderr: "Failed to connect to bus: No medium found\n" },
    }],
  });
  using _booted = bootedWithSystemd(`${env.homeDir}/no-such-marker`);
  await assert.rejects(installSystemdTimer(env, specFor(env.homeDir)), (error: PlatformError) => {
    assert.match(error.message, /^Cannot enable upkeep: this system was not started by systemd/);
    assert.ok(!error.hint?.includes("linger"), error.hint);
    assert.ok(error.hint?.includes("*/12 * * * * twg upkeep run"), error.hint);
    return true;
  });
  assert.deepEqual(await unitFilesIn(env.homeDir), []);
});
