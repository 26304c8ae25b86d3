/**
 * Recognises the coding agent that runs twg, from the declaration it makes
 * (`AI_AGENT`, `AGENT`) and from the variables each agent sets (spec:
 * `agents.md`). Pure apart from one file probe for Devin; no `node:` import,
 * so the User-Agent header of `twg auth token` can use it without slowing it.
 *
 * Why a table and not a library (measured against the spec's 22 agents,
 * December 2026): `@vercel/detect-agent` 1.2.7 returns the raw `AI_AGENT`
 * value as the name (`claude-code_2-1-263_agent`, the very bug this replaces),
 * reads no `AGENT` (so Amp, which also sets `CLAUDECODE=1`, comes out as
 * Claude), reports every Cursor terminal as an agent (`CURSOR_TRACE_ID`), reads
 * `process.env` itself and is async on every call; it knows 12 of the 22.
 * `am-i-vibing` 0.5.0 checks `CLAUDECODE` before Amp (same Amp bug), parses no
 * `AI_AGENT` but `crush`, knows neither Cline, Goose, Kiro, Copilot CLI nor
 * Cowork, and pulls in `process-ancestry`, which spawns `ps`; it knows 15 of
 * the 22. Wrapping either would override more answers than it keeps.
 *
 * @module
 */
import type { Env } from "../env.ts";

/** Every agent twg knows by name, with the stable id of the contract. */
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
] as const;

/** Agents twg knows by name. */
export type KnownAgentId = typeof KNOWN_AGENT_IDS[number];

/**
 * What `agent` reports: a {@link KnownAgentId}, or `"other"` for an agent that
 * declared itself with a name twg does not know (or only said that it is one,
 * as `AGENT=1` does).
 */
export type AgentId = KnownAgentId | "other";

/** Reads an environment variable, like {@link Env.getVar}. */
export type GetVar = (name: string) => string | undefined;

/** How an agent isolates the commands it runs, where twg can tell. */
export type AgentSandbox = "container" | "seatbelt";

/** The agent detected, with what it declared about itself. */
export interface DetectedAgent {
  id: AgentId;
  /**
   * The name an agent declared through `AI_AGENT` or `AGENT` that matches no
   * known agent, reduced to a short `[a-z0-9._-]` token; `null` otherwise.
   * Kept for display: the known agent's own variables still decide `id`.
   */
  declared: string | null;
  /** The agent's version when its declaration carries one (`claude-code_2-1-263_agent`). */
  version: string | null;
  /** The variable (or file) that decided `id`, e.g. `AI_AGENT` or `CLAUDECODE`. */
  signal: string;
}

/** Devin's VMs carry this file; Devin sets no variable of its own (`@vercel/detect-agent`). */
export const DEVIN_MARKER_PATH = "/opt/.devin";

/** A variable that marks an agent: set to `value`, or to anything non-empty. */
interface Signal {
  name: string;
  value?: string;
  /** Another variable that must hold a value too (Zed's agent: `PAGER=cat`). */
  with?: { name: string; value: string };
}

/**
 * Each agent's own variables, most specific first, with where the fact comes
 * from. Checked in December 2026. "Detector" means only a detection library
 * says so (cli/cli `internal/agents/detect.go` @12fba3e, `@vercel/detect-agent`
 * 1.2.7, `am-i-vibing` 0.5.0): not confirmed in the agent's own source.
 *
 * Order: Amp and Cowork also set `CLAUDECODE=1`, so both come before Claude
 * Code; Qwen Code is a Gemini CLI fork, so it comes before Gemini CLI; editor
 * terminals (Kiro, Zed, Windsurf) and Replit's shell are broad, so they come
 * after every agent with a marker of its own. `CURSOR_TRACE_ID` is left out on
 * purpose: every terminal inside Cursor has it, including a person's.
 */
