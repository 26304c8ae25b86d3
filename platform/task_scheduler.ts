/**
 * Windows: upkeep as a per-user Scheduled Task. {@link renderScheduledTask}
 * turns a spec into the task XML and the small script the task runs; the
 * installers only run `schtasks` through the injected {@link Env}.
 *
 * No console window every 12 minutes: the task runs `wscript.exe`, which has
 * no console, on a JScript file that starts twg with `WshShell.Run(command,
 * 0, true)`: window style 0 (SW_HIDE) hides the console twg gets, and `true`
 * waits for it, so the task's time limit and single-instance policy still
 * cover the real work and its exit code becomes the task's result. The
 * alternatives fall short: `powershell -WindowStyle Hidden` flashes a window
 * before it hides it, `conhost.exe --headless` is undocumented, and VBScript
 * is being phased out of Windows, while JScript is not. The script also sets
 * `TWG_CONFIG_DIR`, which an Exec action cannot.
 *
 * @module
 */
import { systemProgram } from "./windows_system.ts";
import { win32 } from "node:path";
import { createHash } from "node:crypto";
import type { Env } from "../src/env.ts";
import { UsageError } from "../src/errors.ts";
import { escapeXml } from "./_xml.ts";
import { commandFailure, PlatformError } from "./failure.ts";
import { removeFiles, type RenderedFile, writeRenderedFile } from "./rendered_file.ts";
import {
  assertSchedulable,
  jobEnvironment,
  type Scheduler,
  type SchedulerStatus,
  type ScheduleSpec,
  upkeepArgv,
} from "./schedule_spec.ts";

/** The task's name in the Task Scheduler library root. */
export const SCHEDULED_TASK_NAME = "twg-upkeep";

/** Where the task's files go: both in the config directory. */
export function scheduledTaskPaths(configDir: string): { task: string; script: string } {
  return {
    // Exists only while `schtasks /Create` reads it.
    task: win32.join(configDir, `${SCHEDULED_TASK_NAME}.xml`),
    script: win32.join(configDir, `${SCHEDULED_TASK_NAME}.js`),
  };
}

/**
 * Where the script goes instead when the config directory holds a `%`:
 * Task Scheduler expands `%NAME%` in an Exec action's Arguments ("If
 * environment variables are used in the Command, Arguments, or
 * WorkingDirectory elements…",
 * https://learn.microsoft.com/en-us/windows/win32/taskschd/taskschedulerschema-exec-actiongroup-element)
 * and has no escape for a literal one. So the task names this script as
 * `%USERPROFILE%\AppData\Local\twg\twg-upkeep.js`: the one variable it
 * expands is the home directory itself, and an expanded value is not
 * expanded again, whatever it holds.
 */
const HOME_SCRIPT = ["AppData", "Local", "twg", `${SCHEDULED_TASK_NAME}.js`];

/** The script's path, and how the task's Arguments name it. */
function scriptLocation(spec: ScheduleSpec): { path: string; argument: string } {
  // Always the per-user local data directory, never the config directory:
  // an agent may be told to make that one writable, and the task runs this
  // script outside any sandbox (issue 20). Uninstall still removes a script
  // an older twg left beside the config.
  return {
    path: win32.join(spec.homeDir, ...HOME_SCRIPT),
    argument: ["%USERPROFILE%", ...HOME_SCRIPT].join("\\"),
  };
}

/** Options for {@link renderScheduledTask}. */
export interface ScheduledTaskOptions {
  /**
   * The account the task belongs to (`DOMAIN\name`). Without it the logon
   * trigger fires for any user, which only an administrator may register.
   */
  userId?: string;
}

/** WshShell.Run expands `%NAME%` in its command line; this variable turns back into a `%`. */
const PERCENT_VARIABLE = "TWG_PERCENT_SIGN";

/**
 * Renders the task XML (UTF-16 with a BOM, as `schtasks /XML` expects) and
 * the JScript launcher it runs: `twg upkeep run` every `intervalMinutes` and
 * two minutes after logon, hidden, at most one at a time, for five minutes
 * at most.
 *
 * @example
 * ```ts
 * const [task, script] = renderScheduledTask({
 *   launcher: "C:\\Users\\ada\\.deno\\bin\\twg.exe", launcherArgs: [],
 *   homeDir: "C:\\Users\\ada", configDir: "C:\\Users\\ada\\AppData\\Roaming\\twg",
 *   environment: {}, intervalMinutes: 12,
 * }, { userId: "PC\\ada" });
 * script?.path; // "C:\\Users\\ada\\AppData\\Roaming\\twg\\twg-upkeep.js"
 * ```
 */
