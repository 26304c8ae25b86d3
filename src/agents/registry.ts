/**
 * The coding agents twg knows, as data: one row per agent with the markers it
 * sets on the commands it runs, the kind of sandbox those commands run in,
 * which advice applies, and where each fact was read and when. Detection
 * (`detect.ts`) and advice (`guidance.ts`) read this table; adding an agent is
 * adding a row here and its case in `tests/agents/registry_test.ts`.
 *
 * Evidence, per marker: `first-hand` means read in the agent's own source,
 * changelog or docs; `detector` means only another detection library says so
 * (cli/cli `internal/agents/detect.go`, `@vercel/detect-agent` `agents.json`,
 * jfrog-cli-core's agent table, MLflow's agent hint list); `observed` means
 * seen in a dumped environment or a shell guard in public code.
 *
 * Precision before recall: a `strong` marker is one the agent sets itself on
 * its commands and a person never exports; a `weak` marker is also in every
 * terminal of an editor (it names "an editor terminal", never an agent).
 * Variables a person exports to configure an agent (Copilot CLI's
 * `COPILOT_MODEL`, `COPILOT_ALLOW_ALL`) are listed in `personSettings` so the
 * test can prove they identify nothing.
 *
 * @module
 */

/** Every agent twg knows, with the stable id of the contract (new ids at the end). */
export const KNOWN_AGENT_IDS = [
  "claude-code",
  "claude-cowork",
  "codex",
  "cursor",
  "gemini-cli",
  "qwen-code",
  "copilot-cli",
  "copilot-vscode",
  "opencode",
  "amp",
  "goose",
  "cline",
  "crush",
  "zed",
  "kiro",
  "pi",
  "warp",
  "windsurf",
  "augment",
  "antigravity",
  "replit",
  "devin",
  // Added in issue 24 (contract addition: new ids, the old ones unchanged).
  "roo-code",
  "aider",
  "kimi-cli",
  "openclaw",
  "trae",
  "hermes",
  "iflow-cli",
  "junie",
  "openhands",
  "kilo",
  "copilot-cloud",
  "copilot-app",
  "open-interpreter",
] as const;

/** Agents twg knows by name. */
export type KnownAgentId = typeof KNOWN_AGENT_IDS[number];

/** Where a fact comes from; see the module doc. */
export type Evidence = "first-hand" | "detector" | "observed";

/** A variable an agent sets on the commands it runs. */
export interface Marker {
  name: string;
  /** The exact value that marks the agent; any non-empty value when absent. */
  value?: string;
  /**
   * A flag: `0`, `false`, `no`, `off` (any case) count as unset, as the agents
   * that read their own flags do (Claude Code reads `CLAUDE_CODE_IS_COWORK`
   * with `isEnvTruthy`).
   */
  flag?: boolean;
  /** Another variable that must hold a value too (Zed's agent: `PAGER=cat`). */
  with?: { name: string; value: string };
  /** `strong`: the agent sets it itself; `weak`: every terminal of an editor has it. */
  strength: "strong" | "weak";
  /**
   * A weak marker that editors derived from this one set too (every VS Code
   * fork keeps `TERM_PROGRAM=vscode`): it names the editor only when no other
   * editor's marker is set.
   */
  sharedByForks?: boolean;
  evidence: Evidence;
}

/**
 * How the agent runs commands, for the advice: its own OS sandbox with a
 * setting twg knows (`os-sandbox`), none of its own (`none`), a VM or
 * container that does not hold the host's files (`hosted`), or not known.
 */
export type SandboxKind = "os-sandbox" | "none" | "hosted" | "unknown";

/** Which advice function in `guidance.ts` answers for the row. */
export type AdviceKind =
  | "claude-code"
  | "codex"
  | "cursor"
  | "gemini"
  | "copilot-cli"
  | "copilot-vscode"
  | "zed"
  | "no-sandbox"
  | "hosted"
  | "generic";