const AGENT_SIGNALS: ReadonlyArray<readonly [KnownAgentId, ReadonlyArray<Signal>]> = [
  // Detector: am-i-vibing (AMP_CURRENT_THREAD_ID), cli/cli (AGENT=amp).
  ["amp", [{ name: "AMP_CURRENT_THREAD_ID" }]],
  // Detector: cli/cli detect.go, @vercel/detect-agent 1.2.0 (CLAUDE_CODE_IS_COWORK).
  ["claude-cowork", [{ name: "CLAUDE_CODE_IS_COWORK" }]],
  // Detector: cli/cli, @vercel/detect-agent 1.2.2. No first-party doc found.
  ["cursor", [{ name: "CURSOR_AGENT" }, {
    name: "CURSOR_EXTENSION_HOST_ROLE",
    value: "agent-exec",
  }]],
  // QwenLM/qwen-code packages/core/src/services/shellExecutionService.ts sets
  // QWEN_CODE=1 (and PAGER=cat), seen through the code index; am-i-vibing too.
  ["qwen-code", [{ name: "QWEN_CODE" }]],
  // First-hand: google-gemini/gemini-cli docs/tools/shell.md and
  // packages/core/src/services/shellExecutionService.ts (GEMINI_CLI=1) @5411f11.
  ["gemini-cli", [{ name: "GEMINI_CLI" }]],
  // First-hand: openai/codex codex-rs/protocol/src/shell_environment.rs
  // (CODEX_THREAD_ID on every command). CODEX_SANDBOX (macOS Seatbelt) and
  // CODEX_CI: cli/cli detect.go citing codex-rs/core/src/spawn.rs.
  ["codex", [
    { name: "CODEX_THREAD_ID" },
    { name: "CODEX_SANDBOX" },
    { name: "CODEX_CI" },
    { name: "CODEX_SANDBOX_NETWORK_DISABLED" },
  ]],
  // VS Code's agent terminals set COPILOT_AGENT=1 beside
  // AI_AGENT=github_copilot_vscode_agent (microsoft/vscode #316267, #327433,
  // per the spec). Seen first-hand only in a VS Code test that launches Codex
  // with AI_AGENT=github_copilot_vscode_agent (so Codex run by VS Code
  // declares VS Code's agent, and is reported as copilot-vscode).
  ["copilot-vscode", [{ name: "COPILOT_AGENT" }]],
  // Detector: cli/cli (COPILOT_CLI, "no first-party docs"), @vercel/detect-agent
  // 1.2.1 (COPILOT_MODEL, COPILOT_ALLOW_ALL).
  ["copilot-cli", [{ name: "COPILOT_CLI" }, { name: "COPILOT_MODEL" }, {
    name: "COPILOT_ALLOW_ALL",
  }]],
  // First-hand: anomalyco/opencode (was sst/opencode)
  // packages/opencode/src/index.ts sets AGENT=1, OPENCODE=1, OPENCODE_PID;
  // OPENCODE_CLIENT: @vercel/detect-agent 1.2.6.
  ["opencode", [{ name: "OPENCODE" }, { name: "OPENCODE_CLIENT" }]],
  // First-hand: charmbracelet/crush internal/shell/shell.go @37f36e9 sets
  // CRUSH=1, AGENT=crush, AI_AGENT=crush.
  ["crush", [{ name: "CRUSH", value: "1" }]],
  // aaif-goose/goose (was block/goose) #3911, documented in #4205
  // (GOOSE_TERMINAL=1) and #7365 (AGENT=goose, from #7017): maintainers' PRs.
  ["goose", [{ name: "GOOSE_TERMINAL" }]],
  // cline/cline #7858: TerminalRegistry.createTerminal sets CLINE_ACTIVE
  // (a PR describing the code; not read in the source itself).
  ["cline", [{ name: "CLINE_ACTIVE" }]],
  // Detector: am-i-vibing (PI_CODING_AGENT=true); cli/cli reads PATH instead.
  // Not PI_CODING_AGENT_DIR, which people set for Pi's config outside it.
  ["pi", [{ name: "PI_CODING_AGENT", value: "true" }]],
  // OZ_RUN_ID: Warp sets it (and OZ_PARENT_RUN_ID) for the harnesses its agent
  // launches (`OZ_RUN_ID_ENV` in Warp's CLI crate, app/src/pane_group/pane/
  // local_harness_launch.rs, seen through the code index). am-i-vibing 0.5.0,
  // the published version, still reads TERM_PROGRAM=WarpTerminal, which is
  // every Warp window: not used; its OZ_RUN_ID change is not released yet.
  ["warp", [{ name: "OZ_RUN_ID" }]],
  // Detector: cli/cli, @vercel/detect-agent ("no first-party docs").
  ["augment", [{ name: "AUGMENT_AGENT" }]],
  ["antigravity", [{ name: "ANTIGRAVITY_AGENT" }]],
  // First-hand: anthropics/claude-code CHANGELOG.md 2.1.154 (CLAUDECODE=1);
  // cli/cli cites code.claude.com/docs/en/env-vars. CLAUDE_CODE: detectors only.
  ["claude-code", [{ name: "CLAUDECODE" }, { name: "CLAUDE_CODE" }]],
  // Detector: cli/cli (TERM_PROGRAM=kiro, "no first-party docs").
  ["kiro", [{ name: "TERM_PROGRAM", value: "kiro" }]],
  // Detector: am-i-vibing (TERM_PROGRAM=zed with PAGER=cat: Zed's agent; a
  // person's Zed terminal has no PAGER=cat).
  ["zed", [{ name: "TERM_PROGRAM", value: "zed", with: { name: "PAGER", value: "cat" } }]],
  // Detector: am-i-vibing (CODEIUM_EDITOR_APP_ROOT, editor-wide: weak).
  ["windsurf", [{ name: "CODEIUM_EDITOR_APP_ROOT" }]],
  // Detector: cli/cli, @vercel/detect-agent (REPL_ID, every Replit shell: broad).
  ["replit", [{ name: "REPL_ID" }]],
];

