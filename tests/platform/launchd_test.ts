import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  installLaunchAgent,
  KEEPER_AGENT_LABEL,
  launchAgentPath,
  launchAgentStatus,
  launchdScheduler,
  renderLaunchAgent,
  uninstallLaunchAgent,
} from "../../platform/launchd.ts";
import {
  encodeRenderedFile,
  keeperArgv,
  type RenderedFile,
  schedulerFor,
  type ScheduleSpec,
} from "../../platform/mod.ts";
import { FAKE_NOW, fakeEnv } from "../_fake_env.ts";
import { validatePlist, validationTest } from "./_schemas.ts";
import { specFor } from "./_spec.ts";

/** A file or directory name built from the characters that break naive quoting. */
const hostileName = fc.array(
  fc.oneof(
    fc.constantFrom(" ", '"', "'", "%", "%%", "&", "&amp;", "<", ">", "]]>", "$", "$HOME"),
    fc.constantFrom("${X}", "\\", '\\"', "é", "ß", "😀", "中文", "a", "-"),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 2 }).filter((s) => !s.includes("/")),
  ),
  { minLength: 1, maxLength: 6 },
).map((pieces) => pieces.join(""));

const XML_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
};

function unescapeXml(text: string): string {
  return text.replace(/&(amp|lt|gt|quot|apos);/g, (_, name: string) => XML_ENTITIES[name] ?? "");
}

/** The `<string>` values of the array or dict that follows `<key>name</key>`. */
function plistStrings(plist: string, name: string): string[] {
  const body = new RegExp(`<key>${name}</key>\\s*<(array|dict)>([\\s\\S]*?)</\\1>`).exec(plist)
    ?.[2];
  assert.ok(body !== undefined, `no ${name} in the plist`);
  return [...body.matchAll(/<(?:string|key)>([\s\S]*?)<\/(?:string|key)>/g)]
    .map((match) => unescapeXml(match[1] ?? ""));
}

/** The unescaped `<string>` value of `key` in the top-level dict. */
function plistValue(plist: string, key: string): string | undefined {
  const value = new RegExp(`<key>${key}</key>\\s*<string>([\\s\\S]*?)</string>`).exec(plist)?.[1];
  return value === undefined ? undefined : unescapeXml(value);
}