/** One agent. */
export interface AgentRow {
  id: KnownAgentId;
  /** How people know it, for messages. */
  name: string;
  markers: Marker[];
  /**
   * Names it declares in `AI_AGENT` / `AGENT` (normalized: lower case, `_`
   * as `-`, version and role suffixes gone) beside its id.
   */
  declares: string[];
  /** Variables a person exports to configure it: never markers. */
  personSettings?: string[];
  sandbox: SandboxKind;
  advice: AdviceKind;
  /** For `hosted`: what runs its commands. */
  hostedIn?: string;
  /** Sources, repository and path or docs URL, with what each says. */
  sources: string[];
  /** When the sources were read (ISO date). */
  checked: string;
}

const CHECKED = "2026-12-02";

/**
 * Which agent's sandbox runs the command when the environment names two.
 * `runs` is the one assumed; `why` ends the sentence "twg assumes X's sandbox
 * runs this command, because …". A pair not listed here is reported as a
 * guess: the declared agent (`AI_AGENT`, then `AGENT`), else the first in
 * table order, and the advice says twg cannot tell.
 */
export interface PairRule {
  pair: readonly [KnownAgentId, KnownAgentId];
  runs: KnownAgentId;
  why: string;
  /** Where the rule comes from. */
  source: string;
  /**
   * The agent that runs sets the other's markers itself (a fork, or a mode
   * of the other): one agent, not two, so the advice does not mention it.
   */
  setsBoth?: boolean;
}

/** The known combinations of two agents. */
export const PAIR_RULES: readonly PairRule[] = [
  {
    pair: ["amp", "claude-code"],
    runs: "amp",
    setsBoth: true,
    why: "Amp sets CLAUDECODE=1 on its own commands too",
    source: "am-i-vibing providers.ts; cli/cli internal/agents/detect.go comment (detector)",
  },
  {
    pair: ["claude-cowork", "claude-code"],
    runs: "claude-cowork",
    setsBoth: true,
    why: "Cowork is a Claude Code mode and keeps Claude Code's variables",
    source: "@vercel/detect-agent agents.json (cowork before claude_code)",
  },
  {
    pair: ["qwen-code", "gemini-cli"],
    runs: "qwen-code",
    setsBoth: true,
    why: "Qwen Code is a Gemini CLI fork",
    source: "QwenLM/qwen-code packages/cli/src/utils/sandbox.ts",
  },
  {
    pair: ["kilo", "opencode"],
    runs: "kilo",
    setsBoth: true,
    why: "Kilo is an OpenCode fork and keeps OPENCODE=1",
    source: "observed Kilo session environment (KILO=1 beside OPENCODE=1), public code",
  },
  {
    pair: ["open-interpreter", "codex"],
    runs: "open-interpreter",
    setsBoth: true,
    why: "Open Interpreter is a Codex fork and keeps Codex's variables",
    source:
      "agents.md 2026-12-02 citing openinterpreter/openinterpreter codex-rs/core/src/exec_env.rs (not read first-hand)",
  },
  {
    // VS Code launches Codex with AI_AGENT=github_copilot_vscode_agent
    // (microsoft/vscode codexLaunchConfig.test.ts, per agents.md): the
    // variable is inherited, CODEX_THREAD_ID is set by Codex on each command.
    pair: ["copilot-vscode", "codex"],
    runs: "codex",
    why:
      "Codex sets CODEX_THREAD_ID on each command it runs, and VS Code only declares itself for the Codex it launched",
    source: "openai/codex codex-rs/protocol/src/shell_environment.rs; microsoft/vscode PR #327433",
  },
  {
    pair: ["copilot-vscode", "claude-code"],
    runs: "claude-code",
    why:
      "Claude Code sets CLAUDECODE=1 on each command it runs, and VS Code only declares itself for the Claude it launched",
    source: "anthropics/claude-code CHANGELOG 2.1.154; microsoft/vscode PR #327433",
  },
];

/**
 * The table. Order matters only for a pair with no rule (the first wins, and
 * the advice says it was a guess).
 */