/**
 * Names agents declare for themselves in `AI_AGENT` / `AGENT`, once the
 * version and role suffixes are gone and `_` is `-`, that differ from our ids.
 * Sources: the `AI_AGENT` values in anthropics/claude-code CHANGELOG 2.1.120
 * and the spec; `@vercel/detect-agent` 1.2.7 KNOWN_AGENTS; cli/cli detect.go.
 */
const AGENT_ALIASES: Readonly<Record<string, KnownAgentId>> = {
  "claude": "claude-code",
  "claudecode": "claude-code",
  "cowork": "claude-cowork",
  "claude-code-cowork": "claude-cowork",
  "cursor-agent": "cursor",
  "cursor-cli": "cursor",
  "gemini": "gemini-cli",
  "qwen": "qwen-code",
  "copilot": "copilot-cli",
  "github-copilot": "copilot-cli",
  "github-copilot-cli": "copilot-cli",
  "github-copilot-vscode": "copilot-vscode",
  "vscode-copilot": "copilot-vscode",
  "augment-cli": "augment",
  "auggie": "augment",
  "codex-cli": "codex",
  "openai-codex": "codex",
  "amp-cli": "amp",
  "goose-cli": "goose",
  "zed-agent": "zed",
  "warp-agent": "warp",
  "pi-coding-agent": "pi",
};

const MAX_DECLARED_NAME_LENGTH = 64;

/** What a declaration (`AI_AGENT` or `AGENT`) says. */
interface Declaration {
  /** A known agent, or `null` for a name twg does not know (or none). */
  known: KnownAgentId | null;
  /** The normalized name, when it names an agent (not `1`/`true`). */
  name: string | null;
  version: string | null;
}

/**
 * Parses a declared agent name: `claude-code_2-1-263_agent`,
 * `github_copilot_vscode_agent`, `name@1.2.3`, `amp`, or `1`.
 *
 * @example
 * ```ts
 * parseDeclaration("claude-code_2-1-263_agent");
 * // { known: "claude-code", name: "claude-code", version: "2.1.263" }
 * ```
 */
