/**
 * Recognises the coding agent that runs twg, from the variables each agent
 * sets (spec: `agents.md`).
 *
 * Not built on `@vercel/detect-agent` (1.2.7), though it covers most of the
 * same variables: it reads `process.env` itself instead of an injected
 * `getVar`, is async on every call because it probes `/opt/.devin` when
 * nothing else matches, reports every Cursor terminal as an agent
 * (`CURSOR_TRACE_ID`), reports Amp as Claude (Amp also sets `CLAUDECODE=1` and
 * the package reads no `AGENT`), and knows neither Cline nor Goose. A wrapper
 * would override more answers than it keeps, so the table below stands alone.
 *
 * @module
 */
import type { Env } from "../env.ts";

/** Agents twg knows by name. */
export type KnownAgentId =
  | "claude-code"
  | "codex"
  | "cursor"
  | "gemini-cli"
  | "copilot-cli"
  | "opencode"
  | "amp"
  | "cline"
  | "goose"
  | "augment"
  | "antigravity"
  | "replit"
  | "devin";

/**
 * A recognised agent: a {@link KnownAgentId}, or the name an agent declared
 * itself with through `AI_AGENT` or `AGENT`, normalized to lowercase
 * `[a-z0-9._-]`.
 */
export type AgentId = KnownAgentId | (string & Record<never, never>);

/** Reads an environment variable, like {@link Env.getVar}. */
export type GetVar = (name: string) => string | undefined;

/** How an agent isolates the commands it runs, where twg can tell. */
export type AgentSandbox = "container" | "seatbelt";

/** Devin's VMs carry this file; Devin sets no variable of its own. */
export const DEVIN_MARKER_PATH = "/opt/.devin";

/** A variable that marks an agent: set to `value`, or to anything non-empty. */
interface Signal {
  name: string;
  value?: string;
}

// Most specific first. Amp also sets CLAUDECODE=1 for compatibility, and other
// agents may do the same, so Claude Code comes after every agent with a marker
// of its own. REPL_ID is set in every Replit shell, so it comes last.
// CURSOR_TRACE_ID is left out on purpose: every terminal inside Cursor has it,
// including the one a person types in, and sandbox advice for Cursor's agent
// would mislead that person.
const AGENT_SIGNALS: ReadonlyArray<readonly [KnownAgentId, ReadonlyArray<Signal>]> = [
  ["amp", [{ name: "AMP_CURRENT_THREAD_ID" }]],
  ["cursor", [{ name: "CURSOR_AGENT" }, {
    name: "CURSOR_EXTENSION_HOST_ROLE",
    value: "agent-exec",
  }]],
  ["gemini-cli", [{ name: "GEMINI_CLI" }]],
  // CODEX_SANDBOX is only set on macOS; CODEX_THREAD_ID is the one on Linux.
  ["codex", [
    { name: "CODEX_THREAD_ID" },
    { name: "CODEX_SANDBOX" },
    { name: "CODEX_CI" },
    { name: "CODEX_SANDBOX_NETWORK_DISABLED" },
  ]],
  ["copilot-cli", [{ name: "COPILOT_CLI" }, { name: "COPILOT_MODEL" }, {
    name: "COPILOT_ALLOW_ALL",
  }]],
  ["opencode", [{ name: "OPENCODE" }, { name: "OPENCODE_CLIENT" }]],
  ["cline", [{ name: "CLINE_ACTIVE" }]],
  ["goose", [{ name: "GOOSE_TERMINAL" }]],
  ["augment", [{ name: "AUGMENT_AGENT" }]],
  ["antigravity", [{ name: "ANTIGRAVITY_AGENT" }]],
  ["claude-code", [{ name: "CLAUDECODE" }, { name: "CLAUDE_CODE" }]],
  ["replit", [{ name: "REPL_ID" }]],
];

// Names agents use for themselves in AI_AGENT / AGENT that differ from ours.
const AGENT_ALIASES: Readonly<Record<string, KnownAgentId>> = {
  "claude": "claude-code",
  "claudecode": "claude-code",
  "cursor-agent": "cursor",
  "cursor-cli": "cursor",
  "gemini": "gemini-cli",
  "copilot": "copilot-cli",
  "github-copilot": "copilot-cli",
  "github-copilot-cli": "copilot-cli",
  "augment-cli": "augment",
  "codex-cli": "codex",
};

const MAX_DECLARED_NAME_LENGTH = 64;

/**
 * The coding agent whose environment this is, or `null` for a person's own
 * terminal (or an agent twg cannot recognise).
 *
 * An explicit `AI_AGENT` or `AGENT` wins over the agent-specific variables;
 * `fileExists` is only consulted for Devin's marker file.
 *
 * @example
 * ```ts
 * const vars: Record<string, string> = { AGENT: "amp", CLAUDECODE: "1" };
 * detectAgent((name) => vars[name]); // "amp"
 * ```
 */
export function detectAgent(
  getVar: GetVar,
  fileExists?: (path: string) => boolean,
): AgentId | null {
  const declared = declaredAgent(getVar("AI_AGENT")) ?? declaredAgent(getVar("AGENT"));
  if (declared !== null) return declared;
  for (const [agent, signals] of AGENT_SIGNALS) {
    if (signals.some((signal) => isSignalPresent(getVar, signal))) return agent;
  }
  return fileExists?.(DEVIN_MARKER_PATH) ? "devin" : null;
}

/**
 * {@link detectAgent} on a whole {@link Env}, with the file-system probe for
 * Devin done through `env.fs`.
 *
 * @example
 * ```ts ignore
 * const agent = await detectAgentFromEnv(env); // "codex", or null
 * ```
 */
export async function detectAgentFromEnv(env: Pick<Env, "getVar" | "fs">): Promise<AgentId | null> {
  const hasDevinMarker = await env.fs.stat(DEVIN_MARKER_PATH).then(() => true, () => false);
  return detectAgent(env.getVar, (path) => path === DEVIN_MARKER_PATH && hasDevinMarker);
}

/**
 * The sandbox the agent runs twg's commands in, when its variables say so:
 * Gemini CLI sets `SANDBOX` to `sandbox-exec` under macOS Seatbelt and to the
 * container's name otherwise; Codex sets `CODEX_SANDBOX=seatbelt` on macOS.
 * `null` means not sandboxed, or a sandbox twg cannot see.
 *
 * @example
 * ```ts
 * const vars: Record<string, string> = { GEMINI_CLI: "1", SANDBOX: "gemini-cli-sandbox" };
 * agentSandboxInfo("gemini-cli", (name) => vars[name]); // "container"
 * ```
 */
export function agentSandboxInfo(agent: AgentId | null, getVar: GetVar): AgentSandbox | null {
  if (agent === "gemini-cli") {
    const sandbox = getVar("SANDBOX");
    if (!sandbox) return null;
    return sandbox === "sandbox-exec" ? "seatbelt" : "container";
  }
  if (agent === "codex" && getVar("CODEX_SANDBOX") === "seatbelt") return "seatbelt";
  return null;
}

function isSignalPresent(getVar: GetVar, signal: Signal): boolean {
  const value = getVar(signal.name);
  return signal.value === undefined ? Boolean(value) : value === signal.value;
}

// The name ends up in JSON output and in messages, so it is reduced to a
// short, plain token whatever the variable holds.
function declaredAgent(value: string | undefined): AgentId | null {
  const name = (value ?? "")
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, "-")
    .slice(0, MAX_DECLARED_NAME_LENGTH)
    .replace(/^-+|-+$/g, "");
  if (name === "") return null;
  return AGENT_ALIASES[name] ?? name;
}