export const AGENT_REGISTRY: readonly AgentRow[] = [
  {
    id: "claude-code",
    name: "Claude Code",
    markers: [
      { name: "CLAUDECODE", flag: true, strength: "strong", evidence: "first-hand" },
      { name: "CLAUDE_CODE", flag: true, strength: "strong", evidence: "detector" },
    ],
    declares: ["claude-code", "claude", "claudecode"],
    sandbox: "os-sandbox",
    advice: "claude-code",
    sources: [
      "anthropics/claude-code CHANGELOG.md 2.1.154 (CLAUDECODE=1), 2.1.120 (AI_AGENT), 2.1.78 (absolute allowWrite paths)",
      "code.claude.com/docs/en/settings sandbox.filesystem (allowWrite, denyRead; reads allowed outside denyRead), as quoted by docs.rs/claude-code-settings 0.1.0 SandboxFilesystem",
      "Claude Code entrypoints/sandboxTypes.ts (allowUnixSockets macOS only, ignored on Linux; allowAllUnixSockets), third-party source copy at tangled.org/oppi.li/claude-code",
    ],
    checked: CHECKED,
  },
  {
    id: "claude-cowork",
    name: "Claude Cowork",
    markers: [{
      name: "CLAUDE_CODE_IS_COWORK",
      flag: true,
      strength: "strong",
      evidence: "detector",
    }],
    declares: ["cowork", "claude-code-cowork", "claude-cowork"],
    sandbox: "hosted",
    advice: "hosted",
    hostedIn: "its own virtual machine",
    sources: [
      "cli/cli internal/agents/detect.go @12fba3e; @vercel/detect-agent agents.json (CLAUDE_CODE_IS_COWORK with a Claude Code marker)",
    ],
    checked: CHECKED,
  },
  {
    id: "codex",
    name: "Codex",
    markers: [
      { name: "CODEX_THREAD_ID", strength: "strong", evidence: "first-hand" },
      { name: "CODEX_SANDBOX", strength: "strong", evidence: "first-hand" },
      {
        name: "CODEX_SANDBOX_NETWORK_DISABLED",
        flag: true,
        strength: "strong",
        evidence: "first-hand",
      },
      { name: "CODEX_CI", flag: true, strength: "strong", evidence: "detector" },
      { name: "CODEX_PERMISSION_PROFILE", strength: "strong", evidence: "first-hand" },
    ],
    declares: ["codex", "codex-cli", "openai-codex"],
    sandbox: "os-sandbox",
    advice: "codex",
    sources: [
      "openai/codex codex-rs/protocol/src/shell_environment.rs (CODEX_THREAD_ID on every command); codex-rs/core/src/spawn.rs (CODEX_SANDBOX, CODEX_SANDBOX_NETWORK_DISABLED)",
      "openai/codex PR #29941, merged 2026-06-25: CODEX_PERMISSION_PROFILE names the active permission profile for shell tools",
      "developers.openai.com/codex/permissions (built-ins :read-only, :workspace, :danger-full-access; sandbox_mode in any layer wins); openai/codex PR #24970 (deny spelling); openai/codex #25416 (network.unix_sockets not applied to Seatbelt in 0.135.0-alpha.1)",
    ],
    checked: CHECKED,
  },
  {
    id: "cursor",
    name: "Cursor",
    markers: [
      { name: "CURSOR_AGENT", flag: true, strength: "strong", evidence: "detector" },
      {
        name: "CURSOR_EXTENSION_HOST_ROLE",
        value: "agent-exec",
        strength: "strong",
        evidence: "detector",
      },
      // Every terminal inside Cursor, a person's too (jfrog/jfrog-cli-core common/commands/execution_context.go: "set
      // for Cursor integrated terminals (humans too)").
      { name: "CURSOR_TRACE_ID", strength: "weak", evidence: "detector" },
    ],
    declares: ["cursor", "cursor-agent", "cursor-cli"],
    sandbox: "os-sandbox",
    advice: "cursor",
    sources: [
      "@vercel/detect-agent agents.json (CURSOR_AGENT, CURSOR_EXTENSION_HOST_ROLE=agent-exec); jfrog/jfrog-cli-core common/commands/execution_context.go (CURSOR_TRACE_ID is every Cursor terminal)",
      "cursor.com/docs/reference/sandbox (sandbox.json, additionalReadwritePaths only with workspace_readwrite, additionalReadonlyPaths); cursor.com/docs/agent/tools/terminal (Linux kernel 6.2+, Landlock v3)",
    ],
    checked: CHECKED,
  },
  {
    id: "qwen-code",
    name: "Qwen Code",
    markers: [{ name: "QWEN_CODE", flag: true, strength: "strong", evidence: "first-hand" }],
    declares: ["qwen-code", "qwen"],
    sandbox: "os-sandbox",
    advice: "gemini",
    sources: [
      "QwenLM/qwen-code packages/core/src/services/shellExecutionService.ts (QWEN_CODE=1); packages/cli/src/utils/sandbox.ts @013e660 (SANDBOX=sandbox-exec, SANDBOX_MOUNTS)",
    ],
    checked: CHECKED,
  },
  {
    id: "gemini-cli",
    name: "Gemini CLI",
    markers: [{ name: "GEMINI_CLI", flag: true, strength: "strong", evidence: "first-hand" }],
    declares: ["gemini-cli", "gemini"],
    sandbox: "os-sandbox",
    advice: "gemini",
    sources: [
      "google-gemini/gemini-cli packages/core/src/services/shellExecutionService.ts, docs/tools/shell.md (GEMINI_CLI=1); packages/cli/src/utils/sandbox.ts (SANDBOX, SANDBOX_MOUNTS, INCLUDE_DIR_n)",
      "gemini-cli packages/cli/src/config/config.ts and packages/core/src/config/config.ts: tools.sandboxAllowedPaths reaches tool sandboxing only with a tools.sandbox config; sandbox/linux/bwrapArgsBuilder.ts mounts --include-directories read-only (agents.md 2026-12-02)",
    ],
    checked: CHECKED,
  },
  {
    id: "copilot-cli",
    name: "GitHub Copilot CLI",
    markers: [
      { name: "COPILOT_CLI", flag: true, strength: "strong", evidence: "observed" },
      { name: "COPILOT_AGENT_SESSION_ID", strength: "strong", evidence: "observed" },
    ],
    declares: ["copilot-cli", "copilot", "github-copilot", "github-copilot-cli"],
    personSettings: ["COPILOT_MODEL", "COPILOT_ALLOW_ALL", "COPILOT_GITHUB_TOKEN"],
    sandbox: "os-sandbox",
    advice: "copilot-cli",
    sources: [
      "dynatrace-oss/dtctl #288/#289: COPILOT_CLI=1 and COPILOT_AGENT_SESSION_ID in a Copilot CLI tool's environment (copilot 1.0.63, observed); rjmurillo/ai-agents #5369: the changelog 0.0.421 line agents.md cites was not found in any published changelog.json, and app.js 1.0.80 spells no process.env.COPILOT_CLI (contested, so observed only)",
      "docs.github.com using-local-sandboxing and configuring-local-sandbox-settings (/sandbox, Filesystem tab; home read-only)",
      "docs.github.com Copilot CLI configuration: COPILOT_ALLOW_ALL and COPILOT_MODEL are set by a person (jfrog/jfrog-cli-core common/commands/execution_context.go: 'user config flags')",
    ],
    checked: CHECKED,
  },
  {
    id: "copilot-vscode",
    name: "VS Code's Copilot agent",
    markers: [
      { name: "COPILOT_AGENT", flag: true, strength: "strong", evidence: "first-hand" },
      // Every VS Code fork keeps it (jfrog/jfrog-cli-core
      // common/commands/execution_context.go: "every VS Code fork inherits
      // TERM_PROGRAM=vscode").
      {
        name: "TERM_PROGRAM",
        value: "vscode",
        strength: "weak",
        sharedByForks: true,
        evidence: "detector",
      },
    ],
    declares: ["copilot-vscode", "github-copilot-vscode", "vscode-copilot"],
    sandbox: "os-sandbox",
    advice: "copilot-vscode",
    sources: [
      "microsoft/vscode PR #316267 (COPILOT_AGENT=1), PR #327433 and src/vs/platform/chat/common/aiAgentEnv.ts (AI_AGENT=github_copilot_vscode_agent)",
      "code.visualstudio.com/docs/agents/run/agent-sandboxing; microsoft/vscode PR #314259 (chat.agent.sandbox.fileSystem.<os>: allowWrite, denyRead)",
    ],
    checked: CHECKED,
  },
  {
    id: "copilot-app",
    name: "the GitHub Copilot app",
    markers: [],
    declares: ["github-copilot-app"],
    sandbox: "unknown",
    advice: "generic",
    sources: [
      "microsoft/vscode src/vs/platform/chat/common/aiAgentEnv.ts names AI_AGENT=github_copilot_app_agent (as cited by a detector in public code); Microsoft's own CLI code checks that value (public code)",
    ],
    checked: CHECKED,
  },
  {
    id: "copilot-cloud",
    name: "the GitHub Copilot cloud agent",
    markers: [{ name: "COPILOT_AGENT_JOB_ID", strength: "strong", evidence: "detector" }],
    declares: ["copilot-cloud", "copilot-coding-agent"],
    sandbox: "hosted",
    advice: "hosted",
    hostedIn: "a GitHub Actions runner",
    sources: [
      "jfrog/jfrog-cli-core common/commands/execution_context.go (COPILOT_AGENT_JOB_ID); not in GitHub's docs",
    ],
    checked: CHECKED,
  },
  {
    id: "kilo",
    name: "Kilo",
    markers: [
      { name: "KILO", value: "1", strength: "strong", evidence: "observed" },
      { name: "KILOCODE_FEATURE", value: "cli", strength: "strong", evidence: "detector" },
    ],
    declares: ["kilo", "kilo-code", "kilocode"],
    sandbox: "none",
    advice: "no-sandbox",
    sources: [
      "observed Kilo session environment in public code (KILO=1, KILO_PID, KILOCODE_FEATURE=cli, OPENCODE=1); jfrog/jfrog-cli-core common/commands/execution_context.go (KILOCODE_FEATURE=cli; KILO_PID also in the VS Code extension)",
    ],
    checked: CHECKED,
  },
  {
    id: "opencode",
    name: "OpenCode",
    markers: [
      { name: "OPENCODE", flag: true, strength: "strong", evidence: "first-hand" },
      { name: "OPENCODE_SESSION_ID", strength: "strong", evidence: "detector" },
    ],
    declares: ["opencode", "open-code"],
    personSettings: ["OPENCODE_CLIENT"],
    sandbox: "none",
    advice: "no-sandbox",
    sources: [
      "anomalyco/opencode packages/opencode/src/index.ts (AGENT=1, OPENCODE=1); SECURITY.md 'OpenCode does not sandbox the agent'",
      "jfrog/jfrog-cli-core common/commands/execution_context.go: OPENCODE_CLIENT is config a person can export, OPENCODE_SESSION_ID is injected into tool shells",
    ],
    checked: CHECKED,
  },
  {
    id: "amp",
    name: "Amp",
    markers: [{ name: "AMP_CURRENT_THREAD_ID", strength: "strong", evidence: "detector" }],
    declares: ["amp", "amp-cli"],
    sandbox: "unknown",
    advice: "generic",
    sources: [
      "am-i-vibing providers.ts (AMP_CURRENT_THREAD_ID); cli/cli detect.go (AGENT=amp); closed source",
    ],
    checked: CHECKED,
  },
  {
    id: "goose",
    name: "Goose",
    markers: [{ name: "GOOSE_TERMINAL", flag: true, strength: "strong", evidence: "first-hand" }],
    declares: ["goose", "goose-cli"],
    personSettings: ["GOOSE_PROVIDER"],
    sandbox: "none",
    advice: "no-sandbox",
    sources: [
      "aaif-goose/goose #4205 (GOOSE_TERMINAL=1), #7365 (AGENT=goose); #10895 (tool server not sandboxed)",
    ],
    checked: CHECKED,
  },
  {
    id: "cline",
    name: "Cline",
    markers: [{ name: "CLINE_ACTIVE", flag: true, strength: "strong", evidence: "first-hand" }],
    declares: ["cline"],
    sandbox: "none",
    advice: "no-sandbox",
    sources: [
      "cline/cline src/integrations/terminal/TerminalRegistry.ts createTerminal (env CLINE_ACTIVE=true)",
    ],
    checked: CHECKED,
  },
  {
    id: "roo-code",
    name: "Roo Code",
    markers: [
      { name: "ROO_ACTIVE", flag: true, strength: "strong", evidence: "first-hand" },
      { name: "ROO_CLI_RUNTIME", flag: true, strength: "strong", evidence: "detector" },
    ],
    declares: ["roo-code", "roo", "roo-cline"],
    sandbox: "none",
    advice: "no-sandbox",
    sources: [
      "RooCodeInc/Roo-Code src/integrations/terminal/Terminal.ts getEnv (ROO_ACTIVE=true, PAGER=cat), public code; jfrog/jfrog-cli-core common/commands/execution_context.go (ROO_CLI_RUNTIME)",
    ],
    checked: CHECKED,
  },
  {
    id: "aider",
    name: "Aider",
    markers: [{ name: "OR_APP_NAME", value: "Aider", strength: "strong", evidence: "first-hand" }],
    declares: ["aider"],
    personSettings: ["AIDER_MODEL"],
    sandbox: "none",
    advice: "no-sandbox",
    sources: [
      "Aider-AI/aider aider/llm.py sets os.environ OR_APP_NAME=Aider and OR_SITE_URL at import, inherited by /run commands",
    ],
    checked: CHECKED,
  },
  {
    id: "openhands",
    name: "OpenHands",
    markers: [{
      name: "OR_APP_NAME",
      value: "OpenHands",
      strength: "strong",
      evidence: "detector",
    }],
    declares: ["openhands"],
    sandbox: "hosted",
    advice: "hosted",
    hostedIn: "its sandbox container",
    sources: ["detectors in public code (OR_APP_NAME=OpenHands); agents.md 2026-12-02"],
    checked: CHECKED,
  },
  {
    id: "crush",
    name: "Crush",
    markers: [{ name: "CRUSH", value: "1", strength: "strong", evidence: "first-hand" }],
    declares: ["crush"],
    sandbox: "none",
    advice: "no-sandbox",
    sources: [
      "charmbracelet/crush internal/shell/shell.go @37f36e9 (CRUSH=1, AGENT=crush, AI_AGENT=crush); no sandbox code",
    ],
    checked: CHECKED,
  },
  {
    id: "zed",
    name: "Zed's agent",
    markers: [
      {
        name: "TERM_PROGRAM",
        value: "zed",
        with: { name: "PAGER", value: "cat" },
        strength: "strong",
        evidence: "detector",
      },
      { name: "ZED_TERM", flag: true, strength: "weak", evidence: "first-hand" },
      { name: "TERM_PROGRAM", value: "zed", strength: "weak", evidence: "first-hand" },
    ],
    declares: ["zed", "zed-agent"],
    sandbox: "os-sandbox",
    advice: "zed",
    sources: [
      "am-i-vibing (TERM_PROGRAM=zed with PAGER=cat: the agent's terminal tool); zed-industries/zed crates/terminal/src/terminal.rs insert_zed_terminal_env (ZED_TERM=true, TERM_PROGRAM=zed, TERM_PROGRAM_VERSION in every Zed terminal)",
      "zed.dev/docs/ai/sandboxing (terminal tool sandboxed; reads allowed; writes only in project dirs); on by default since Zed 1.14.2 per agents.md 2026-12-02 (zed PRs #57431, #57972; not read first-hand)",
    ],
    checked: CHECKED,
  },
  {
    id: "kiro",
    name: "Kiro",
    markers: [
      { name: "KIRO_SESSION_ID", strength: "strong", evidence: "observed" },
      { name: "AGENT_CONTEXT_OUT", strength: "strong", evidence: "first-hand" },
      { name: "KIRO_AGENT_PATH", strength: "strong", evidence: "observed" },
      { name: "TERM_PROGRAM", value: "kiro", strength: "weak", evidence: "detector" },
    ],
    declares: ["kiro", "kiro-cli"],
    sandbox: "unknown",
    advice: "generic",
    sources: [
      "dynatrace-oss/dtctl #282/#283 (kiro-cli 2.6.1: KIRO_SESSION_ID always, AGENT_CONTEXT_OUT in interactive chat, observed); kiro.dev/docs/cli/reference/built-in-tools side channels (AGENT_CONTEXT_OUT); vercel/vercel PR #16092 (KIRO_AGENT_PATH in the CLI, TERM_PROGRAM=kiro in the IDE, observed); @vercel/detect-agent agents.json gates TERM_PROGRAM=kiro on no tty",
    ],
    checked: CHECKED,
  },
  {
    id: "pi",
    name: "Pi",
    markers: [{ name: "PI_CODING_AGENT", value: "true", strength: "strong", evidence: "detector" }],
    declares: ["pi", "pi-coding-agent"],
    personSettings: ["PI_CODING_AGENT_DIR"],
    sandbox: "unknown",
    advice: "generic",
    sources: [
      "am-i-vibing citing earendil-works/pi packages/coding-agent/src/cli.ts (PI_CODING_AGENT=true)",
    ],
    checked: CHECKED,
  },
  {
    id: "warp",
    name: "Warp's agent",
    markers: [
      { name: "OZ_RUN_ID", strength: "strong", evidence: "detector" },
      { name: "TERM_PROGRAM", value: "WarpTerminal", strength: "weak", evidence: "detector" },
    ],
    declares: ["warp", "warp-agent"],
    sandbox: "unknown",
    advice: "generic",
    sources: ["am-i-vibing @39a2d13 citing warpdotdev/warp crates/warp_cli/src/lib.rs (OZ_RUN_ID)"],
    checked: CHECKED,
  },
  {
    id: "windsurf",
    name: "Windsurf",
    markers: [
      { name: "WINDSURF_CASCADE_TERMINAL", flag: true, strength: "strong", evidence: "observed" },
      { name: "CODEIUM_EDITOR_APP_ROOT", strength: "weak", evidence: "detector" },
    ],
    declares: ["windsurf", "cascade"],
    sandbox: "unknown",
    advice: "generic",
    sources: [
      "jfrog/jfrog-cli-core common/commands/execution_context.go: WINDSURF_CASCADE_TERMINAL is Cascade's terminal; CODEIUM_EDITOR_APP_ROOT is the editor install (false positive)",
    ],
    checked: CHECKED,
  },
  {
    id: "augment",
    name: "Augment",
    markers: [{ name: "AUGMENT_AGENT", flag: true, strength: "strong", evidence: "detector" }],
    declares: ["augment", "augment-cli", "auggie"],
    sandbox: "unknown",
    advice: "generic",
    sources: ["@vercel/detect-agent agents.json (AUGMENT_AGENT); no first-party doc"],
    checked: CHECKED,
  },
  {
    id: "antigravity",
    name: "Antigravity",
    markers: [{ name: "ANTIGRAVITY_AGENT", flag: true, strength: "strong", evidence: "detector" }],
    declares: ["antigravity", "agy"],
    sandbox: "unknown",
    advice: "generic",
    sources: [
      "@vercel/detect-agent agents.json (ANTIGRAVITY_AGENT); its terminal sandbox setting was not found (agents.md 2026-12-02)",
    ],
    checked: CHECKED,
  },
  {
    id: "kimi-cli",
    name: "Kimi CLI",
    markers: [{ name: "KIMI_PLUGIN_ROOT", strength: "strong", evidence: "detector" }],
    declares: ["kimi-cli", "kimi", "kimi-code"],
    sandbox: "unknown",
    advice: "generic",
    sources: [
      "MLflow mlflow/agent hint list, tracking vercel/detect-agent agents.json @3ab1df1 (KIMI_PLUGIN_ROOT); KIMI_CLI not confirmed anywhere",
    ],
    checked: CHECKED,
  },
  {
    id: "openclaw",
    name: "OpenClaw",
    markers: [
      // `tui-local` is a person's own `!command` in the TUI: not the agent.
      { name: "OPENCLAW_SHELL", value: "exec", strength: "strong", evidence: "first-hand" },
    ],
    declares: ["openclaw"],
    sandbox: "unknown",
    advice: "generic",
    sources: [
      "openclaw docs (exec tool): OPENCLAW_SHELL=exec in spawned commands, PTY and sandbox included; TUI local shell commands get OPENCLAW_SHELL=tui-local; sandbox off by default (docs.openclaw.ai/gateway/sandboxing)",
    ],
    checked: CHECKED,
  },
  {
    id: "trae",
    name: "Trae",
    markers: [{ name: "TRAE_AI_SHELL_ID", strength: "strong", evidence: "detector" }],
    declares: ["trae"],
    sandbox: "unknown",
    advice: "generic",
    sources: [
      "jfrog/jfrog-cli-core common/commands/execution_context.go and @vercel/detect-agent @3ab1df1 via MLflow (TRAE_AI_SHELL_ID)",
    ],
    checked: CHECKED,
  },
  {
    id: "hermes",
    name: "Hermes Agent",
    markers: [{ name: "HERMES_SESSION_ID", strength: "strong", evidence: "observed" }],
    declares: ["hermes", "hermes-agent"],
    sandbox: "unknown",
    advice: "generic",
    sources: [
      "NousResearch/hermes-agent: its gateway sets HERMES_SESSION_ID for the session (seen in public patches to gateway/run.py), and detectors in public code read it; that its terminal tool passes it on is not confirmed",
    ],
    checked: CHECKED,
  },
  {
    id: "iflow-cli",
    name: "iFlow CLI",
    markers: [{ name: "IFLOW_CLI", flag: true, strength: "strong", evidence: "detector" }],
    declares: ["iflow-cli", "iflow"],
    sandbox: "unknown",
    advice: "generic",
    sources: ["jfrog/jfrog-cli-core common/commands/execution_context.go (IFLOW_CLI)"],
    checked: CHECKED,
  },
  {
    id: "junie",
    name: "JetBrains Junie",
    markers: [{ name: "JUNIE_SHIM_PATH", strength: "strong", evidence: "detector" }],
    declares: ["junie"],
    // A data directory a person may export too: not used alone.
    personSettings: ["JUNIE_DATA"],
    sandbox: "unknown",
    advice: "generic",
    sources: ["@vercel/detect-agent agents.json (JUNIE_DATA, JUNIE_SHIM_PATH)"],
    checked: CHECKED,
  },
  {
    id: "open-interpreter",
    name: "Open Interpreter",
    markers: [],
    declares: ["open-interpreter", "openinterpreter", "interpreter"],
    sandbox: "unknown",
    advice: "generic",
    sources: [
      "agents.md 2026-12-02 citing openinterpreter/openinterpreter codex-rs/core/src/exec_env.rs (AI_AGENT=open-interpreter); not read first-hand",
    ],
    checked: CHECKED,
  },
  {
    id: "replit",
    name: "Replit",
    markers: [
      { name: "REPLIT_MODE", value: "assistant", strength: "strong", evidence: "detector" },
      // Every Replit shell, a person's too.
      { name: "REPL_ID", strength: "weak", evidence: "detector" },
    ],
    declares: ["replit"],
    sandbox: "hosted",
    advice: "hosted",
    hostedIn: "its own container",
    sources: [
      "am-i-vibing (REPLIT_MODE=assistant); cli/cli detect.go and @vercel/detect-agent (REPL_ID, every Replit shell)",
    ],
    checked: CHECKED,
  },
  {
    id: "devin",
    name: "Devin",
    markers: [],
    declares: ["devin"],
    sandbox: "hosted",
    advice: "hosted",
    hostedIn: "its own virtual machine",
    sources: ["@vercel/detect-agent agents.json (file /opt/.devin)"],
    checked: CHECKED,
  },
];

/** The row of `id`. */
export function agentRow(id: KnownAgentId): AgentRow {
  return AGENT_REGISTRY.find((row) => row.id === id)!;
}

/** What to call the agent in a message. */
export function agentName(id: KnownAgentId): string {
  return agentRow(id).name;
}
