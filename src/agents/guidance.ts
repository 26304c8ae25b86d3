/**
 * What to tell a person whose coding agent's sandbox keeps twg from updating
 * its credentials: first how the sandboxed command gets an access token
 * without writing anything (the access-token file it may read, the token
 * keeper's socket where the agent lets it connect), then how to keep the
 * refresh token out of the sandbox, and last, narrowed to the config
 * directory, the agent's own setting that lets it write there. Each agent's
 * row in `registry.ts` says which advice applies; the real, expanded paths of
 * this machine are filled in. An agent twg has no verified settings for, or
 * none, gets the general answer, which is always true. Pure;
 * `store_guidance.ts` reads the agents' config files and prints.
 *
 * Every fact carries its source and the date it was checked (2026-12-02).
 *
 * @module
 */
import { posix, win32 } from "node:path";
import type { OsName } from "../env.ts";
import type { ClaudeSandboxSettings } from "./claude_settings.ts";
import {
  codexConfigPath,
  codexConfigSetsKey,
  codexDefaultPermissions,
  type CodexLayer,
} from "./codex_config.ts";
import { type AgentId, agentSandboxInfo, type GetVar } from "./detect.ts";
import { AGENT_REGISTRY, agentName, agentRow, type KnownAgentId } from "./registry.ts";

/** Options for {@link sandboxGuidance}. */
export interface SandboxGuidanceOptions {
  /** The agent detected, or `null`. */
  agent: AgentId | null;
  /** The name an unknown agent declared itself with, for display. */
  agentDeclared?: string | null;
  /** The agent's version, when its declaration carried one. */
  agentVersion?: string | null;
  /** A second agent the environment names (detection's `alongside`). */
  alongside?: KnownAgentId | null;
  /** Why `agent` was assumed over `alongside`; `null` when it was a guess. */
  rule?: string | null;
  /** With no agent: the editor whose terminal this is (a weak marker). */
  editorTerminal?: KnownAgentId | null;
  /** The absolute config directory that must become writable. */
  configDir: string;
  /**
   * The access-token file a sandbox may read (issue 20's token keeper keeps
   * it): default `<configDir>/access-token.json`.
   */
  tokenFile?: string;
  /** The token keeper's socket (`TWG_BROKER_SOCKET`, or `$XDG_RUNTIME_DIR/twg/broker.sock`), or `null`. */
  brokerSocket?: string | null;
  homeDir: string;
  os: OsName;
  getVar: GetVar;
  /** Codex's config layers, highest precedence first (`readCodexLayers`). */
  codexLayers?: CodexLayer[];
  /** What Claude Code's settings files say (`readClaudeSandboxSettings`). */
  claudeSettings?: ClaudeSandboxSettings | null;
}

/** How people know each agent, for messages (from the registry). */
export const AGENT_NAMES: Readonly<Record<KnownAgentId, string>> = Object.fromEntries(
  AGENT_REGISTRY.map((row) => [row.id, row.name]),
) as Record<KnownAgentId, string>;

const PROFILE_NAME = "twg-workspace";

const NORMAL_TERMINAL_LINE = 'Or run "twg auth refresh" in a normal terminal, outside the sandbox.';
const KEYRING_LINE =
  'Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.';

/** The parts of one agent's advice, in the order they are printed. */
interface Advice {
  /** What the sandbox allows; the first line is the advice's first line. */
  head: string[];
  /** How to reach an access token without writing (after the common file line). */
  read: string[];
  /** Whether the agent's docs say its sandboxed commands may read that file. */
  readVerified: boolean;
  /** How to keep the refresh token out of the sandbox. */
  keepOut: string[];
  /** The write setting, narrowed to the config directory: last. */
  write: string[];
}

