import { strict as assert } from "node:assert";
import fc from "fast-check";
import type { FileSystem } from "../../src/env.ts";
import { UsageError } from "../../src/errors.ts";
import {
  encodeRenderedFile,
  type RenderedFile,
  schedulerFor,
  type ScheduleSpec,
  upkeepArgv,
} from "../../platform/mod.ts";
import {
  installScheduledTask,
  renderScheduledTask,
  scheduledTaskStatus,
  taskScheduler,
  taskScriptSha256,
  uninstallScheduledTask,
} from "../../platform/task_scheduler.ts";
import { type FakeEnv, fakeEnv, type ScriptedCommand } from "../_fake_env.ts";
import { validateTaskXml, validationTest } from "./_schemas.ts";

const ADA = "C:\\Users\\ada";
const CONFIG_DIR = `${ADA}\\AppData\\Roaming\\twg`;
// The per-user local data directory, never the config directory (issue 20).
const SCRIPT = `${ADA}\\AppData\\Local\\twg\\twg-upkeep.js`;
const TASK_XML = `${CONFIG_DIR}\\twg-upkeep.xml`;

function specFor(overrides: Partial<ScheduleSpec> = {}): ScheduleSpec {
  return {
    launcher: `${ADA}\\.deno\\bin\\twg.exe`,
    launcherArgs: [],
    homeDir: ADA,
    configDir: CONFIG_DIR,
    environment: {},
    intervalMinutes: 12,
    ...overrides,
  };
}

/** Variables as a Windows session has them, for simulating `%NAME%` expansion. */
const WINDOWS_VARIABLES: Record<string, string> = {
  SystemRoot: "C:\\Windows",
  USERNAME: "ada",
  APPDATA: `${ADA}\\AppData\\Roaming`,
  USERPROFILE: ADA,
  X: "expanded-x",
};

/**
 * ExpandEnvironmentStrings, as Task Scheduler applies it to Command and
 * Arguments and WshShell.Run to its command line: `%NAME%` of a defined
 * variable (any case) becomes its value; anything else stays as it is.
 */
function expandEnvironmentStrings(text: string, variables: Record<string, string>): string {
  const byName = new Map(
    Object.entries(variables).map(([name, value]) => [name.toUpperCase(), value]),
  );
  return text.replace(
    /%([^%]*)%/g,
    (match, name: string) => byName.get(name.toUpperCase()) ?? match,
  );
}

/**
 * CommandLineToArgvW: the program name runs to the closing quote (or the
 * first blank) with no escapes; in arguments, 2n backslashes before a quote
 * are n backslashes and a delimiter, 2n+1 are n backslashes and a literal
 * quote, other backslashes are literal, and `""` inside quotes is a quote.
 */
function commandLineToArgv(line: string): string[] {
  let index = 0;
  let program: string;
  if (line.startsWith('"')) {
    const end = line.indexOf('"', 1);
    program = line.slice(1, end === -1 ? undefined : end);
    index = end === -1 ? line.length : end + 1;
  } else {
    program = /^[^ \t]*/.exec(line)?.[0] ?? "";
    index = program.length;
  }
  const argv = [program];
  for (;;) {
    while (line[index] === " " || line[index] === "\t") index++;
    if (index >= line.length) return argv;
    let arg = "";
    let quoted = false;
    while (index < line.length && (quoted || (line[index] !== " " && line[index] !== "\t"))) {
      if (line[index] === "\\") {
        const start = index;
        while (line[index] === "\\") index++;
        const count = index - start;
        if (line[index] === '"') {
          arg += "\\".repeat(Math.floor(count / 2));
          if (count % 2 === 1) {
            arg += '"';
            index++;
          }
        } else {
          arg += "\\".repeat(count);
        }
      } else if (line[index] === '"') {
        if (quoted && line[index + 1] === '"') {
          arg += '"';
          index += 2;
        } else {
          quoted = !quoted;
          index++;
        }
      } else {
        arg += line[index++];
      }
    }
    argv.push(arg);
  }
}

