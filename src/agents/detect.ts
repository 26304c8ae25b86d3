/**
 * Recognises the coding agent that runs twg, from the declaration it makes
 * (`AI_AGENT`, `AGENT`) and from the markers each agent sets on the commands
 * it runs, as listed in the registry (`registry.ts`). Pure apart from one file
 * probe for Devin; no `node:` import, so the User-Agent header of
 * `twg auth token` can use it without slowing it.
 *
 * Why a table and not a library (measured against the 22 agents twg knew,
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
import {
  AGENT_REGISTRY,
  KNOWN_AGENT_IDS,
  type KnownAgentId,
  type Marker,
  PAIR_RULES,
} from "./registry.ts";

export { KNOWN_AGENT_IDS, type KnownAgentId };

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
  /** A second agent the environment names too, or `null`. */
  alongside?: KnownAgentId | null;
  /**
   * Why `id` runs the command rather than `alongside`, from the table's pair
   * rules; `null` when no rule covers the pair and `id` is a guess.
   */
  rule?: string | null;
}

/** Devin's VMs carry this file; Devin sets no variable of its own (`@vercel/detect-agent`). */
export const DEVIN_MARKER_PATH = "/opt/.devin";

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
  return AGENT_REGISTRY.find((row) => row.declares.includes(name))?.id ?? null;
}

/**
 * The coding agent whose environment this is, or `null` for a person's own
 * terminal (or an agent that neither declares itself nor sets a marker of its
 * own).
 *
 * Only what an agent sets itself identifies it: a known name in `AI_AGENT` or
 * `AGENT`, or a strong marker of a row of the registry (a flag set to `0` or
 * `false` is unset). A weak marker alone (an editor's terminal) is not an
 * agent: see {@link editorTerminal}. When the environment names two agents,
 * the registry's pair rules say whose sandbox runs the command; without a
 * rule the declared agent (else the first in table order) is assumed and
 * `rule` is `null`. Devin's marker file (`fileExists`) comes last. A
 * declared name twg does not know is reported as `other` only when no known
 * agent's markers are set.
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
  const declared = aiAgent?.known || agent?.known ? null : aiAgent?.name ?? agent?.name ?? null;
  const found: Array<{ id: KnownAgentId; signal: string }> = [];
  const add = (id: KnownAgentId, signal: string) => {
    if (!found.some((candidate) => candidate.id === id)) found.push({ id, signal });
  };
  if (aiAgent?.known) add(aiAgent.known, "AI_AGENT");
  if (agent?.known) add(agent.known, "AGENT");
  for (const row of AGENT_REGISTRY) {
    const marker = row.markers.find((m) => m.strength === "strong" && isMarkerSet(getVar, m));
    if (marker) add(row.id, marker.name);
  }
  if (found.length === 0 && fileExists?.(DEVIN_MARKER_PATH)) add("devin", DEVIN_MARKER_PATH);
  const [first, second] = found;
  if (!first) {
    if (aiAgent || agent) {
      return { id: "other", declared, version, signal: aiAgent ? "AI_AGENT" : "AGENT" };
    }
    return null;
  }
  if (!second) return { id: first.id, declared, version, signal: first.signal };
  const rule = PAIR_RULES.find(({ pair: [a, b] }) =>
    (a === first.id && b === second.id) || (a === second.id && b === first.id)
  );
  const runs = rule ? (rule.runs === first.id ? first : second) : first;
  const other = runs === first ? second : first;
  if (rule?.setsBoth) return { id: runs.id, declared, version, signal: runs.signal };
  return {
    id: runs.id,
    declared,
    version,
    signal: runs.signal,
    alongside: other.id,
    rule: rule?.why ?? null,
  };
}

/**
 * The editor whose terminal this is, from a weak marker (`CURSOR_TRACE_ID`,
 * `TERM_PROGRAM=kiro`, `CODEIUM_EDITOR_APP_ROOT`, `REPL_ID`, …), when no agent
 * is detected: a person's terminal in that editor as far as twg can tell.
 *
 * @example
 * ```ts
 * editorTerminal((name) => ({ TERM_PROGRAM: "kiro" })[name]); // "kiro"
 * ```
 */
export function editorTerminal(getVar: GetVar): KnownAgentId | null {
  if (detectAgentInfo(getVar)) return null;
  for (const shared of [false, true]) {
    for (const row of AGENT_REGISTRY) {
      const found = row.markers.some((m) =>
        m.strength === "weak" && Boolean(m.sharedByForks) === shared && isMarkerSet(getVar, m)
      );
      if (found) return row.id;
    }
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

/** `0`, `false`, `no`, `off` and the empty string leave a flag unset. */
const FALSE_VALUES = /^(|0|false|no|off)$/i;

/**
 * Whether `marker` is set: its exact value, else any value (for a flag, any
 * value but a false one), and its companion variable too.
 */
export function isMarkerSet(getVar: GetVar, marker: Marker): boolean {
  const value = getVar(marker.name);
  const present = marker.value !== undefined
    ? value === marker.value
    : marker.flag
    ? value !== undefined && !FALSE_VALUES.test(value.trim())
    : Boolean(value);
  return present && (!marker.with || getVar(marker.with.name) === marker.with.value);
}
