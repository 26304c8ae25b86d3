/**
 * What to tell a person whose coding agent's sandbox keeps twg from writing
 * its config directory: the agent's own setting, with this machine's real
 * path filled in, the smallest change first (one session, then the settings
 * file), and the caveats that decide whether it works (spec: `agents.md`).
 * Pure; `store_guidance.ts` reads the agents' config files and prints.
 *
 * Every fact carries its source and the date it was checked (2026-12).
 *
 * @module
 */
import { posix, win32 } from "node:path";
import type { OsName } from "../env.ts";
import type { ClaudeSandboxSettings } from "./claude_settings.ts";
import { codexConfigPath, codexConfigSetsKey, type CodexLayer } from "./codex_config.ts";
import { type AgentId, agentSandboxInfo, type GetVar, type KnownAgentId } from "./detect.ts";

/** Options for {@link sandboxGuidance}. */
export interface SandboxGuidanceOptions {
  /** The agent detected, or `null`. */
  agent: AgentId | null;
  /** The name an unknown agent declared itself with, for display. */
  agentDeclared?: string | null;
  /** The agent's version, when its declaration carried one. */
  agentVersion?: string | null;
  /** The absolute config directory that must become writable. */
  configDir: string;
  homeDir: string;
  os: OsName;
  getVar: GetVar;
  /** Codex's config layers, highest precedence first (`readCodexLayers`). */
  codexLayers?: CodexLayer[];
  /** What Claude Code's settings files say (`readClaudeSandboxSettings`). */
  claudeSettings?: ClaudeSandboxSettings | null;
}

/** How people know each agent, for messages. */
export const AGENT_NAMES: Readonly<Record<KnownAgentId, string>> = {
  "claude-code": "Claude Code",
  "claude-cowork": "Claude Cowork",
  "codex": "Codex",
  "cursor": "Cursor",
  "gemini-cli": "Gemini CLI",
  "qwen-code": "Qwen Code",
  "copilot-cli": "GitHub Copilot CLI",
  "copilot-vscode": "VS Code's Copilot agent",
  "opencode": "OpenCode",
  "amp": "Amp",
  "goose": "Goose",
  "cline": "Cline",
  "crush": "Crush",
  "zed": "Zed's agent",
  "kiro": "Kiro",
  "pi": "Pi",
  "warp": "Warp's agent",
  "windsurf": "Windsurf",
  "augment": "Augment",
  "antigravity": "Antigravity",
  "replit": "Replit",
  "devin": "Devin",
};

const PROFILE_NAME = "twg-workspace";

const UPKEEP_LINE =
  '"twg upkeep enable" keeps the credentials fresh in the background, outside any sandbox.';
const NORMAL_TERMINAL_LINE = 'Or run "twg auth refresh" in a normal terminal, outside the sandbox.';

/**
 * The lines that follow the "cannot update the credentials" message: the
 * agent's own setting that allows the write, else what failed and where to
 * run twg instead. Ends with a newline.
 *
 * @example
 * ```ts
 * const text = sandboxGuidance({
 *   agent: "codex",
 *   configDir: "/home/ada/.config/twg",
 *   homeDir: "/home/ada",
 *   os: "linux",
 *   getVar: () => undefined,
 * });
 * // text starts "Codex's sandbox lets commands write only …" and offers codex --add-dir
 * ```
 */
export function sandboxGuidance(options: SandboxGuidanceOptions): string {
  const lines = settingLines(options);
  const body = lines === null ? noSandboxLines(options) : [...lines, NORMAL_TERMINAL_LINE];
  return [...body, UPKEEP_LINE].join("\n") + "\n";
}

/**
 * The smallest fix in one line, for `doctor`'s `agent` check: a one-session
 * flag or command where the agent has one.
 *
 * @example
 * ```ts
 * oneLineFix({ agent: "codex", configDir: "/home/ada/.config/twg", homeDir: "/home/ada",
 *   os: "linux", getVar: () => undefined }); // "codex --add-dir /home/ada/.config/twg"
 * ```
 */