const XML_ENTITIES: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** The unescaped text of every `<name>` element in `xml`. */
function elements(xml: string, name: string): string[] {
  return [...xml.matchAll(new RegExp(`<${name}>([^<]*)</${name}>`, "g"))].map((match) =>
    (match[1] ?? "").replace(
      /&(amp|lt|gt|quot|apos);/g,
      (_, entity: string) => XML_ENTITIES[entity] ?? "",
    )
  );
}

const JS_STRING = String.raw`"(?:[^"\\]|\\.)*"`;

/** What the launcher script does: the variables it sets and the command line it runs. */
function readLauncherScript(
  script: string,
): { variables: Record<string, string>; commandLine: string } {
  const variables = Object.fromEntries(
    [...script.matchAll(new RegExp(`^environment\\((${JS_STRING})\\) = (${JS_STRING});$`, "gm"))]
      .map((match) => [JSON.parse(match[1] ?? ""), JSON.parse(match[2] ?? "")]),
  );
  const run = new RegExp(`^WScript\\.Quit\\(shell\\.Run\\((${JS_STRING}), 0, true\\)\\);$`, "m")
    .exec(script)?.[1];
  assert.ok(run !== undefined, "the script runs one command");
  assert.match(script, /^[\x20-\x7E\n]*$/, "the script is plain ASCII");
  return { variables, commandLine: JSON.parse(run) };
}

/**
 * What Windows finally runs: Task Scheduler expands and splits the Exec
 * action into wscript.exe's argv, and the script expands and runs its
 * command line with the variables it set.
 */
function executedArgv(
  files: RenderedFile[],
): { wscript: string[]; twg: string[]; variables: Record<string, string> } {
  const [task, script] = files;
  assert.ok(task && script);
  const [command] = elements(task.content, "Command");
  const [args] = elements(task.content, "Arguments");
  const wscript = commandLineToArgv(
    expandEnvironmentStrings(`"${command}" ${args}`, WINDOWS_VARIABLES),
  );
  const { variables, commandLine } = readLauncherScript(script.content);
  const twg = commandLineToArgv(
    expandEnvironmentStrings(commandLine, { ...WINDOWS_VARIABLES, ...variables }),
  );
  return { wscript, twg, variables };
}

Deno.test("renderScheduledTask renders the task XML and the launcher script beside the config", () => {
  const files = renderScheduledTask(specFor({ environment: { LANG: "C" } }), { userId: "PC\\ada" });
  assert.deepEqual(files.map((file) => [file.path, file.encoding]), [
    [TASK_XML, "utf-16le-bom"],
    [SCRIPT, "utf-8"],
  ]);
  const xml = files[0]?.content ?? "";
  assert.match(xml, /^<\?xml version="1\.0" encoding="UTF-16"\?>\n<Task version="1\.2" /);
  assert.deepEqual(elements(xml, "URI"), ["\\twg-upkeep"]);
  assert.deepEqual(elements(xml, "Interval"), ["PT12M"]);
  assert.deepEqual(elements(xml, "UserId"), ["PC\\ada", "PC\\ada"]);
  assert.deepEqual(elements(xml, "LogonType"), ["InteractiveToken"]);
  assert.deepEqual(elements(xml, "RunLevel"), ["LeastPrivilege"]);
  assert.deepEqual(elements(xml, "MultipleInstancesPolicy"), ["IgnoreNew"]);
  assert.deepEqual(elements(xml, "DisallowStartIfOnBatteries"), ["false"]);
  assert.deepEqual(elements(xml, "StopIfGoingOnBatteries"), ["false"]);
  assert.deepEqual(elements(xml, "StartWhenAvailable"), ["true"]);
  assert.deepEqual(elements(xml, "ExecutionTimeLimit"), ["PT5M"]);
  assert.deepEqual(elements(xml, "Hidden"), ["true"]);
  assert.match(xml, /<TimeTrigger>[\s\S]*<\/TimeTrigger>\s*<LogonTrigger>/);
  assert.match(xml, /<Actions Context="Author">/);
  assert.match(xml, /<Principal id="Author">/);

  const { wscript, twg, variables } = executedArgv(files);
  assert.deepEqual(wscript, [
    "C:\\Windows\\System32\\wscript.exe",
    "//B",
    "//NoLogo",
    "//E:JScript",
    SCRIPT,
    taskScriptSha256(files[1]!.content),
  ]);
  assert.deepEqual(twg, [`${ADA}\\.deno\\bin\\twg.exe`, "upkeep", "run"]);
  assert.deepEqual(variables, { LANG: "C", TWG_CONFIG_DIR: CONFIG_DIR });
});