export function parseDeclaration(value: string | undefined): Declaration | null {
  let text = (value ?? "").trim().toLowerCase();
  if (text === "") return null;
  if (/^(1|true|yes|on)$/.test(text)) return { known: null, name: null, version: null };
  let version: string | null = null;
  const at = text.indexOf("@");
  if (at > 0) {
    version = cleanVersion(text.slice(at + 1));
    text = text.slice(0, at);
  }
  // Role suffixes, repeatedly: "_agent", "_harness" ("-agent" below, only
  // when that names a known agent: "custom-agent" stays itself).
  for (let before = ""; before !== text;) {
    before = text;
    text = text.replace(/_(agent|harness)$/, "");
  }
  // A version written into the name: "claude-code_2-1-263", "codex_0.41.0".
  const versioned = /^(.*?)[_-]v?(\d+(?:[._-]\d+)*)$/.exec(text);
  if (versioned && versioned[1]) {
    version ??= versioned[2]!.replace(/[_-]/g, ".");
    text = versioned[1];
  }
  const name = text
    .replace(/_/g, "-")
    .replace(/[^a-z0-9.-]+/g, "-")
    .slice(0, MAX_DECLARED_NAME_LENGTH)
    .replace(/^[-.]+|[-.]+$/g, "");
  if (name === "") return { known: null, name: null, version: null };
  const known = knownAgentNamed(name) ?? knownAgentNamed(name.replace(/-(agent|harness)$/, ""));
  return { known, name, version };
}

function cleanVersion(text: string): string | null {
  const version = text.replace(/[^0-9a-z.+-]/g, "").slice(0, 32);
  return version === "" ? null : version;
}

function knownAgentNamed(name: string): KnownAgentId | null {
  if ((KNOWN_AGENT_IDS as readonly string[]).includes(name)) return name as KnownAgentId;
  return AGENT_ALIASES[name] ?? null;
}

/**
 * The coding agent whose environment this is, or `null` for a person's own
 * terminal (or an agent that neither declares itself nor sets a known
 * variable).
 *
 * A known name in `AI_AGENT`, then in `AGENT`, wins; then each agent's own
 * variables in order; then Devin's marker file (`fileExists`). A declared
 * name twg does not know is reported as `other` only when no known agent's
 * variables are set.
 *
 * @example
 * ```ts
 * const vars: Record<string, string> = { AGENT: "amp", CLAUDECODE: "1" };
 * detectAgentInfo((name) => vars[name])?.id; // "amp"
 * ```
 */
export function detectAgentInfo(
  getVar: GetVar,
  fileExists?: (path: string) => boolean,
): DetectedAgent | null {
  const aiAgent = parseDeclaration(getVar("AI_AGENT"));
  const agent = parseDeclaration(getVar("AGENT"));
  const version = aiAgent?.version ?? agent?.version ?? null;
  for (const [declaration, variable] of [[aiAgent, "AI_AGENT"], [agent, "AGENT"]] as const) {
    if (declaration?.known) {
      // Cowork is a Claude Code mode: it may declare itself as Claude Code.
      const id = declaration.known === "claude-code" && getVar("CLAUDE_CODE_IS_COWORK")
        ? "claude-cowork"
        : declaration.known;
      return { id, declared: null, version, signal: variable };
    }
  }
  const declared = aiAgent?.name ?? agent?.name ?? null;
  for (const [id, signals] of AGENT_SIGNALS) {
    const signal = signals.find((candidate) => isSignalPresent(getVar, candidate));
    if (signal) return { id, declared, version, signal: signal.name };
  }
  if (fileExists?.(DEVIN_MARKER_PATH)) {
    return { id: "devin", declared, version, signal: DEVIN_MARKER_PATH };
  }
  if (aiAgent || agent) {
    return { id: "other", declared, version, signal: aiAgent ? "AI_AGENT" : "AGENT" };
  }
  return null;
}

/**
 * The id of {@link detectAgentInfo}, or `null`.
 *
 * @example
 * ```ts
 * detectAgent((name) => ({ AI_AGENT: "claude-code_2-1-263_agent" })[name]); // "claude-code"
 * ```
 */