/**
 * The lines that follow the "cannot update the credentials" message. Ends
 * with a newline.
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
  const lines: string[] = [];
  const { agent, alongside } = options;
  const guessed = agent !== null && agent !== "other" && alongside && !options.rule;
  if (agent !== null && agent !== "other" && alongside) {
    lines.push(
      guessed
        ? `This environment names both ${agentName(agent)} and ${
          agentName(alongside)
        }, and twg cannot tell whose sandbox runs this command; what holds for either:`
        : `This environment names both ${agentName(agent)} and ${
          agentName(alongside)
        }; twg assumes ${agentName(agent)}'s sandbox runs this command: ${options.rule}.`,
    );
  }
  const advice = guessed ? null : adviceFor(options);
  if (advice === null) {
    lines.push(...generalLines(options));
  } else {
    lines.push(
      ...advice.head,
      "Without writing anything, the sandboxed command can use an access token:",
      `  read it from ${tokenFileOf(options)}${
        advice.readVerified ? "" : " (if the sandbox lets it read that file)"
      }, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";`,
      ...advice.read,
      ...advice.keepOut,
      `Only if commands in the sandbox must refresh the credentials themselves, let them write to ${options.configDir}, and nowhere else:`,
      ...advice.write,
    );
  }
  lines.push(NORMAL_TERMINAL_LINE);
  return lines.join("\n") + "\n";
}

/**
 * The smallest fix in one line, for `doctor`'s `agent` check: reading the
 * access-token file needs no change; this is the one-session write grant
 * where the agent has one.
 *
 * @example
 * ```ts
 * oneLineFix({ agent: "codex", configDir: "/home/ada/.config/twg", homeDir: "/home/ada",
 *   os: "linux", getVar: () => undefined }); // "codex --add-dir /home/ada/.config/twg"
 * ```
 */