Deno.test("renderScheduledTask leaves UserId out when the account is not known", () => {
  const [task] = renderScheduledTask(specFor());
  assert.deepEqual(elements(task?.content ?? "", "UserId"), []);
});

Deno.test("the task XML is encoded as UTF-16LE with a byte order mark", () => {
  const [task] = renderScheduledTask(specFor({ configDir: `${ADA}\\Ünïcode 😀\\twg` }));
  assert.ok(task);
  const bytes = encodeRenderedFile(task);
  assert.deepEqual([...bytes.subarray(0, 6)], [0xFF, 0xFE, 0x3C, 0x00, 0x3F, 0x00]);
  assert.equal(new TextDecoder("utf-16le").decode(bytes.subarray(2)), task.content);
});

Deno.test("renderScheduledTask quotes arguments with blanks, quotes, backslashes and % so they survive", () => {
  const spec = specFor({
    launcher: "C:\\Program Files\\twg & co\\100%\\deno.exe",
    launcherArgs: ["run", "-A", 'C:\\a "b"\\', "%USERNAME%", "x&y", ""],
  });
  const files = renderScheduledTask(spec);
  assert.deepEqual(executedArgv(files).twg, upkeepArgv(spec));
  assert.match(files[1]?.content ?? "", /environment\("TWG_PERCENT_SIGN"\) = "%";/);
});

Deno.test("renderScheduledTask refuses what Windows cannot run faithfully", () => {
  const cases: Array<[Partial<ScheduleSpec>, string]> = [
    [{ launcher: `${ADA}\\bin\\twg.exe\n` }, "the launcher path contains a line break"],
    [{ configDir: `${ADA}\\a\r\nb` }, "the config directory path contains a line break"],
    [{ launcher: `${ADA}\\"bin"\\twg.exe` }, "the launcher path contains a double quote"],
    [{ launcher: "bin\\twg.exe" }, "the launcher path is not absolute: bin\\twg.exe"],
    [
      { launcher: `${ADA}\\.deno\\bin\\twg.cmd`, launcherArgs: ["--note=100%"] },
      `the command line of the batch-file launcher ${ADA}\\.deno\\bin\\twg.cmd contains %, ! or ", ` +
      "which cmd.exe would change",
    ],
  ];
  for (const [overrides, detail] of cases) {
    assert.throws(
      () => renderScheduledTask(specFor(overrides)),
      (error: unknown) =>
        error instanceof UsageError && error.message === `Cannot schedule upkeep: ${detail}` &&
        error.hint !== undefined,
    );
  }
});

Deno.test("the task pins its script's SHA-256 in its own Arguments, and the script hands it to twg", () => {
  const files = renderScheduledTask(specFor({}));
  const script = files[1]!.content;
  const hash = taskScriptSha256(script);
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(executedArgv(files).wscript.at(-1), hash);
  // The script sets the path and the hash twg checks it against (src/upkeep/pins.ts).
  assert.match(script, /^environment\("TWG_PINNED_TASK_SCRIPT"\) = WScript\.ScriptFullName;$/m);
  assert.match(
    script,
    /^environment\("TWG_PINNED_TASK_SCRIPT_SHA256"\) = WScript\.Arguments\.length > 0 \? WScript\.Arguments\(0\) : "missing";$/m,
  );
  // Another spec, another script, another pin.
  const other = renderScheduledTask(specFor({ environment: { LANG: "C" } }));
  assert.notEqual(taskScriptSha256(other[1]!.content), hash);
  assert.equal(executedArgv(other).wscript.at(-1), taskScriptSha256(other[1]!.content));
});

