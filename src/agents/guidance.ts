/**
 * What to tell a person whose coding agent's sandbox keeps twg from writing
 * its config directory: the exact setting for that agent, with this machine's
 * path already filled in (spec: `agents.md`). Pure; the caller reads Codex's
 * config and prints the text on stderr.
 *
 * @module
 */
import { posix, win32 } from "node:path";
import type { OsName } from "../env.ts";
import { codexConfigPath, codexConfigSetsKey } from "./codex_config.ts";
import { type AgentId, agentSandboxInfo, type GetVar } from "./detect.ts";

/** Options for {@link sandboxGuidance}. */
export interface SandboxGuidanceOptions {
  /** The agent detected, or `null`. */
  agent: AgentId | null;
  /** The absolute config directory that must become writable. */
  configDir: string;
  homeDir: string;
  os: OsName;
  /** Text of Codex's `config.toml`; `null` or absent when there is none. */
  codexConfigToml?: string | null;
  getVar: GetVar;
}

const PROFILE_NAME = "twg-workspace";

/**
 * The lines that follow the generic "cannot write" message when the config
 * directory is not writable: the agent's own setting that allows the write,
 * else general advice. Ends with a newline.
 *
 * @example
 * ```ts
 * const text = sandboxGuidance({
 *   agent: "claude-code",
 *   configDir: "/home/ada/.config/twg",
 *   homeDir: "/home/ada",
 *   os: "linux",
 *   getVar: () => undefined,
 * });
 * // text contains {"sandbox":{"enabled":true,"filesystem":{"allowWrite":["~/.config/twg"]}}}
 * ```
 */
export function sandboxGuidance(options: SandboxGuidanceOptions): string {
  const lines = agentLines(options) ?? genericLines(options.configDir);
  return [...lines, UPKEEP_LINE].join("\n") + "\n";
}

const UPKEEP_LINE =
  '"twg upkeep enable" keeps the credentials fresh in the background, outside any sandbox.';
const NORMAL_TERMINAL_LINE = 'Or run "twg auth refresh" in a normal terminal, outside the sandbox.';

function agentLines(options: SandboxGuidanceOptions): string[] | null {
  const lines = settingLines(options);
  return lines === null ? null : [...lines, NORMAL_TERMINAL_LINE];
}

function settingLines(options: SandboxGuidanceOptions): string[] | null {
  switch (options.agent) {
    case "claude-code":
      return claudeCodeLines(options);
    case "codex":
      return codexLines(options);
    case "cursor":
      return cursorLines(options);
    case "gemini-cli":
      return geminiLines(options);
    default:
      return null;
  }
}

function genericLines(configDir: string): string[] {
  return [
    `twg needs to write to ${configDir}, and this environment does not allow it.`,
    'Let the sandbox write to that directory, or run "twg auth refresh" in a normal terminal, outside the sandbox.',
  ];
}

function claudeCodeLines(options: SandboxGuidanceOptions): string[] {
  const path = pathFor(options.os);
  const claudeDir = options.getVar("CLAUDE_CONFIG_DIR") || path.join(options.homeDir, ".claude");
  const settings = {
    sandbox: { enabled: true, filesystem: { allowWrite: [claudeSandboxPath(options)] } },
  };
  return [
    `Claude Code's sandbox keeps commands from writing to ${options.configDir}.`,
    `To allow it, merge this into ${path.join(claudeDir, "settings.json")}:`,
    "",
    ...indent([JSON.stringify(settings)]),
    "",
    "permissions.additionalDirectories is not enough: it does not make a directory writable for sandboxed commands.",
  ];
}

// Claude Code reads "~/" as the home directory and, in settings files, a single
// leading "/" as relative to the settings file; "//" is the absolute form.
function claudeSandboxPath(options: SandboxGuidanceOptions): string {
  const path = pathFor(options.os);
  const relative = path.relative(options.homeDir, options.configDir);
  if (relative !== "" && !relative.startsWith("..") && !path.isAbsolute(relative)) {
    return "~/" + relative.split(path.sep).join("/");
  }
  return options.os === "windows" ? options.configDir : "/" + options.configDir;
}