export function oneLineFix(options: SandboxGuidanceOptions): string {
  const dir = shellWord(options.configDir);
  const advice = options.agent && options.agent !== "other" && !(options.alongside && !options.rule)
    ? agentRow(options.agent).advice
    : null;
  switch (advice) {
    case "claude-code":
      return `/add-dir ${dir} (or start claude --add-dir ${dir})`;
    case "codex":
      return `codex --add-dir ${dir}`;
    case "cursor":
      return `add ${JSON.stringify(options.configDir)} to additionalReadwritePaths in ${
        pathFor(options.os).join(options.homeDir, ".cursor", "sandbox.json")
      }`;
    case "gemini": {
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
    case "zed":
      return `approve the agent's request to write to ${options.configDir}`;
  }
  return `let the sandbox read ${tokenFileOf(options)}, or write to ${options.configDir}`;
}

function tokenFileOf(options: SandboxGuidanceOptions): string {
  return options.tokenFile ?? pathFor(options.os).join(options.configDir, "access-token.json");
}

function authConfOf(options: SandboxGuidanceOptions): string {
  return pathFor(options.os).join(options.configDir, "auth.conf");
}

function adviceFor(options: SandboxGuidanceOptions): Advice | null {
  if (options.agent === null || options.agent === "other") return null;
  const row = agentRow(options.agent);
  switch (row.advice) {
    case "claude-code":
      return claudeCodeAdvice(options);
    case "codex":
      return codexAdvice(options);
    case "cursor":
      return cursorAdvice(options);
    case "gemini":
      return geminiAdvice(options);
    case "copilot-cli":
      return copilotCliAdvice(options);
    case "copilot-vscode":
      return copilotVscodeAdvice(options);
    case "zed":
      return zedAdvice(options);
    case "no-sandbox":
      return noSandboxAdvice(options, row.name);
    case "hosted":
      return null;
    case "generic":
      return null;
  }
}

/**
 * The general answer (spec item 5), true whatever runs twg: what twg needs,
 * with the exact paths, and no guess at an agent's settings. For no agent,
 * an unknown one, a known agent without verified settings, a hosted VM or
 * container, and two agents twg cannot choose between.
 */
function generalLines(options: SandboxGuidanceOptions): string[] {
  const { agent, configDir } = options;
  const lines: string[] = [];
  // With a second agent twg could not choose between, the line before says
  // so: nothing here may speak for either.
  const row = agent && agent !== "other" && !options.alongside ? agentRow(agent) : null;
  if (row?.advice === "hosted") {
    lines.push(
      `${row.name} runs commands in ${row.hostedIn}, which holds no copy of this machine's twg files and does not let them be written here.`,
    );
  } else if (row) {
    lines.push(
      `twg cannot update the credentials in ${configDir} here, and knows no ${row.name} setting that changes that.`,
    );
  } else if (agent === "other") {
    const which = options.agentDeclared ? ` (${options.agentDeclared})` : "";
    lines.push(
      `twg cannot update the credentials in ${configDir} here, and does not know this coding agent's${which} sandbox settings.`,
    );
  } else if (agent === null && options.editorTerminal) {
    const editor = agentRow(options.editorTerminal);
    lines.push(
      `twg cannot update the credentials in ${configDir} here. This looks like a terminal of ${
        editorName(editor.id)
      }, and no marker says one of its agents runs it: something (a sandbox, a container, a read-only mount, a permission flag) blocks the write.`,
    );
  } else if (agent === null) {
    lines.push(
      `twg cannot update the credentials in ${configDir} here: something (a sandbox, a container, a read-only mount, a permission flag) blocks the write.`,
    );
  }
  lines.push(
    "What twg needs, whatever runs it (any one of these is enough):",
    `  to read ${
      tokenFileOf(options)
    } (an access token only, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve");`,
  );
  if (options.brokerSocket) {
    lines.push(
      `  or to connect to the Unix socket ${options.brokerSocket}, where "twg auth serve" answers;`,
    );
  }
  lines.push(
    `  or, to refresh here, to write to ${configDir} (twg writes, renames and locks its files there, nowhere else).`,
    KEYRING_LINE,
  );
  return lines;
}

// The editors whose terminals carry a weak marker, as people name them.
function editorName(id: KnownAgentId): string {
  const editors: Partial<Record<KnownAgentId, string>> = {
    "zed": "Zed",
    "copilot-vscode": "VS Code",
    "warp": "Warp",
    "replit": "Replit",
  };
  return editors[id] ?? agentName(id);
}

function socketLine(options: SandboxGuidanceOptions, how: string): string[] {
  return options.brokerSocket
    ? [`  or ask the token keeper ("twg auth serve") at ${options.brokerSocket}: ${how}`]
    : [];
}

// Claude Code (checked 2026-12-02). code.claude.com/docs/en/settings,
// sandbox.filesystem (as quoted by docs.rs/claude-code-settings 0.1.0): by
// default sandboxed commands write to the working directory, the per-user
// temp dir and the directories added with --add-dir, /add-dir or
// permissions.additionalDirectories, and read the rest of the filesystem,
// credential files included; denyRead blocks reads; allowWrite adds writes.
// sandbox.network.allowUnixSockets is macOS only and ignored on Linux
// (seccomp cannot filter by path); allowAllUnixSockets opens every socket
// (entrypoints/sandboxTypes.ts, read in a third-party copy of the source).
// Absolute allowWrite paths since 2.1.78 (CHANGELOG); "/sandbox" keeps its
// choice in .claude/settings.local.json and sandbox.enabled in user settings
// turns the sandbox on everywhere (docs/en/sandboxing): never add "enabled".
function claudeCodeAdvice(options: SandboxGuidanceOptions): Advice {
  const dir = options.configDir;
  const settings = options.claudeSettings ?? null;
  const userSettingsPath = settings?.userSettingsPath ??
    pathFor(options.os).join(
      options.getVar("CLAUDE_CONFIG_DIR") || pathFor(options.os).join(options.homeDir, ".claude"),
      "settings.json",
    );
  const allowWrite = claudeAllowWritePath(options);
  const read = options.os === "darwin"
    ? socketLine(options, "list it in sandbox.network.allowUnixSockets.")
    : options.brokerSocket
    ? [
      `  (the token keeper's socket is not reachable from it: on ${
        options.os === "windows" ? "Windows" : "Linux"
      } Claude Code cannot allow one Unix socket by path, only all of them)`,
    ]
    : [];
  const denyRead = { sandbox: { filesystem: { denyRead: [authConfOf(options)] } } };
  const write = [
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
    ...indent([JSON.stringify({ sandbox: { filesystem: { allowWrite: [allowWrite] } } })], 4),
    "",
    'Directories added with /add-dir, --add-dir or permissions.additionalDirectories are writable by sandboxed commands. Do not add "enabled": true to these settings: it would turn the sandbox on for every project.',
  ];
  if (settings) {
    if (settings.alreadyAllowedIn.length > 0) {
      write.push(
        `${
          settings.alreadyAllowedIn.join(" and ")
        } already allows it: start a new Claude Code session, or check sandbox.filesystem.denyWrite.`,
      );
    } else if (settings.enabledIn.length > 0) {
      write.push(`The sandbox is turned on in ${settings.enabledIn.join(" and ")}.`);
    } else {
      write.push(
        "None of the Claude Code settings files twg can read turns the sandbox on: if it is off, something else blocks the write (a container, a read-only mount), and these settings will not help.",
      );
    }
  }
  return {
    head: [
      `Claude Code's sandbox lets commands read files outside sandbox.filesystem.denyRead, but write only to the working directory and the directories added to the session.`,
    ],
    read,
    readVerified: true,
    keepOut: [
      `Keep the refresh token out of the sandbox: merge this into ${userSettingsPath} (a command that must refresh needs to read it, so drop it for the last step), or use "twg auth backend keyring":`,
      "",
      ...indent([JSON.stringify(denyRead)], 4),
      "",
    ],
    write,
  };
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

/** The permission profile Codex runs under, and where twg learnt it. */
interface CodexProfile {
  name: string;
  from: "CODEX_PERMISSION_PROFILE" | string;
}

// Codex names the active profile on each shell command since PR #29941
// (2026-06-25, CODEX_PERMISSION_PROFILE; informational, so only used to pick
// which table to edit); else default_permissions of the highest layer that
// sets it.
function codexProfile(options: SandboxGuidanceOptions): CodexProfile | null {
  const fromVariable = options.getVar("CODEX_PERMISSION_PROFILE")?.trim();
  if (fromVariable) return { name: fromVariable, from: "CODEX_PERMISSION_PROFILE" };
  for (const layer of options.codexLayers ?? []) {
    if (layer.kind === "profile") continue;
    const name = codexDefaultPermissions(layer.text);
    if (name) return { name, from: layer.path };
  }
  return null;
}

// Codex (checked 2026-12-02). `--add-dir`: developers.openai.com/codex/cli/
// reference ("Grant additional directories write access"). Permission
// profiles: developers.openai.com/codex/permissions (beta): built-ins
// :read-only, :workspace, :danger-full-access; "If sandbox_mode appears in
// any loaded config file, you pass --sandbox, or the selected config profile
// sets sandbox_mode, Codex uses those older sandbox settings instead of
// default_permissions." Filesystem entries take "read", "write" or "deny"
// (openai/codex PR #24970 renamed "none" to "deny"); Unix sockets are
// allowed per path under [permissions.<p>.network.unix_sockets] (openai/codex
// #15120; #25416: not applied under macOS Seatbelt in 0.135.0-alpha.1).
function codexAdvice(options: SandboxGuidanceOptions): Advice {
  const dir = options.configDir;
  const layers = options.codexLayers ?? [];
  const userPath = codexConfigPath(options);
  const head = [
    `Codex's sandbox lets commands write only to the workspace and its writable roots.`,
  ];
  const oneSession = `  for one session, start Codex with:  codex --add-dir ${shellWord(dir)}`;
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
  const restart = "Start a new Codex session for the change to apply.";
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
    return {
      head,
      read: [],
      readVerified: false,
      keepOut: [KEYRING_LINE],
      write: [
        oneSession,
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
        restart,
      ],
    };
  }
  const active = codexProfile(options);
  const isCustom = active !== null && !active.name.startsWith(":");
  const profile = isCustom ? active.name : PROFILE_NAME;
  const table = `permissions.${tomlKey(profile)}`;
  // A custom profile is edited where it is defined; a new one goes to the user config.
  const definedIn = isCustom
    ? layers.find((layer) => layer.kind !== "profile" && layer.text.includes(`[${table}`))?.path ??
      userPath
    : userPath;
  const where = isCustom
    ? `Your permission profile is "${profile}" (${
      active.from === "CODEX_PERMISSION_PROFILE"
        ? "CODEX_PERMISSION_PROFILE"
        : `default_permissions in ${active.from}`
    }): add these lines to its tables in ${definedIn}, creating a table that is not there yet:`
    : `Add this permission profile to ${userPath} (the default_permissions line above the first [table]${
      active ? `; it replaces default_permissions = "${active.name}", which it extends` : ""
    }):`;
  const newProfileHead = isCustom ? [] : [
    `default_permissions = "${PROFILE_NAME}"`,
    "",
    `[${table}]`,
    `extends = ${JSON.stringify(active?.name ?? ":workspace")}`,
    "",
  ];
  const socketTable = options.brokerSocket
    ? ["", `[${table}.network.unix_sockets]`, `${tomlString(options.brokerSocket)} = "allow"`]
    : [];
  const read = [
    ...socketLine(
      options,
      `allow that socket in the profile below (some macOS builds ignore it: openai/codex#25416).`,
    ),
    where,
    "",
    ...indent([
      ...newProfileHead,
      `[${table}.filesystem]`,
      `${tomlString(authConfOf(options))} = "deny"`,
      ...socketTable,
    ], 4),
    "",
  ];
  const read2 = layers.length > 0
    ? layers.filter((layer) => layer.kind !== "profile").map((layer) => layer.path).join(", ") ||
      "none found"
    : "none found";
  return {
    head,
    read,
    readVerified: true,
    keepOut: [
      'The "deny" line keeps the refresh token in auth.conf out of the sandbox (older Codex builds spell it "none").',
    ],
    write: [
      oneSession,
      `  or, for every session, add this line under [${table}.filesystem] and drop the "deny" line (a refresh reads auth.conf):`,
      "",
      ...indent([`${tomlString(dir)} = "write"`], 4),
      "",
      `A sandbox_mode in any config layer makes Codex ignore permission profiles silently; the layers twg read set none (${read2}).`,
      ...profileLines,
      sandboxFlagLine,
      restart,
    ],
  };
}

// Cursor (checked 2026-12-02): cursor.com/docs/reference/sandbox —
// ~/.cursor/sandbox.json (every workspace) and <workspace>/.cursor/sandbox.json
// (wins), merged; additionalReadwritePaths "only applies when type is
// workspace_readwrite". Linux: cursor.com/docs/agent/tools/terminal — kernel
// 6.2+ with Landlock v3 and unprivileged user namespaces. The same reference
// lists additionalReadonlyPaths ("Extra paths the agent can read"), so the
// token file alone can be made readable; no key there denies a path (so the
// keyring keeps the refresh token out), and no Unix socket setting was found.
function cursorAdvice(options: SandboxGuidanceOptions): Advice {
  const sandbox = { type: "workspace_readwrite", additionalReadwritePaths: [options.configDir] };
  const sandboxJson = pathFor(options.os).join(options.homeDir, ".cursor", "sandbox.json");
  return {
    head: [`Cursor's sandbox lets agent commands write only to the workspace.`],
    read: [
      `  (where Cursor's sandbox limits reads, make that file alone readable: add it to additionalReadonlyPaths in ${sandboxJson})`,
    ],
    readVerified: false,
    keepOut: [KEYRING_LINE],
    write: [
      `  merge this into ${sandboxJson} (every workspace) or into the workspace's .cursor/sandbox.json:`,
      "",
      ...indent([JSON.stringify(sandbox)], 4),
      "",
      "additionalReadwritePaths applies only while type is workspace_readwrite.",
      ...(options.os === "linux"
        ? [
          "On Linux, Cursor's sandbox needs kernel 6.2 or later (Landlock v3) and unprivileged user namespaces.",
        ]
        : []),
    ],
  };
}

// Gemini CLI (checked 2026-12-02, google-gemini/gemini-cli):
// - Seatbelt (SANDBOX=sandbox-exec): packages/cli/src/utils/sandbox.ts passes
//   five INCLUDE_DIR_n slots, filled from --include-directories and then
//   tools.sandboxAllowedPaths; the .sb profiles allow file-write* there.
// - Docker/Podman (SANDBOX=<container>): only the workdir, ~/.gemini and the
//   temp dir are mounted, not the home; SANDBOX_MOUNTS "from:to:opts" (opts
//   default ro, from absolute and existing) adds mounts, a single file too
//   (a bind mount); LXC ignores SANDBOX_MOUNTS.
// - Tool sandboxing (security.toolSandboxing, no SANDBOX variable): its
//   allowedPaths come from tools.sandboxAllowedPaths only when a whole-CLI
//   sandbox (tools.sandbox) is configured (packages/cli/src/config/config.ts,
//   packages/core/src/config/config.ts); --include-directories reaches it but
//   is mounted read-only on Linux (sandbox/linux/bwrapArgsBuilder.ts) and
//   read-write on macOS (seatbeltArgsBuilder.ts); a blocked command gets a
//   "Sandbox expansion" request (docs/cli/sandbox.md). Read via agents.md's
//   2026-12-02 reading of that source, with line numbers.
// Qwen Code is a Gemini CLI fork: Seatbelt fills the include slots from
// workspace directories only (QwenLM/qwen-code sandbox.ts @013e660), so only
// the flag is offered; its container honours SANDBOX_MOUNTS.
function geminiAdvice(options: SandboxGuidanceOptions): Advice | null {
  const gemini = options.agent === "gemini-cli";
  const name = gemini ? "Gemini CLI" : "Qwen Code";
  const program = gemini ? "gemini" : "qwen";
  const { configDir } = options;
  switch (agentSandboxInfo(options.agent, options.getVar)) {
    case "container": {
      const container = options.getVar("SANDBOX") ?? "";
      const hostKnown = options.homeDir !== "/home/node";
      const host = hostKnown ? configDir : "<twg's config directory on the host>";
      const tokenFile = tokenFileOf(options);
      const hostTokenFile = hostKnown ? tokenFile : "<host dir>/access-token.json";
      return {
        head: [
          `${name}'s sandbox container does not mount the host's home directory, so ${configDir} is not there.`,
        ],
        read: [
          `  (mount only that file, read-only: start ${program} with  SANDBOX_MOUNTS=${
            shellWord(`${hostTokenFile}:${tokenFile}:ro`)
          })`,
        ],
        readVerified: true,
        keepOut: [
          "Never mount the whole directory for reading: auth.conf there holds the refresh token.",
        ],
        write: [
          `  start ${program} with this variable set, naming the directory on the host (after a comma if SANDBOX_MOUNTS already has a value):`,
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
        ],
      };
    }
    case "seatbelt": {
      const head = [
        `${name}'s Seatbelt sandbox lets commands write only to the project, its temp and cache directories, and the included directories.`,
      ];
      if (!gemini) {
        return {
          head,
          read: [],
          readVerified: false,
          keepOut: [KEYRING_LINE],
          write: [
            `  start Qwen Code with:  qwen --include-directories ${shellWord(configDir)}`,
            "The directory must exist. SANDBOX_MOUNTS does not apply to Seatbelt.",
          ],
        };
      }
      const settings = { tools: { sandboxAllowedPaths: [configDir] } };
      return {
        head,
        read: [],
        readVerified: false,
        keepOut: [KEYRING_LINE],
        write: [
          `  for one session, start Gemini CLI with:  gemini --include-directories ${
            shellWord(configDir)
          }`,
          `  or, for every session, merge this into ${
            pathFor(options.os).join(options.homeDir, ".gemini", "settings.json")
          }:`,
          "",
          ...indent([JSON.stringify(settings)], 4),
          "",
          "The directory must exist; both feed the same five include slots. SANDBOX_MOUNTS does not apply to Seatbelt.",
        ],
      };
    }
    default: {
      if (!gemini) return null;
      return {
        head: [
          `Gemini CLI is not running in its sandbox container or under Seatbelt here; its tool sandboxing (security.toolSandboxing) may be running this command.`,
        ],
        read: [],
        readVerified: false,
        keepOut: [KEYRING_LINE],
        write: [
          `  approve the sandbox expansion request Gemini CLI shows for ${configDir};`,
          options.os === "darwin"
            ? `  or start Gemini CLI with:  gemini --include-directories ${shellWord(configDir)}`
            : `  (--include-directories is mounted read-only for tool sandboxing on ${
              options.os === "windows" ? "this system" : "Linux"
            }, so it does not help here)`,
          "tools.sandboxAllowedPaths does not reach tool sandboxing unless the whole-CLI sandbox (tools.sandbox) is configured.",
          "Otherwise something around Gemini CLI (a container, a read-only mount, a permission flag) blocks the write.",
        ],
      };
    }
  }
}

function containerMount(options: SandboxGuidanceOptions): string {
  const hostKnown = options.homeDir !== "/home/node";
  const host = hostKnown ? options.configDir : "<host dir>";
  return `SANDBOX_MOUNTS=${shellWord(`${host}:${options.configDir}:rw`)}`;
}

// GitHub Copilot CLI (checked 2026-12-02): docs.github.com/en/copilot/how-tos/
// cloud-and-local-sandboxes/using-local-sandboxing and
// configuring-local-sandbox-settings — opt-in, preview; sandboxed commands
// write only to the working directory and temp folders, and the home is
// read-only (so readable); /sandbox opens General, Filesystem and Network
// tabs, stored under "sandbox" in its settings.json. No deny-read or Unix
// socket setting found.
function copilotCliAdvice(options: SandboxGuidanceOptions): Advice {
  return {
    head: [
      `GitHub Copilot CLI's sandbox (preview) lets commands write only to the working directory and temp folders; the home directory is read-only.`,
    ],
    read: [],
    readVerified: true,
    keepOut: [KEYRING_LINE],
    write: [
      `  type /sandbox in Copilot CLI and add ${options.configDir} in the Filesystem tab (Esc saves).`,
    ],
  };
}

// VS Code's agent sandbox (preview; checked 2026-12-02): code.visualstudio.com/
// docs/agents/run/agent-sandboxing — chat.agent.sandbox.enabled turns it on;
// chat.agent.sandbox.fileSystem.mac / .linux / .windows hold allowRead,
// allowWrite, denyRead, denyWrite (microsoft/vscode PR #314259); deny rules
// win; the workspace folders and the sandbox temp dir are always writable.
function copilotVscodeAdvice(options: SandboxGuidanceOptions): Advice {
  const platform = options.os === "darwin" ? "mac" : options.os;
  const setting = `chat.agent.sandbox.fileSystem.${platform}`;
  return {
    head: [
      `VS Code's agent sandbox (preview) lets terminal commands write only to the workspace folders and its temp directory.`,
    ],
    read: [],
    readVerified: false,
    keepOut: [
      `Keep the refresh token out of the sandbox: add ${
        JSON.stringify(authConfOf(options))
      } to denyRead in the setting ${setting} (drop it for the last step: a refresh reads it), or use "twg auth backend keyring".`,
    ],
    write: [
      `  add it to allowWrite in the setting ${setting} (VS Code's user settings.json):`,
      "",
      ...indent([
        `${JSON.stringify(setting)}: ${JSON.stringify({ allowWrite: [options.configDir] })}`,
      ], 4),
      "",
      "A denyWrite rule that covers the directory wins over allowWrite.",
    ],
  };
}

// Zed's agent (checked 2026-12-02): zed.dev/docs/ai/sandboxing — the agent's
// terminal tool runs in an OS sandbox; terminal commands "can read the
// filesystem, except for protected Git metadata", write inside open project
// directories and a temporary location. On by default since Zed 1.14.2
// (agents.md 2026-12-02, zed PRs #57431/#57972/#59448: not read first-hand).
// Zed tells its version to every terminal: TERM_PROGRAM_VERSION, beside
// TERM_PROGRAM=zed (zed crates/terminal/src/terminal.rs
// insert_zed_terminal_env), so the advice follows it, and names both forms
// when it is missing. The persistent grant's setting name
// (agent.sandbox_permissions.write_paths) comes from a third party's reading
// of Zed's source (rulesync #2415) and is not printed.
const ZED_SANDBOX_SINCE = [1, 14, 2];

function zedAdvice(options: SandboxGuidanceOptions): Advice {
  const version = /^(\d+)\.(\d+)\.(\d+)/.exec(options.getVar("TERM_PROGRAM_VERSION") ?? "");
  const parts = version ? version.slice(1, 4).map(Number) : null;
  const sandboxed = parts === null ? null : compareVersions(parts, ZED_SANDBOX_SINCE) >= 0;
  if (sandboxed === false) {
    return {
      ...noSandboxAdvice(options, `Zed ${parts!.join(".")}'s agent`),
      head: [
        `Zed's agent has no sandbox before Zed 1.14.2 (this is ${
          parts!.join(".")
        }), so something around it (a container, a read-only mount, a permission flag) blocks the write to ${options.configDir}.`,
      ],
    };
  }
  const write = [
    `  approve the agent's request to write to ${options.configDir} when Zed asks (for this conversation),`,
    "  or grant it for every conversation in the sandbox settings of Zed's agent (zed.dev/docs/ai/sandboxing).",
  ];
  return {
    head: [
      sandboxed
        ? `Zed's agent runs terminal commands in its sandbox, which lets them read files but write only to the project's directories.`
        : `Zed's agent runs terminal commands in its sandbox (on by default since Zed 1.14.2; earlier versions have none), which lets them read files but write only to the project's directories.`,
    ],
    read: [],
    readVerified: true,
    keepOut: [KEYRING_LINE],
    write: sandboxed ? write : [
      ...write,
      "Before Zed 1.14.2 the agent has no sandbox: then something around Zed (a container, a read-only mount, a permission flag) blocks the write.",
    ],
  };
}

// OpenCode, Goose, Cline, Roo Code, Aider, Kilo, Crush: no sandbox of their
// own (registry sources), so nothing of theirs blocks reads or writes.
function noSandboxAdvice(options: SandboxGuidanceOptions, name: string): Advice {
  return {
    head: [
      `${name} has no sandbox of its own, so something around it (a container, a read-only mount, a permission flag) blocks the write to ${options.configDir}.`,
    ],
    read: socketLine(options, "if whatever wraps it lets it connect to that Unix socket."),
    readVerified: false,
    keepOut: [KEYRING_LINE],
    write: ["  make that directory writable in whatever wraps it (and only that directory)."],
  };
}

function tomlKey(key: string): string {
  return /^[A-Za-z0-9_-]+$/.test(key) ? key : JSON.stringify(key);
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