Deno.test("renderScheduledTask names a script under a config directory with %NAME% through %USERPROFILE%", () => {
  const configDir = `${ADA}\\%APPDATA%\\twg`;
  const files = renderScheduledTask(specFor({ configDir }));
  const home = `${ADA}\\AppData\\Local\\twg\\twg-upkeep.js`;
  assert.equal(files[1]?.path, home);
  assert.deepEqual(elements(files[0]?.content ?? "", "Arguments"), [
    '//B //NoLogo //E:JScript "%USERPROFILE%\\AppData\\Local\\twg\\twg-upkeep.js" ' +
    taskScriptSha256(files[1]!.content),
  ]);
  const { wscript, variables } = executedArgv(files);
  assert.equal(wscript.at(-2), home);
  assert.equal(variables.TWG_CONFIG_DIR, configDir);
});

Deno.test("a batch-file launcher gets every cmd.exe metacharacter inside quotes", () => {
  const spec = specFor({
    launcher: `${ADA}\\.deno\\bin\\twg.cmd`,
    launcherArgs: ["a&b|c", "(x)^<y>"],
  });
  const { commandLine } = readLauncherScript(renderScheduledTask(spec)[1]?.content ?? "");
  assert.equal(commandLine, `"${ADA}\\.deno\\bin\\twg.cmd" "a&b|c" "(x)^<y>" upkeep run`);
});

/** A Windows path segment built from the characters that break naive quoting. */
function hostileSegment(pieces: string[]): fc.Arbitrary<string> {
  return fc.array(
    fc.oneof(
      fc.constantFrom(...pieces),
      fc.constantFrom("é", "ß", "😀", "中文", "a", "-"),
      fc.string({ unit: "grapheme", minLength: 1, maxLength: 2 }).filter((s) => !s.includes('"')),
    ),
    { minLength: 1, maxLength: 6 },
  ).map((parts) => parts.join(""));
}

const PATH_PIECES = [
  " ",
  "%",
  "%%",
  "%X%",
  "%USERNAME%",
  "&",
  "<",
  ">",
  "$",
  "^",
  "\\",
  "\\\\",
  "'",
];
const hostilePath = hostileSegment(PATH_PIECES);
const hostileArgument = hostileSegment([...PATH_PIECES, '"', '\\"', '\\\\"']);

validationTest(
  "the rendered task XML is valid against the Task Scheduler schema",
  ["schemas", "xmllint"],
  async () => {
    for (const options of [{}, { userId: "PC\\ada" }]) {
      const [task] = renderScheduledTask(specFor(), options);
      assert.ok(task);
      assert.equal((await validateRendered(task)).code, 0);
    }
  },
);