/** Validates `file` from a scratch directory that is removed afterwards. */
async function validateRendered(file: RenderedFile) {
  const dir = await Deno.makeTempDir({ prefix: "twg-plist-" });
  try {
    const path = `${dir}/dev.twg.upkeep.plist`;
    await Deno.writeFile(path, encodeRenderedFile(file));
    return await validatePlist(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("renderLaunchAgent writes the agent for the upkeep job under ~/Library/LaunchAgents", () => {
  const [plist, ...others] = renderLaunchAgent(specFor("/Users/ada", {
    environment: { PATH: "/usr/bin:/bin" },
  }));
  assert.equal(others.length, 0);
  assert.equal(plist?.path, "/Users/ada/Library/LaunchAgents/dev.twg.upkeep.plist");
  assert.equal(plist?.encoding, "utf-8");
  const content = plist?.content ?? "";
  assert.match(content, /<key>Label<\/key>\s*<string>dev\.twg\.upkeep<\/string>/);
  assert.deepEqual(plistStrings(content, "ProgramArguments"), [
    "/Users/ada/.deno/bin/twg",
    "upkeep",
    "run",
  ]);
  assert.deepEqual(plistStrings(content, "EnvironmentVariables"), [
    "PATH",
    "/usr/bin:/bin",
    "TWG_CONFIG_DIR",
    "/Users/ada/.config/twg",
  ]);
  assert.match(content, /<key>StartInterval<\/key>\s*<integer>720<\/integer>/);
  assert.match(content, /<key>RunAtLoad<\/key>\s*<true\/>/);
  assert.match(content, /<key>ProcessType<\/key>\s*<string>Background<\/string>/);
  assert.match(content, /<key>LowPriorityIO<\/key>\s*<true\/>/);
  for (const key of ["StandardOutPath", "StandardErrorPath"]) {
    assert.equal(plistValue(content, key), "/Users/ada/Library/Logs/twg/upkeep.log");
  }
  assert.match(
    content,
    /<!DOCTYPE plist PUBLIC "-\/\/Apple\/\/DTD PLIST 1\.0\/\/EN" "http:\/\/www\.apple\.com\/DTDs\/PropertyList-1\.0\.dtd">/,
  );
});

Deno.test("renderLaunchAgent puts launcher arguments before upkeep run", () => {
  const [plist] = renderLaunchAgent(specFor("/Users/ada", {
    launcher: "/opt/homebrew/bin/deno",
    launcherArgs: ["run", "-A", "/Users/ada/twg/main.ts"],
  }));
  assert.deepEqual(plistStrings(plist?.content ?? "", "ProgramArguments"), [
    "/opt/homebrew/bin/deno",
    "run",
    "-A",
    "/Users/ada/twg/main.ts",
    "upkeep",
    "run",
  ]);
});

Deno.test("renderLaunchAgent lets configDir win over a TWG_CONFIG_DIR in the environment", () => {
  const [plist] = renderLaunchAgent(specFor("/Users/ada", {
    environment: { TWG_CONFIG_DIR: "/elsewhere" },
  }));
  assert.deepEqual(plistStrings(plist?.content ?? "", "EnvironmentVariables"), [
    "TWG_CONFIG_DIR",
    "/Users/ada/.config/twg",
  ]);
});

Deno.test("renderLaunchAgent refuses a line break or NUL anywhere in the spec", () => {
  const cases: Array<[Partial<ScheduleSpec>, string]> = [
    [{ launcher: "/Users/ada/bin/twg\n" }, "the launcher path contains a line break"],
    [{ homeDir: "/Users/a\rda" }, "the home directory path contains a line break"],
    [{ configDir: "/Users/ada/\ntwg" }, "the config directory path contains a line break"],
    [{ launcherArgs: ["run", "x\ny"] }, "launcher argument 2 contains a line break"],
    [{ environment: { LANG: "C\n" } }, "the value of LANG contains a line break"],
    [{ launcher: "/Users/ada/bin/twg\0" }, "the launcher path contains a NUL character"],
    [{ launcher: "bin/twg" }, "the launcher path is not absolute: bin/twg"],
    [{ environment: { "A B": "1" } }, 'the environment variable name "A B" is not valid'],
  ];
  for (const [overrides, detail] of cases) {
    assert.throws(
      () => renderLaunchAgent({ ...specFor("/Users/ada"), ...overrides }),
      { message: `Cannot schedule upkeep: ${detail}` },
    );
  }
});

Deno.test("renderLaunchAgent refuses a line break at any position of the launcher path", () => {
  fc.assert(
    fc.property(hostileName, fc.nat(), fc.constantFrom("\n", "\r", "\r\n"), (name, at, eol) => {
      const launcher = `/Users/${name}/twg`;
      const cut = at % (launcher.length + 1);
      const broken = launcher.slice(0, cut) + eol + launcher.slice(cut);
      assert.throws(() => renderLaunchAgent(specFor("/Users/ada", { launcher: broken })), {
        message: "Cannot schedule upkeep: the launcher path contains a line break",
      });
    }),
  );
});

validationTest(
  "the rendered plist is valid against Apple's plist DTD",
  ["schemas", "xmllint"],
  async () => {
    const [plist] = renderLaunchAgent(
      specFor("/Users/ada", { environment: { LANG: "en_US.UTF-8" } }),
    );
    assert.ok(plist);
    assert.deepEqual(await validateRendered(plist), { code: 0, stderr: "" });
  },
);

validationTest(
  "plists for hostile launcher and home paths stay valid and run the same program",
  ["schemas", "xmllint"],
  async () => {
    await fc.assert(
      fc.asyncProperty(hostileName, hostileName, hostileName, async (home, bin, arg) => {
        const homeDir = `/Users/${home}`;
        const spec = specFor(homeDir, {
          launcher: `${homeDir}/${bin}/twg`,
          launcherArgs: [arg],
          environment: { TWG_NOTE: arg },
          keeperSocket: `${homeDir}/${bin}/broker.sock`,
        });
        const [plist, keeper] = renderLaunchAgent(spec);
        assert.ok(plist && keeper);
        assert.deepEqual(await validateRendered(plist), { code: 0, stderr: "" });
        assert.deepEqual(await validateRendered(keeper), { code: 0, stderr: "" });
        assert.deepEqual(plistStrings(keeper.content, "ProgramArguments"), keeperArgv(spec));
        assert.deepEqual(
          plistStrings(keeper.content, "EnvironmentVariables"),
          plistStrings(plist.content, "EnvironmentVariables"),
        );
        assert.equal(
          plistValue(keeper.content, "StandardErrorPath"),
          `${homeDir}/Library/Logs/twg/keeper.log`,
        );
        assert.deepEqual(plistStrings(plist.content, "ProgramArguments"), [
          spec.launcher,
          arg,
          "upkeep",
          "run",
        ]);
        assert.deepEqual(plistStrings(plist.content, "EnvironmentVariables"), [
          "TWG_NOTE",
          arg,
          "TWG_CONFIG_DIR",
          spec.configDir,
        ]);
        assert.equal(
          plistValue(plist.content, "StandardErrorPath"),
          `${homeDir}/Library/Logs/twg/upkeep.log`,
        );
      }),
      { numRuns: 25 },
    );
  },
);

Deno.test("renderLaunchAgent adds the keeper: auth serve at load, kept alive after a failure, not after a clean exit", () => {
  const spec = specFor("/Users/ada", { keeperSocket: "/var/folders/x/T/twg-501/broker.sock" });
  const files = renderLaunchAgent(spec);
  assert.deepEqual(files.map((file) => file.path), [
    "/Users/ada/Library/LaunchAgents/dev.twg.upkeep.plist",
    "/Users/ada/Library/LaunchAgents/dev.twg.keeper.plist",
  ]);
  const keeper = files[1]!.content;
  assert.equal(plistValue(keeper, "Label"), KEEPER_AGENT_LABEL);
  assert.deepEqual(plistStrings(keeper, "ProgramArguments"), [
    "/Users/ada/.deno/bin/twg",
    "auth",
    "serve",
    "--socket",
    "/var/folders/x/T/twg-501/broker.sock",
  ]);
  assert.match(keeper, /<key>RunAtLoad<\/key>\s*<true\/>/);
  assert.match(
    keeper,
    /<key>KeepAlive<\/key>\s*<dict>\s*<key>SuccessfulExit<\/key>\s*<false\/>\s*<\/dict>/,
  );
  assert.doesNotMatch(keeper, /StartInterval|<key>Sockets<\/key>/);
  assert.equal(renderLaunchAgent(specFor("/Users/ada")).length, 1, "no keeper without a socket");
});

Deno.test("with a keeper: install bootstraps both agents, status shows the keeper, uninstall boots both out", async () => {
  await using env = fakeEnv({
    os: "darwin",
    commands: [{ command: "launchctl", args: ["bootout"], result: NOT_LOADED }, BOOTSTRAP_OK],
  });
  const spec = specFor(env.homeDir, { keeperSocket: `${env.tempDir}/twg-501/broker.sock` });
  await installLaunchAgent(env, spec, 501);
  const keeperPath = launchAgentPath(env.homeDir, KEEPER_AGENT_LABEL);
  assert.deepEqual(env.calls, [
    { command: "launchctl", args: ["bootout", "gui/501/dev.twg.upkeep"] },
    { command: "launchctl", args: ["bootstrap", "gui/501", launchAgentPath(env.homeDir)] },
    { command: "launchctl", args: ["bootout", "gui/501/dev.twg.keeper"] },
    { command: "launchctl", args: ["bootstrap", "gui/501", keeperPath] },
  ]);
  assert.equal(await Deno.readTextFile(keeperPath), renderLaunchAgent(spec)[1]?.content);
  const run = env.run;
  env.run = () => Promise.resolve({ code: 0, stdout: "state = running", stderr: "" });
  const status = await launchAgentStatus(env, env.homeDir, 501);
  assert.deepEqual(status.keeper, { active: true, detail: "dev.twg.keeper is loaded in gui/501" });
  assert.equal(
    status.detail,
    "dev.twg.upkeep is loaded in gui/501; dev.twg.keeper is loaded in gui/501",
  );
  env.run = run;
  env.calls.length = 0;
  await uninstallLaunchAgent(env, env.homeDir, 501);
  assert.deepEqual(env.calls, [
    { command: "launchctl", args: ["bootout", "gui/501/dev.twg.upkeep"] },
    { command: "launchctl", args: ["bootout", "gui/501/dev.twg.keeper"] },
  ]);
  await assert.rejects(Deno.stat(keeperPath), Deno.errors.NotFound);
});

Deno.test("with a keeper: a failed keeper bootstrap unloads the upkeep agent and removes both plists", async () => {
  await using env = fakeEnv({
    os: "darwin",
    commands: [
      { command: "launchctl", args: ["bootout"], result: NOT_LOADED },
      BOOTSTRAP_OK,
    ],
  });
  let bootstraps = 0;
  const run = env.run;
  env.run = (command, args, options) => {
    if (args[0] === "bootstrap" && ++bootstraps === 2) {
      env.calls.push({ command, args });
      return Promise.resolve({
        code: 5,
        stdout: "",
        stderr: "Bootstrap failed: 5: Input/output error\n",
      });
    }
    return run(command, args, options);
  };
  const spec = specFor(env.homeDir, { keeperSocket: `${env.tempDir}/twg-501/broker.sock` });
  await assert.rejects(installLaunchAgent(env, spec, 501), {
    message:
      /^Cannot enable upkeep: "launchctl bootstrap gui\/501 .*dev\.twg\.keeper\.plist" failed with exit code 5/,
  });
  assert.deepEqual(env.calls.at(-1), {
    command: "launchctl",
    args: ["bootout", "gui/501/dev.twg.upkeep"],
  });
  await assert.rejects(Deno.stat(launchAgentPath(env.homeDir)), Deno.errors.NotFound);
  await assert.rejects(
    Deno.stat(launchAgentPath(env.homeDir, KEEPER_AGENT_LABEL)),
    Deno.errors.NotFound,
  );
});

const NOT_LOADED = { code: 3, stderr: "Boot-out failed: 3: No such process\n" };
/** `launchctl bootstrap` succeeds. */
const BOOTSTRAP_OK = { command: "launchctl", args: ["bootstrap"], result: {} };
/** Every `launchctl` call succeeds (a loaded job boots out and is gone at once). */
const LAUNCHCTL_OK = [
  { command: "launchctl", args: ["print"], result: { code: 113 } },
  { command: "launchctl", result: {} },
];

Deno.test("installLaunchAgent writes the plist, boots out an old copy and bootstraps gui/<uid>", async () => {
  await using env = fakeEnv({
    os: "darwin",
    commands: [{ command: "launchctl", args: ["bootout"], result: NOT_LOADED }, BOOTSTRAP_OK],
  });
  const spec = specFor(env.homeDir);
  await installLaunchAgent(env, spec, 501);

  const plistPath = launchAgentPath(env.homeDir);
  assert.deepEqual(env.calls, [
    { command: "launchctl", args: ["bootout", "gui/501/dev.twg.upkeep"] },
    { command: "launchctl", args: ["bootstrap", "gui/501", plistPath] },
  ]);
  assert.equal(await Deno.readTextFile(plistPath), renderLaunchAgent(spec)[0]?.content);
  assert.ok((await Deno.stat(`${env.homeDir}/Library/Logs/twg`)).isDirectory);
});

Deno.test("installLaunchAgent waits until a booted-out agent is gone before bootstrapping", async () => {
  let prints = 0;
  await using env = fakeEnv({
    os: "darwin",
    run: (_command, args) =>
      Promise.resolve(
        args[0] === "print" && ++prints < 3
          ? { code: 0, stdout: "state = not running", stderr: "" }
          : args[0] === "print"
          ? { code: 113, stdout: "", stderr: "Could not find service" }
          : { code: 0, stdout: "", stderr: "" },
      ),
  });
  await installLaunchAgent(env, specFor(env.homeDir), 501);
  assert.deepEqual(env.calls.map((call) => call.args[0]), [
    "bootout",
    "print",
    "print",
    "print",
    "bootstrap",
  ]);
  assert.equal(env.now() - FAKE_NOW, 200, "two 100 ms waits");
});

Deno.test("installLaunchAgent removes the plist and reports launchctl's stderr when bootstrap fails", async () => {
  await using env = fakeEnv({
    os: "darwin",
    commands: [
      { command: "launchctl", args: ["bootout"], result: NOT_LOADED },
      {
        command: "launchctl",
        args: ["bootstrap"],
        result: { code: 5, stderr: "Bootstrap failed: 5: Input/output error\n" },
      },
    ],
  });
  await assert.rejects(installLaunchAgent(env, specFor(env.homeDir), 501), (error: Error) => {
    assert.match(error.message, /^Cannot enable upkeep: "launchctl bootstrap gui\/501 /);
    assert.ok(error.message.includes("exit code 5: Bootstrap failed: 5: Input/output error"));
    assert.ok(!error.message.includes("bootout"), "a not-loaded bootout is not worth mentioning");
    return true;
  });
  await assert.rejects(Deno.stat(launchAgentPath(env.homeDir)), Deno.errors.NotFound);
});

Deno.test("installLaunchAgent also reports an unexpected bootout failure when bootstrap then fails", async () => {
  await using env = fakeEnv({
    os: "darwin",
    commands: [
      {
        command: "launchctl",
        args: ["bootout"],
        result: { code: 1, stderr: "Operation not permitted" },
      },
      {
        command: "launchctl",
        args: ["bootstrap"],
        result: { code: 37, stderr: "Bootstrap failed: 37" },
      },
    ],
  });
  await assert.rejects(installLaunchAgent(env, specFor(env.homeDir), 501), (error: Error) => {
    assert.ok(error.message.includes("exit code 37: Bootstrap failed: 37"));
    assert.ok(error.message.includes("exit code 1: Operation not permitted"));
    return true;
  });
  await assert.rejects(Deno.stat(launchAgentPath(env.homeDir)), Deno.errors.NotFound);
});

Deno.test("uninstallLaunchAgent boots out and removes the plist, and succeeds when nothing is installed", async () => {
  await using env = fakeEnv({ os: "darwin", commands: LAUNCHCTL_OK });
  await installLaunchAgent(env, specFor(env.homeDir), 501);
  env.calls.length = 0;

  await uninstallLaunchAgent(env, env.homeDir, 501);
  assert.deepEqual(env.calls, [{
    command: "launchctl",
    args: ["bootout", "gui/501/dev.twg.upkeep"],
  }]);
  await assert.rejects(Deno.stat(launchAgentPath(env.homeDir)), Deno.errors.NotFound);

  await using notLoaded = fakeEnv({
    os: "darwin",
    commands: [{ command: "launchctl", args: ["bootout"], result: NOT_LOADED }],
  });
  await uninstallLaunchAgent(notLoaded, notLoaded.homeDir, 501);
  await uninstallLaunchAgent(notLoaded, notLoaded.homeDir, 501);
});

Deno.test("uninstallLaunchAgent keeps the plist and reports launchctl's stderr when bootout fails", async () => {
  await using env = fakeEnv({ os: "darwin", commands: LAUNCHCTL_OK });
  await installLaunchAgent(env, specFor(env.homeDir), 501);
  const failing = {
    code: 150,
    stderr:
      "Boot-out failed: 150: Operation not permitted while System Integrity Protection is engaged\n",
  };
  env.run = () => Promise.resolve({ stdout: "", ...failing });
  await assert.rejects(uninstallLaunchAgent(env, env.homeDir, 501), {
    message:
      'Cannot disable upkeep: "launchctl bootout gui/501/dev.twg.upkeep" failed with exit code 150: ' +
      "Boot-out failed: 150: Operation not permitted while System Integrity Protection is engaged",
  });
  assert.ok((await Deno.stat(launchAgentPath(env.homeDir))).isFile);
});

Deno.test("launchAgentStatus reports the plist and whether launchctl print finds the job", async () => {
  await using env = fakeEnv({
    os: "darwin",
    commands: [
      {
        command: "launchctl",
        args: ["print"],
        result: { code: 113, stderr: "Could not find service" },
      },
      { command: "launchctl", args: ["bootout"], result: NOT_LOADED },
      BOOTSTRAP_OK,
    ],
  });
  assert.deepEqual(await launchAgentStatus(env, env.homeDir, 501), {
    installed: false,
    active: false,
    detail: "dev.twg.upkeep is not installed",
  });
  assert.deepEqual(env.calls, [{
    command: "launchctl",
    args: ["print", "gui/501/dev.twg.upkeep"],
  }]);

  await installLaunchAgent(env, specFor(env.homeDir), 501);
  assert.deepEqual(await launchAgentStatus(env, env.homeDir, 501), {
    installed: true,
    active: false,
    detail: `${launchAgentPath(env.homeDir)} exists but is not loaded`,
  });

  env.run = () => Promise.resolve({ code: 0, stdout: "state = not running", stderr: "" });
  assert.deepEqual(await launchAgentStatus(env, env.homeDir, 501), {
    installed: true,
    active: true,
    detail: "dev.twg.upkeep is loaded in gui/501",
  });
});

Deno.test("schedulerFor darwin is launchd and finds the GUI domain with id -u", async () => {
  assert.equal(schedulerFor("darwin").name, launchdScheduler.name);
  assert.equal(schedulerFor("darwin").render, launchdScheduler.render);
  await using env = fakeEnv({
    os: "darwin",
    commands: [
      { command: "id", args: ["-u"], result: { stdout: "502\n" } },
      { command: "launchctl", args: ["bootout"], result: NOT_LOADED },
      BOOTSTRAP_OK,
    ],
  });
  await launchdScheduler.install(env, specFor(env.homeDir));
  assert.deepEqual(env.calls.map((call) => [call.command, ...call.args].join(" ")), [
    "id -u",
    "launchctl bootout gui/502/dev.twg.upkeep",
    `launchctl bootstrap gui/502 ${launchAgentPath(env.homeDir)}`,
  ]);
});

Deno.test("launchdScheduler refuses to guess the uid when id -u fails", async () => {
  await using env = fakeEnv({
    os: "darwin",
    commands: [{ command: "id", result: { code: 127, stderr: "id: not found" } }],
  });
  await assert.rejects(launchdScheduler.status(env, specFor(env.homeDir)), {
    message: 'Cannot find the current user id: "id -u" failed with exit code 127: id: not found',
  });
});