export function renderScheduledTask(
  spec: ScheduleSpec,
  options: ScheduledTaskOptions = {},
): RenderedFile[] {
  assertSchedulable(spec, win32.isAbsolute);
  const argv = upkeepArgv(spec);
  assertWindowsCommandLine(argv);
  const paths = scheduledTaskPaths(spec.configDir);
  const script = scriptLocation(spec);
  const scriptText = launcherScript(jobEnvironment(spec), windowsCommandLine(argv));
  return [
    {
      path: paths.task,
      content: taskXml(spec, options, script.argument, taskScriptSha256(scriptText)),
      encoding: "utf-16le-bom",
    },
    { path: script.path, content: scriptText, encoding: "utf-8" },
  ];
}

/**
 * The SHA-256 of the script's text (lower-case hex), pinned in the task's
 * own Arguments, which live in Task Scheduler and in no file an agent is
 * told to write: the script hands it to twg, which checks the script
 * against it before anything is sent (`src/upkeep/pins.ts`), as the
 * checkout launcher's is pinned in the unit or plist.
 */
export function taskScriptSha256(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function taskXml(
  spec: ScheduleSpec,
  options: ScheduledTaskOptions,
  script: string,
  scriptSha256: string,
): string {
  const userId = options.userId === undefined
    ? []
    : [`      <UserId>${escapeXml(options.userId)}</UserId>`];
  // Trigger children are an xs:sequence in the task schema: Enabled,
  // StartBoundary, Repetition, then the trigger's own elements, in that order.
  return [
    `<?xml version="1.0" encoding="UTF-16"?>`,
    `<Task version="1.2" xmlns="http://schemas.microsoft.com/windows/2004/02/mit/task">`,
    `  <RegistrationInfo>`,
    `    <Description>${
      escapeXml(`Keeps twg signed in: runs "twg upkeep run" every ${spec.intervalMinutes} minutes.`)
    }</Description>`,
    `    <URI>\\${SCHEDULED_TASK_NAME}</URI>`,
    `  </RegistrationInfo>`,
    `  <Triggers>`,
    `    <TimeTrigger>`,
    `      <Enabled>true</Enabled>`,
    // A fixed boundary in the past keeps the rendering pure; repetitions
    // continue indefinitely from it.
    `      <StartBoundary>2000-01-01T00:00:00</StartBoundary>`,
    `      <Repetition>`,
    `        <Interval>PT${spec.intervalMinutes}M</Interval>`,
    `      </Repetition>`,
    `      <RandomDelay>PT30S</RandomDelay>`,
    `    </TimeTrigger>`,
    `    <LogonTrigger>`,
    `      <Enabled>true</Enabled>`,
    ...userId,
    `      <Delay>PT2M</Delay>`,
    `    </LogonTrigger>`,
    `  </Triggers>`,
    `  <Principals>`,
    `    <Principal id="Author">`,
    ...userId,
    `      <LogonType>InteractiveToken</LogonType>`,
    `      <RunLevel>LeastPrivilege</RunLevel>`,
    `    </Principal>`,
    `  </Principals>`,
    `  <Settings>`,
    `    <MultipleInstancesPolicy>IgnoreNew</MultipleInstancesPolicy>`,
    `    <DisallowStartIfOnBatteries>false</DisallowStartIfOnBatteries>`,
    `    <StopIfGoingOnBatteries>false</StopIfGoingOnBatteries>`,
    `    <StartWhenAvailable>true</StartWhenAvailable>`,
    `    <ExecutionTimeLimit>PT5M</ExecutionTimeLimit>`,
    `    <Hidden>true</Hidden>`,
    `    <Enabled>true</Enabled>`,
    `  </Settings>`,
    `  <Actions Context="Author">`,
    `    <Exec>`,
    `      <Command>%SystemRoot%\\System32\\wscript.exe</Command>`,
    `      <Arguments>${
      escapeXml(`//B //NoLogo //E:JScript ${quoteWindowsArgument(script)} ${scriptSha256}`)
    }</Arguments>`,
    `    </Exec>`,
    `  </Actions>`,
    `</Task>`,
    ``,
  ].join("\n");
}

function launcherScript(environment: Record<string, string>, commandLine: string): string {
  const assignments = Object.entries(environment)
    .map(([name, value]) => `environment(${jscriptString(name)}) = ${jscriptString(value)};`);
  const hasPercent = commandLine.includes("%");
  if (hasPercent) assignments.push(`environment(${jscriptString(PERCENT_VARIABLE)}) = "%";`);
  const runnable = hasPercent ? commandLine.replaceAll("%", `%${PERCENT_VARIABLE}%`) : commandLine;
  return [
    `// Written by "twg upkeep enable"; "twg upkeep disable" removes it.`,
    `// Task Scheduler runs this with wscript.exe to start twg without a console window.`,
    `var shell = new ActiveXObject("WScript.Shell");`,
    `var environment = shell.Environment("Process");`,
    ...assignments,
    // What twg checks this very file against: its path, and the hash the
    // task pinned (WScript.Arguments, after the host's own // options).
    `environment("TWG_PINNED_TASK_SCRIPT") = WScript.ScriptFullName;`,
    `environment("TWG_PINNED_TASK_SCRIPT_SHA256") = WScript.Arguments.length > 0 ? WScript.Arguments(0) : "missing";`,
    `WScript.Quit(shell.Run(${jscriptString(runnable)}, 0, true));`,
    ``,
  ].join("\n");
}