/** Validates `file` from a scratch directory that is removed afterwards. */
async function validateRendered(file: RenderedFile) {
  const dir = await Deno.makeTempDir({ prefix: "twg-task-" });
  try {
    const path = `${dir}/twg-upkeep.xml`;
    await Deno.writeFile(path, encodeRenderedFile(file));
    return await validateTaskXml(path);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

validationTest(
  "tasks for launcher and config paths with quotes, %, &, < and non-ASCII stay valid and run the same program",
  ["schemas", "xmllint"],
  async () => {
    await fc.assert(
      fc.asyncProperty(
        hostilePath,
        hostilePath,
        hostileArgument,
        fc.constantFrom("PC\\ada", "ÄDA & <Co>"),
        async (user, bin, arg, userId) => {
          const configDir = `C:\\Users\\${user}\\AppData\\Roaming\\twg`;
          const spec = specFor({
            launcher: `C:\\Program Files\\${bin}\\twg.exe`,
            launcherArgs: [arg],
            configDir,
            environment: { TWG_NOTE: arg },
          });
          const script = `${ADA}\\AppData\\Local\\twg\\twg-upkeep.js`;
          const files = renderScheduledTask(spec, { userId });
          const { wscript, twg, variables } = executedArgv(files);
          assert.deepEqual(wscript.slice(1), [
            "//B",
            "//NoLogo",
            "//E:JScript",
            script,
            taskScriptSha256(files[1]!.content),
          ]);
          assert.equal(files[1]?.path, script);
          assert.deepEqual(twg, upkeepArgv(spec));
          assert.deepEqual(variables.TWG_CONFIG_DIR, configDir);
          assert.deepEqual(variables.TWG_NOTE, arg);
          assert.deepEqual(elements(files[0]?.content ?? "", "UserId"), [userId, userId]);
          const task = files[0];
          assert.ok(task);
          assert.equal((await validateRendered(task)).code, 0);
        },
      ),
      { numRuns: 25 },
    );
  },
);

/** Where a `C:\…` path lives inside `root` on this (POSIX) test machine. */
function hostPath(root: string, path: string): string {
  return /^[A-Za-z]:\\/.test(path)
    ? `${root}/${path[0]}/${path.slice(3).replaceAll("\\", "/")}`
    : path;
}

/** `base` with every path argument (a rename's target too) mapped into `root` when it is `C:\…`. */
function windowsFs(root: string, base: FileSystem): FileSystem {
  return new Proxy(base, {
    get(target, name) {
      const member: unknown = Reflect.get(target, name);
      if (typeof member !== "function") return member;
      return (...args: unknown[]) =>
        member(...args.map((arg) => typeof arg === "string" ? hostPath(root, arg) : arg));
    },
  });
}

function windowsEnv(run?: FakeEnv["run"], commands: ScriptedCommand[] = []): FakeEnv {
  const env = fakeEnv({
    os: "windows",
    vars: { USERNAME: "ada", USERDOMAIN: "PC", APPDATA: "C:\\Users\\ada\\AppData\\Roaming" },
    commands,
    ...(run === undefined ? {} : { run }),
  });
  env.fs = windowsFs(env.tempDir, env.fs);
  return env;
}

async function exists(env: FakeEnv, path: string): Promise<boolean> {
  return await Deno.stat(hostPath(env.tempDir, path)).then(() => true, () => false);
}

/** schtasks by absolute path: a bare name may resolve from the current directory. */
const SCHTASKS = "C:\\Windows\\System32\\schtasks.exe";

function argvOf(env: FakeEnv): string[][] {
  return env.calls.map((call) => [call.command, ...call.args]);
}

Deno.test("installScheduledTask registers the task from the XML, keeps the script and removes the XML", async () => {
  let registeredXml = "";
  await using env = windowsEnv(async (_command, args) => {
    const bytes = await Deno.readFile(hostPath(env.tempDir, args[4] ?? ""));
    registeredXml = new TextDecoder("utf-16le").decode(bytes.subarray(2));
    return {
      code: 0,
      stdout: 'SUCCESS: The scheduled task "twg-upkeep" has successfully been created.',
      stderr: "",
    };
  });
  const spec = specFor();
  await installScheduledTask(env, spec);

  assert.deepEqual(argvOf(env), [[
    SCHTASKS,
    "/Create",
    "/TN",
    "twg-upkeep",
    "/XML",
    TASK_XML,
    "/F",
  ]]);
  assert.equal(registeredXml, renderScheduledTask(spec, { userId: "PC\\ada" })[0]?.content);
  assert.equal(await exists(env, TASK_XML), false);
  assert.equal(
    await Deno.readTextFile(hostPath(env.tempDir, SCRIPT)),
    renderScheduledTask(spec)[1]?.content,
  );
});

Deno.test("installScheduledTask leaves no file behind and reports schtasks' stderr when it fails", async () => {
  await using env = windowsEnv(() =>
    Promise.resolve({ code: 1, stdout: "", stderr: "ERROR: Access is denied.\r\n" })
  );
  await assert.rejects(installScheduledTask(env, specFor()), {
    message:
      `Cannot enable upkeep: "schtasks /Create /TN twg-upkeep /XML ${TASK_XML} /F" failed with ` +
      "exit code 1: ERROR: Access is denied.",
  });
  assert.equal(await exists(env, TASK_XML), false);
  assert.equal(await exists(env, SCRIPT), false);
});

/** Every `schtasks` call succeeds. */
const SCHTASKS_OK: ScriptedCommand[] = [{ command: "schtasks", result: {} }];

Deno.test("uninstallScheduledTask deletes a registered task and its script, and succeeds when there is none", async () => {
  await using env = windowsEnv(undefined, SCHTASKS_OK);
  await installScheduledTask(env, specFor());
  env.calls.length = 0;
  await uninstallScheduledTask(env, CONFIG_DIR, ADA);
  assert.deepEqual(argvOf(env), [
    [SCHTASKS, "/Query", "/TN", "twg-upkeep"],
    [SCHTASKS, "/Delete", "/TN", "twg-upkeep", "/F"],
  ]);
  assert.equal(await exists(env, SCRIPT), false);

  await using none = windowsEnv(() =>
    Promise.resolve({
      code: 1,
      stdout: "",
      stderr: "ERROR: The system cannot find the file specified.\r\n",
    })
  );
  await uninstallScheduledTask(none, CONFIG_DIR);
  await uninstallScheduledTask(none, CONFIG_DIR);
  assert.deepEqual(argvOf(none), [
    [SCHTASKS, "/Query", "/TN", "twg-upkeep"],
    [SCHTASKS, "/Query", "/TN", "twg-upkeep"],
  ]);
});

Deno.test("uninstallScheduledTask keeps the script and reports schtasks' stderr when deleting fails", async () => {
  await using env = windowsEnv(undefined, SCHTASKS_OK);
  await installScheduledTask(env, specFor());
  env.run = (_command, args) =>
    Promise.resolve(
      args[0] === "/Delete"
        ? { code: 1, stdout: "", stderr: "ERROR: Access is denied.\r\n" }
        : { code: 0, stdout: "", stderr: "" },
    );
  await assert.rejects(uninstallScheduledTask(env, CONFIG_DIR), {
    message:
      'Cannot disable upkeep: "schtasks /Delete /TN twg-upkeep /F" failed with exit code 1: ' +
      "ERROR: Access is denied.",
  });
  assert.equal(await exists(env, SCRIPT), true);
});

Deno.test("scheduledTaskStatus reads the registered task's XML", async () => {
  const statusWith = async (result: { code: number; stdout: string; stderr: string }) => {
    await using env = windowsEnv(() => Promise.resolve(result));
    const status = await scheduledTaskStatus(env);
    assert.deepEqual(argvOf(env), [[SCHTASKS, "/Query", "/TN", "twg-upkeep", "/XML"]]);
    return status;
  };
  const registered = renderScheduledTask(specFor())[0]?.content ?? "";
  assert.deepEqual(await statusWith({ code: 0, stdout: registered, stderr: "" }), {
    installed: true,
    active: true,
    detail: "Scheduled task twg-upkeep is enabled",
  });
  const disabled = registered.replace(
    /(<Settings>[\s\S]*)<Enabled>true<\/Enabled>/,
    "$1<Enabled>false</Enabled>",
  );
  assert.deepEqual(await statusWith({ code: 0, stdout: disabled, stderr: "" }), {
    installed: true,
    active: false,
    detail: "Scheduled task twg-upkeep is disabled",
  });
  assert.deepEqual(
    await statusWith({
      code: 1,
      stdout: "",
      stderr: "ERROR: The system cannot find the file specified.",
    }),
    {
      installed: false,
      active: false,
      detail: "Scheduled task twg-upkeep is not registered " +
        "(exit code 1: ERROR: The system cannot find the file specified.)",
    },
  );
});

Deno.test("schedulerFor windows is the Task Scheduler", () => {
  assert.equal(schedulerFor("windows").name, taskScheduler.name);
  assert.equal(schedulerFor("windows").render, taskScheduler.render);
  assert.equal(taskScheduler.name, "task-scheduler");
});