function codexLines(options: SandboxGuidanceOptions): string[] {
  const configToml = options.codexConfigToml ?? "";
  const configPath = codexConfigPath(options);
  const header = `Codex's sandbox keeps commands from writing to ${options.configDir}.`;
  // A sandbox_mode in any layer silently wins over permission profiles, so a
  // profile would look right and change nothing; configuring both is worse.
  if (codexConfigSetsKey(configToml, "sandbox_mode")) {
    return [
      header,
      `To allow it, use these settings in ${configPath}, which already sets sandbox_mode`,
      "(change that line, and add to writable_roots if the table is already there):",
      "",
      ...indent([
        'sandbox_mode = "workspace-write"',
        "",
        "[sandbox_workspace_write]",
        `writable_roots = [${tomlString(options.configDir)}]`,
      ]),
      "",
      "Start a new Codex session for the change to apply.",
    ];
  }
  const replaceDefault = codexConfigSetsKey(configToml, "default_permissions")
    ? ["It already sets default_permissions: change that line rather than adding a second one."]
    : [];
  return [
    header,
    `To allow it, add this permission profile to ${configPath},`,
    "with the default_permissions line above the first [table]:",
    "",
    ...indent([
      `default_permissions = "${PROFILE_NAME}"`,
      "",
      `[permissions.${PROFILE_NAME}]`,
      'extends = ":workspace"',
      "",
      `[permissions.${PROFILE_NAME}.filesystem]`,
      `${tomlString(options.configDir)} = "write"`,
    ]),
    "",
    ...replaceDefault,
    "Start a new Codex session for the change to apply.",
  ];
}

function cursorLines(options: SandboxGuidanceOptions): string[] {
  const path = pathFor(options.os);
  const sandbox = { type: "workspace_readwrite", additionalReadwritePaths: [options.configDir] };
  const kernelNote = options.os === "linux"
    ? ["On Linux, Cursor's sandbox needs kernel 6.2 or later (Landlock v3)."]
    : [];
  return [
    `Cursor's sandbox keeps agent commands from writing to ${options.configDir}.`,
    `To allow it, merge this into ${path.join(options.homeDir, ".cursor", "sandbox.json")}`,
    "(or the workspace's .cursor/sandbox.json):",
    "",
    ...indent([JSON.stringify(sandbox)]),
    "",
    ...kernelNote,
  ];
}

function geminiLines(options: SandboxGuidanceOptions): string[] | null {
  const { configDir } = options;
  switch (agentSandboxInfo("gemini-cli", options.getVar)) {
    case "container":
      return [
        `Gemini CLI's sandbox container does not mount ${configDir} writable.`,
        "Start Gemini CLI with this variable set (after a comma, if SANDBOX_MOUNTS already has a value):",
        "",
        ...indent([`SANDBOX_MOUNTS=${shellWord(`${configDir}:${configDir}:rw`)}`]),
        "",
        "The directory must exist; without :rw the mount is read-only.",
      ];
    case "seatbelt": {
      const path = pathFor(options.os);
      const settings = { tools: { sandboxAllowedPaths: [configDir] } };
      const includeFlag = `--include-directories ${shellWord(configDir)}`;
      return [
        `Gemini CLI's Seatbelt sandbox keeps commands from writing to ${configDir}.`,
        `To allow it, merge this into ${path.join(options.homeDir, ".gemini", "settings.json")}:`,
        "",
        ...indent([JSON.stringify(settings)]),
        "",
        `Starting Gemini CLI with ${includeFlag} also works (at most 5 directories).`,
        "SANDBOX_MOUNTS does not apply to Seatbelt.",
      ];
    }
    default:
      // Gemini CLI itself is not sandboxing twg here, so its settings cannot help.
      return null;
  }
}

function pathFor(os: OsName): typeof posix {
  return os === "windows" ? win32 : posix;
}

function indent(lines: string[]): string[] {
  return lines.map((line) => (line === "" ? "" : `  ${line}`));
}

// A TOML string, usable as a value or a quoted key. A literal string keeps
// Windows backslashes readable; it cannot hold ' or control characters, and
// then a basic string does: JSON's escapes are all valid TOML escapes, and DEL,
// which JSON leaves bare, must be escaped in TOML.
function tomlString(value: string): string {
  // deno-lint-ignore no-control-regex
  if (!/['\u0000-\u001f\u007f]/.test(value)) return `'${value}'`;
  return JSON.stringify(value).replaceAll("\u007f", "\\u007F");
}

// Quotes a word for a POSIX shell only when it needs it, so the common case
// stays easy to read and copy.
function shellWord(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replaceAll("'", `'\\''`)}'`;
}