/**
 * A JScript (ES3) string literal in plain ASCII: wscript reads a script
 * without a BOM in the ANSI code page, so everything else is a `\u` escape.
 */
function jscriptString(text: string): string {
  return JSON.stringify(text).replace(
    /[^\x20-\x7E]/g,
    (char) => `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

/**
 * Refuses what no Windows command line can carry to the launcher: a `"` in
 * the program path (Windows forbids it, and CommandLineToArgvW reads the
 * program name up to the next quote without escapes), and, for a `.cmd` or
 * `.bat` launcher, `%`, `!` and `"` anywhere: cmd.exe expands `%NAME%` and
 * `!NAME!` even inside quotes and reads `\"` as a closing quote.
 */
function assertWindowsCommandLine(argv: string[]): void {
  const [program = ""] = argv;
  if (program.includes('"')) {
    throw new UsageError(
      "Cannot schedule upkeep: the launcher path contains a double quote",
      "Windows file names cannot hold one: check the path of twg",
    );
  }
  if (/\.(bat|cmd)$/i.test(program) && argv.some((arg) => /[%!"]/.test(arg))) {
    throw new UsageError(
      `Cannot schedule upkeep: the command line of the batch-file launcher ${program} ` +
        `contains %, ! or ", which cmd.exe would change`,
      'Install twg as a compiled .exe, or set TWG_CONFIG_DIR to a directory without %, ! or ", ' +
        'then run "twg upkeep enable" again',
    );
  }
}

/** `argv` as one command line that CommandLineToArgvW splits back into `argv`. */
function windowsCommandLine([program = "", ...args]: string[]): string {
  // The program name ends at its closing quote and has no escapes.
  return [`"${program}"`, ...args.map(quoteWindowsArgument)].join(" ");
}

/**
 * One argument, quoted per CommandLineToArgvW: backslashes are literal
 * unless they precede a `"`, where 2n backslashes and a quote are n
 * backslashes and a delimiter, and 2n+1 are n backslashes and a literal quote.
 * Plain words stay unquoted; everything else is quoted, which also keeps
 * cmd.exe's `&|<>^()` literal when the launcher is a batch file.
 */
function quoteWindowsArgument(arg: string): string {
  if (/^[A-Za-z0-9_\-.:/\\@+]+$/.test(arg)) return arg;
  const escaped = arg.replace(/(\\*)"/g, '$1$1\\"').replace(/(\\+)$/, "$1$1");
  return `"${escaped}"`;
}

/** The logged-on account as Task Scheduler names it, from `USERDOMAIN` and `USERNAME`. */
function currentUserId(env: Env): ScheduledTaskOptions {
  const name = env.getVar("USERNAME");
  if (!name) return {};
  const domain = env.getVar("USERDOMAIN");
  return { userId: domain ? `${domain}\\${name}` : name };
}

/**
 * Writes the launcher script, registers the task from the rendered XML with
 * `schtasks /Create /XML … /F` (replacing an existing task), and removes the
 * XML again. When schtasks fails, the script is removed too and the error
 * carries schtasks' stderr.
 *
 * @example
 * ```ts ignore
 * await installScheduledTask(env, spec);
 * // runs: schtasks /Create /TN twg-upkeep /XML %APPDATA%\twg\twg-upkeep.xml /F
 * ```
 */
export async function installScheduledTask(env: Env, spec: ScheduleSpec): Promise<void> {
  const [task, script] = renderScheduledTask(spec, currentUserId(env)) as [
    RenderedFile,
    RenderedFile,
  ];
  await env.fs.mkdir(spec.configDir, { recursive: true, mode: 0o700 });
  await env.fs.mkdir(win32.dirname(script.path), { recursive: true, mode: 0o700 });
  try {
    await writeRenderedFile(env, script);
    await writeRenderedFile(env, task);
    const args = ["/Create", "/TN", SCHEDULED_TASK_NAME, "/XML", task.path, "/F"];
    const created = await env.run(systemProgram(env, "schtasks"), args);
    if (created.code !== 0) {
      throw new PlatformError(
        `Cannot enable upkeep: "schtasks ${args.join(" ")}" failed with ${commandFailure(created)}`,
        `Run "schtasks /Query /TN ${SCHEDULED_TASK_NAME} /V" to see why, then "twg upkeep enable" again`,
      );
    }
  } catch (error) {
    await removeFiles(env, [script.path]);
    throw error;
  } finally {
    await removeFiles(env, [task.path]);
  }
}

/**
 * Deletes the task and removes the launcher script (with `homeDir`, also the
 * one a config directory with a `%` puts there). Succeeds when nothing is
 * installed: the task is looked up first, because schtasks' "not found"
 * message is localized and cannot be told apart from other failures.
 *
 * @example
 * ```ts ignore
 * await uninstallScheduledTask(env, "C:\\Users\\ada\\AppData\\Roaming\\twg");
 * ```
 */
export async function uninstallScheduledTask(
  env: Env,
  configDir: string,
  homeDir?: string,
): Promise<void> {
  const query = await env.run(systemProgram(env, "schtasks"), [
    "/Query",
    "/TN",
    SCHEDULED_TASK_NAME,
  ]);
  if (query.code === 0) {
    const args = ["/Delete", "/TN", SCHEDULED_TASK_NAME, "/F"];
    const deleted = await env.run(systemProgram(env, "schtasks"), args);
    if (deleted.code !== 0) {
      throw new PlatformError(
        `Cannot disable upkeep: "schtasks ${args.join(" ")}" failed with ${
          commandFailure(deleted)
        }`,
        `Run "schtasks /Query /TN ${SCHEDULED_TASK_NAME} /V" to see why, then "twg upkeep disable" again`,
      );
    }
  }
  const homeScript = homeDir === undefined ? [] : [win32.join(homeDir, ...HOME_SCRIPT)];
  await removeFiles(env, [scheduledTaskPaths(configDir).script, ...homeScript]);
}

/**
 * Whether the task is registered and enabled, read from its XML
 * (`schtasks /Query /XML`), which unlike the list output is not localized.
 *
 * @example
 * ```ts ignore
 * await scheduledTaskStatus(env);
 * // { installed: true, active: true, detail: "Scheduled task twg-upkeep is enabled" }
 * ```
 */
export async function scheduledTaskStatus(env: Env): Promise<SchedulerStatus> {
  const query = await env.run(systemProgram(env, "schtasks"), [
    "/Query",
    "/TN",
    SCHEDULED_TASK_NAME,
    "/XML",
  ]);
  if (query.code !== 0) {
    return {
      installed: false,
      active: false,
      detail: `Scheduled task ${SCHEDULED_TASK_NAME} is not registered (${commandFailure(query)})`,
    };
  }
  const settings = /<Settings>([\s\S]*?)<\/Settings>/.exec(query.stdout)?.[1] ?? "";
  const active = !/<Enabled>\s*false\s*<\/Enabled>/.test(settings);
  return {
    installed: true,
    active,
    detail: `Scheduled task ${SCHEDULED_TASK_NAME} is ${active ? "enabled" : "disabled"}`,
  };
}

/** The Scheduled Task as a {@link Scheduler}; the account comes from `USERDOMAIN\USERNAME`. */
export const taskScheduler: Scheduler = {
  name: "task-scheduler",
  render: (spec) => renderScheduledTask(spec),
  install: installScheduledTask,
  uninstall: (env, spec) => uninstallScheduledTask(env, spec.configDir, spec.homeDir),
  status: (env) => scheduledTaskStatus(env),
};