export function oneLineFix(options: SandboxGuidanceOptions): string {
  const dir = shellWord(options.configDir);
  switch (options.agent) {
    case "claude-code":
      return `/add-dir ${dir} (or start claude --add-dir ${dir})`;
    case "codex":
      return `codex --add-dir ${dir}`;
    case "cursor":
      return `add ${JSON.stringify(options.configDir)} to additionalReadwritePaths in ${
        pathFor(options.os).join(options.homeDir, ".cursor", "sandbox.json")
      }`;
    case "gemini-cli":
    case "qwen-code": {
      const program = options.agent === "gemini-cli" ? "gemini" : "qwen";
      const sandbox = agentSandboxInfo(options.agent, options.getVar);
      if (sandbox === "seatbelt") return `${program} --include-directories ${dir}`;
      if (sandbox === "container") return `start ${program} with ${containerMount(options)}`;
      break;
    }
    case "copilot-cli":
      return `add ${options.configDir} in /sandbox, Filesystem tab`;
    case "copilot-vscode":
      return `add ${
        JSON.stringify(options.configDir)
      } to allowWrite in chat.agent.sandbox.fileSystem.${
        options.os === "darwin" ? "mac" : options.os
      }`;
  }
  return `let the sandbox write to ${options.configDir}, or run "twg auth refresh" in a normal terminal`;
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
    case "qwen-code":
      return geminiLines(options);
    case "copilot-cli":
      return copilotCliLines(options);
    case "copilot-vscode":
      return copilotVscodeLines(options);
    default:
      return null;
  }
}

/**
 * No write sandbox of the agent's own (or no agent): say what failed and
 * where. OpenCode, Goose, Cline, Amp, Crush, … run commands unsandboxed
 * unless a container or VM wraps them (spec: `agents.md`, agents without a
 * write sandbox); Cowork, Devin and Replit run in a VM or container.
 */
function noSandboxLines(options: SandboxGuidanceOptions): string[] {
  const { agent, configDir } = options;
  if (agent === null) {
    return [
      `twg needs to write to ${configDir}, and this environment does not allow it.`,
      'Let the sandbox write to that directory, or run "twg auth refresh" in a normal terminal, outside the sandbox.',
    ];
  }
  if (agent === "other") {
    const which = options.agentDeclared ? ` (${options.agentDeclared})` : "";
    return [
      `twg needs to write to ${configDir}, and this coding agent's${which} environment does not allow it.`,
      "twg does not know this agent's sandbox settings: let it write to that directory,",
      'or run "twg auth refresh" in a normal terminal, outside the sandbox.',
    ];
  }
  const name = AGENT_NAMES[agent];
  const hosted: Partial<Record<KnownAgentId, string>> = {
    "claude-cowork": "Cowork runs commands in its own virtual machine",
    "devin": "Devin runs in its own virtual machine",
    "replit": "Replit runs commands in its own container",
  };
  // The spec's list of agents without a write sandbox (agents.md); for the
  // others twg knows of no such setting, which is not the same claim.
  const noWriteSandbox: ReadonlyArray<KnownAgentId> = ["opencode", "goose", "cline"];
  const why = hosted[agent]
    ? `${hosted[agent]}, which does not let commands write there.`
    : noWriteSandbox.includes(agent)
    ? `${name} has no write sandbox of its own, so something around it (a container, a read-only mount, a permission flag) blocks the write.`
    : `twg knows no ${name} setting that makes a directory writable: something around it (its sandbox, a container, a read-only mount, a permission flag) blocks the write.`;
  return [
    `twg needs to write to ${configDir}, and this environment does not allow it.`,
    why,
    'Make that directory writable there, or run "twg auth refresh" in a normal terminal.',
  ];
}