export function detectAgent(
  getVar: GetVar,
  fileExists?: (path: string) => boolean,
): AgentId | null {
  return detectAgentInfo(getVar, fileExists)?.id ?? null;
}

/**
 * {@link detectAgentInfo} on a whole {@link Env}, with the file-system probe for
 * Devin done through `env.fs` (only when no variable decided).
 *
 * @example
 * ```ts ignore
 * const agent = await detectAgentInfoFromEnv(env); // { id: "codex", … }, or null
 * ```
 */
export async function detectAgentInfoFromEnv(
  env: Pick<Env, "getVar" | "fs">,
): Promise<DetectedAgent | null> {
  const found = detectAgentInfo(env.getVar);
  if (found && found.id !== "other") return found;
  const hasDevinMarker = await env.fs.stat(DEVIN_MARKER_PATH).then(() => true, () => false);
  return detectAgentInfo(env.getVar, (path) => path === DEVIN_MARKER_PATH && hasDevinMarker);
}

/**
 * The id of {@link detectAgentInfoFromEnv}, or `null`.
 *
 * @example
 * ```ts ignore
 * const agent = await detectAgentFromEnv(env); // "codex", or null
 * ```
 */
export async function detectAgentFromEnv(env: Pick<Env, "getVar" | "fs">): Promise<AgentId | null> {
  return (await detectAgentInfoFromEnv(env))?.id ?? null;
}

/**
 * The sandbox the agent runs twg's commands in, when its variables say so:
 * Gemini CLI and Qwen Code set `SANDBOX` to `sandbox-exec` under macOS
 * Seatbelt and to the container's name otherwise (gemini-cli
 * `packages/cli/src/utils/sandbox.ts` @5411f11); Codex sets
 * `CODEX_SANDBOX=seatbelt` on macOS. `null` means not sandboxed, or a sandbox
 * twg cannot see (Gemini CLI's strict env sanitisation, when `GITHUB_SHA` is
 * set, drops `SANDBOX`: spec, not confirmed first-hand).
 *
 * @example
 * ```ts
 * const vars: Record<string, string> = { GEMINI_CLI: "1", SANDBOX: "gemini-cli-sandbox" };
 * agentSandboxInfo("gemini-cli", (name) => vars[name]); // "container"
 * ```
 */
export function agentSandboxInfo(agent: AgentId | null, getVar: GetVar): AgentSandbox | null {
  if (agent === "gemini-cli" || agent === "qwen-code") {
    const sandbox = getVar("SANDBOX");
    if (!sandbox) return null;
    return sandbox === "sandbox-exec" ? "seatbelt" : "container";
  }
  if (agent === "codex" && getVar("CODEX_SANDBOX") === "seatbelt") return "seatbelt";
  return null;
}

/**
 * The User-Agent twg sends, gh-style: the agent's id at the end so that a
 * server can tell agent traffic apart (cli/cli sends its `agents.Detect()`
 * name in its telemetry; Claude Code 2.1.120 set `AI_AGENT` "so `gh` can
 * attribute traffic"). From variables only: no file probe on the token path,
 * so Devin (a marker file) is not named here.
 *
 * @example
 * ```ts
 * userAgent("0.1.0", "deno 2.9.0", "linux", (name) => ({ CLAUDECODE: "1" })[name]);
 * // "twg/0.1.0 (deno 2.9.0; linux) agent/claude-code"
 * ```
 */
export function userAgent(version: string, runtime: string, os: string, getVar: GetVar): string {
  const base = `twg/${version} (${runtime}; ${os})`;
  const agent = detectAgentInfo(getVar);
  return agent ? `${base} agent/${agent.id}` : base;
}

function isSignalPresent(getVar: GetVar, signal: Signal): boolean {
  const value = getVar(signal.name);
  const present = signal.value === undefined ? Boolean(value) : value === signal.value;
  return present && (!signal.with || getVar(signal.with.name) === signal.with.value);
}