// Claude Code (checked 2026-12). code.claude.com/docs/en/settings,
// sandbox.filesystem: sandboxed commands may write to the working directory,
// the temp dir and the directories added with --add-dir, /add-dir or
// permissions.additionalDirectories; allowWrite adds more. Absolute paths in
// allowWrite work since 2.1.78 (CHANGELOG: "previously required // prefix");
// /add-dir works mid-turn since 2.1.234 (CHANGELOG). "/sandbox" keeps its
// choice in .claude/settings.local.json, and sandbox.enabled in user settings
// turns the sandbox on for every project (docs/en/sandboxing), so the advice
// never adds "enabled".
function claudeCodeLines(options: SandboxGuidanceOptions): string[] {
  const dir = options.configDir;
  const settings = options.claudeSettings ?? null;
  const userSettingsPath = settings?.userSettingsPath ??
    pathFor(options.os).join(
      options.getVar("CLAUDE_CONFIG_DIR") || pathFor(options.os).join(options.homeDir, ".claude"),
      "settings.json",
    );
  const allowWrite = claudeAllowWritePath(options);
  const snippet = JSON.stringify({ sandbox: { filesystem: { allowWrite: [allowWrite] } } });
  const lines = [
    `Claude Code's sandbox lets commands write only to the working directory and the directories added to the session.`,
    `To let it write to ${dir}:`,
    `  in this session, type:  /add-dir ${dir}`,
    `  or start Claude with:   claude --add-dir ${shellWord(dir)}`,
    `  or, for every session, ${
      settings?.userHasAllowWrite
        ? `add ${
          JSON.stringify(allowWrite)
        } to the sandbox.filesystem.allowWrite list in ${userSettingsPath}:`
        : `merge this into ${userSettingsPath}:`
    }`,
    "",
    ...indent([snippet], 4),
    "",
    'Directories added with /add-dir, --add-dir or permissions.additionalDirectories are writable by sandboxed commands. Do not add "enabled": true to these settings: it would turn the sandbox on for every project.',
  ];
  if (settings) {
    if (settings.alreadyAllowedIn.length > 0) {
      lines.push(
        `${
          settings.alreadyAllowedIn.join(" and ")
        } already allows it: start a new Claude Code session, or check sandbox.filesystem.denyWrite.`,
      );
    } else if (settings.enabledIn.length > 0) {
      lines.push(`The sandbox is turned on in ${settings.enabledIn.join(" and ")}.`);
    } else {
      lines.push(
        "None of the Claude Code settings files twg can read turns the sandbox on: if it is off, something else blocks the write (a container, a read-only mount), and these settings will not help.",
      );
    }
  }
  return lines;
}

// "~/" is the home directory in every version; a plain absolute path since
// 2.1.78; before that the absolute form was "//path" (CHANGELOG 2.1.78).
function claudeAllowWritePath(options: SandboxGuidanceOptions): string {
  const version = options.agentVersion?.split(".").map(Number) ?? null;
  const beforeAbsolutePaths = version !== null && version.length >= 3 &&
    compareVersions(version, [2, 1, 78]) < 0;
  if (beforeAbsolutePaths && options.os !== "windows") return "/" + options.configDir;
  return options.configDir;
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const difference = (a[i] ?? 0) - (b[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

// Codex (checked 2026-12). `--add-dir`: developers.openai.com/codex/cli/reference
// ("Grant additional directories write access alongside the main
// workspace"). Layers: developers.openai.com/codex/config-basic. Permission
// profiles: developers.openai.com/codex/permissions (beta): "If sandbox_mode
// appears in any loaded config file, you pass --sandbox, or the selected
// config profile sets sandbox_mode, Codex uses those older sandbox settings
// instead of default_permissions." `extends = ":workspace"` is the spec's
// form (mid-2026 builds); not confirmed first-hand in that page.
function codexLines(options: SandboxGuidanceOptions): string[] {
  const dir = options.configDir;
  const layers = options.codexLayers ?? [];
  const userPath = codexConfigPath(options);
  const header = [
    `Codex's sandbox lets commands write only to the workspace and its writable roots.`,
    `To let it write to ${dir}:`,
    `  for one session, start Codex with:  codex --add-dir ${shellWord(dir)}`,
  ];
  // Profile files apply only under --profile, which twg cannot see: named,
  // but never the layer that decides.
  const overriding = layers.find((layer) =>
    layer.kind !== "profile" && codexConfigSetsKey(layer.text, "sandbox_mode")
  );
  const profileLines = layers
    .filter((layer) => layer.kind === "profile" && codexConfigSetsKey(layer.text, "sandbox_mode"))
    .map((layer) => {
      const profile = pathFor(options.os).basename(layer.path).replace(/\.config\.toml$/, "");
      return `${layer.path} sets sandbox_mode: under codex --profile ${profile} it wins over the settings above.`;
    });
  const sandboxFlagLine =
    "A --sandbox (-s) flag on Codex's command line wins over every file: then use --add-dir, or drop the flag.";
  if (overriding) {
    // The legacy form, in the layer that decides: a project layer outranks the
    // user config, so the change goes there; the user config outranks the
    // system one, so a system sandbox_mode is overridden from the user config.
    const target = overriding.kind === "system" ? userPath : overriding.path;
    const why = overriding.kind === "system"
      ? `${overriding.path} (the system config) sets sandbox_mode, so Codex ignores permission profiles; ${userPath} outranks it.`
      : overriding.kind === "project"
      ? `${overriding.path} (a project config) sets sandbox_mode, so Codex ignores permission profiles, and it outranks ${userPath}.`
      : `${overriding.path} sets sandbox_mode, so Codex ignores permission profiles.`;
    return [
      ...header,
      `  or, for every session, set these in ${target}`,
      "  (change the sandbox_mode line there; add to writable_roots if that table is already there):",
      "",
      ...indent([
        'sandbox_mode = "workspace-write"',
        "",
        "[sandbox_workspace_write]",
        `writable_roots = [${tomlString(dir)}]`,
      ], 4),
      "",
      why,
      ...profileLines,
      sandboxFlagLine,
      "Start a new Codex session for the change to apply.",
    ];
  }
  const userLayer = layers.find((layer) => layer.kind === "user");
  const replaceDefault = userLayer && codexConfigSetsKey(userLayer.text, "default_permissions")
    ? ["It already sets default_permissions: change that line rather than adding a second one."]
    : [];
  const read = layers.length > 0
    ? layers.filter((layer) => layer.kind !== "profile").map((layer) => layer.path).join(", ") ||
      "none found"
    : "none found";
  return [
    ...header,
    `  or, for every session, add this permission profile to ${userPath}`,
    "  (the default_permissions line above the first [table]):",
    "",
    ...indent([
      `default_permissions = "${PROFILE_NAME}"`,
      "",
      `[permissions.${PROFILE_NAME}]`,
      'extends = ":workspace"',
      "",
      `[permissions.${PROFILE_NAME}.filesystem]`,
      `${tomlString(dir)} = "write"`,
    ], 4),
    "",
    ...replaceDefault,
    `A sandbox_mode in any config layer makes Codex ignore this profile silently; the layers twg read set none (${read}).`,
    ...profileLines,
    sandboxFlagLine,
    "Start a new Codex session for the change to apply.",
  ];
}

// Cursor (checked 2026-12): cursor.com/docs/reference/sandbox —
// ~/.cursor/sandbox.json (every workspace) and <workspace>/.cursor/sandbox.json
// (wins), merged; additionalReadwritePaths "only applies when type is
// workspace_readwrite". Linux: cursor.com/docs/agent/tools/terminal — kernel
// 6.2+ with Landlock v3 and unprivileged user namespaces; on an older kernel
// the agent asks before each command instead of sandboxing it.
function cursorLines(options: SandboxGuidanceOptions): string[] {
  const sandbox = { type: "workspace_readwrite", additionalReadwritePaths: [options.configDir] };
  const kernelNote = options.os === "linux"
    ? [
      "On Linux, Cursor's sandbox needs kernel 6.2 or later (Landlock v3) and unprivileged user namespaces.",
    ]
    : [];
  return [
    `Cursor's sandbox lets agent commands write only to the workspace.`,
    `To let it write to ${options.configDir}, merge this into ${
      pathFor(options.os).join(options.homeDir, ".cursor", "sandbox.json")
    }`,
    "(every workspace) or into the workspace's .cursor/sandbox.json:",
    "",
    ...indent([JSON.stringify(sandbox)], 4),
    "",
    "additionalReadwritePaths applies only while type is workspace_readwrite.",
    ...kernelNote,
  ];
}

// Gemini CLI (checked 2026-12, google-gemini/gemini-cli @5411f11):
// - Seatbelt (SANDBOX=sandbox-exec): packages/cli/src/utils/sandbox.ts passes
//   five INCLUDE_DIR_n slots, filled from --include-directories and then
//   tools.sandboxAllowedPaths (absolute, existing paths only); the .sb
//   profiles allow file-write* there.
// - Docker/Podman (SANDBOX=<container>): only the workdir, ~/.gemini and the
//   temp dir are mounted, not the home; SANDBOX_MOUNTS "from:to:opts" (opts
//   default ro, from absolute and existing on the host) adds mounts;
//   tools.sandboxAllowedPaths are mounted read-only. The image's user is node
//   (HOME=/home/node) unless the host's uid is kept, and then HOME is the
//   host's.
// - LXC: SANDBOX_MOUNTS is not read; sandboxAllowedPaths become read-only disk
//   devices; `lxc config device add` on the user's container works.
// Qwen Code is a Gemini CLI fork: its sandbox code also sets
// SANDBOX=sandbox-exec under Seatbelt and takes QWEN_SANDBOX=docker|podman
// (seen in QwenLM/qwen-code through the code index); SANDBOX_MOUNTS and the
// container layout are assumed to be Gemini CLI's: not confirmed first-hand.
function geminiLines(options: SandboxGuidanceOptions): string[] | null {
  const gemini = options.agent === "gemini-cli";
  const name = gemini ? "Gemini CLI" : "Qwen Code";
  const program = gemini ? "gemini" : "qwen";
  const { configDir } = options;
  switch (agentSandboxInfo(options.agent, options.getVar)) {
    case "container": {
      const container = options.getVar("SANDBOX") ?? "";
      const hostKnown = options.homeDir !== "/home/node";
      const host = hostKnown ? configDir : "<twg's config directory on the host>";
      return [
        `${name}'s sandbox container does not mount the host's home directory, so ${configDir} is not writable here.`,
        `Start ${program} with this variable set, naming the directory on the host (after a comma if SANDBOX_MOUNTS already has a value):`,
        "",
        ...indent([containerMount(options)], 4),
        "",
        hostKnown
          ? "The container keeps the host's home path, so the host directory is this same path; it must exist on the host."
          : `twg cannot see the host's path from inside the container (HOME is ${options.homeDir} here): write the host's absolute path, e.g. /home/<you>/.config/twg; it must exist.`,
        "Without :rw the mount is read-only; tools.sandboxAllowedPaths mounts read-only too, so it does not help.",
        `Under LXC, SANDBOX_MOUNTS is ignored: run  lxc config device add ${
          shellWord(container)
        } twg-config disk source=${shellWord(host)} path=${shellWord(configDir)}`,
      ];
    }
    case "seatbelt": {
      if (!gemini) {
        // Qwen Code's settings key for extra sandbox paths is not confirmed:
        // only the flag it shares with Gemini CLI is offered.
        return [
          `Qwen Code's Seatbelt sandbox lets commands write only to the project, its temp and cache directories, and the included directories.`,
          `To let it write to ${configDir}, start Qwen Code with:  qwen --include-directories ${
            shellWord(configDir)
          }`,
          "The directory must exist. SANDBOX_MOUNTS does not apply to Seatbelt.",
        ];
      }
      const settings = { tools: { sandboxAllowedPaths: [configDir] } };
      return [
        `${name}'s Seatbelt sandbox lets commands write only to the project, its temp and cache directories, and the included directories.`,
        `To let it write to ${configDir}:`,
        `  for one session, start ${name} with:  ${program} --include-directories ${
          shellWord(configDir)
        }`,
        `  or, for every session, merge this into ${
          pathFor(options.os).join(options.homeDir, ".gemini", "settings.json")
        }:`,
        "",
        ...indent([JSON.stringify(settings)], 4),
        "",
        "The directory must exist; both feed the same five include slots. SANDBOX_MOUNTS does not apply to Seatbelt.",
      ];
    }
    default: {
      if (!gemini) return null;
      // No SANDBOX: the whole CLI is not sandboxed, but tool sandboxing
      // (security.toolSandboxing) sets no variable. Its policy grants
      // file-read* and file-write* on the allowed paths
      // (packages/core/src/sandbox/macos/seatbeltArgsBuilder.ts; Linux:
      // LinuxSandboxManager.ts), and a blocked command gets a "Sandbox
      // Expansion Request" to approve (docs/cli/sandbox.md).
      const settings = { tools: { sandboxAllowedPaths: [configDir] } };
      return [
        `Gemini CLI is not running in its sandbox container or under Seatbelt here; if its tool sandboxing (security.toolSandboxing) runs this command:`,
        `  approve the sandbox expansion request Gemini CLI shows for ${configDir},`,
        `  or, for every session, merge this into ${
          pathFor(options.os).join(options.homeDir, ".gemini", "settings.json")
        } and restart Gemini CLI:`,
        "",
        ...indent([JSON.stringify(settings)], 4),
        "",
        "Otherwise something around Gemini CLI (a container, a read-only mount, a permission flag) blocks the write.",
      ];
    }
  }
}

function containerMount(options: SandboxGuidanceOptions): string {
  const hostKnown = options.homeDir !== "/home/node";
  const host = hostKnown ? options.configDir : "<host dir>";
  return `SANDBOX_MOUNTS=${shellWord(`${host}:${options.configDir}:rw`)}`;
}

// GitHub Copilot CLI (checked 2026-12): docs.github.com/en/copilot/how-tos/
// cloud-and-local-sandboxes/using-local-sandboxing and
// configuring-local-sandbox-settings — opt-in, preview; sandboxed commands
// write only to the working directory and temp folders (the home is
// read-only); /sandbox opens General, Filesystem and Network tabs, stored
// under "sandbox" in its settings.json.
function copilotCliLines(options: SandboxGuidanceOptions): string[] {
  return [
    `GitHub Copilot CLI's sandbox (preview) lets commands write only to the working directory and temp folders.`,
    `To let it write to ${options.configDir}, type /sandbox in Copilot CLI and add it in the Filesystem tab (Esc saves).`,
  ];
}

// VS Code's agent sandbox (preview; checked 2026-12): code.visualstudio.com/
// docs/agents/run/agent-sandboxing — chat.agent.sandbox.enabled turns it on;
// chat.agent.sandbox.fileSystem.mac / .linux / .windows hold allowRead,
// allowWrite, denyRead, denyWrite (no denyWrite on Windows); deny rules win;
// the workspace folders and the sandbox temp dir are always allowed.
function copilotVscodeLines(options: SandboxGuidanceOptions): string[] {
  const platform = options.os === "darwin" ? "mac" : options.os;
  const setting = `chat.agent.sandbox.fileSystem.${platform}`;
  return [
    `VS Code's agent sandbox (preview) lets terminal commands write only to the workspace folders and its temp directory.`,
    `To let it write to ${options.configDir}, add it to allowWrite in the setting ${setting} (VS Code's user settings.json):`,
    "",
    ...indent([
      `${JSON.stringify(setting)}: ${JSON.stringify({ allowWrite: [options.configDir] })}`,
    ], 4),
    "",
    "A denyWrite rule that covers the directory wins over allowWrite.",
  ];
}

function pathFor(os: OsName): typeof posix {
  return os === "windows" ? win32 : posix;
}

function indent(lines: string[], width = 2): string[] {
  const pad = " ".repeat(width);
  return lines.map((line) => (line === "" ? "" : `${pad}${line}`));
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
