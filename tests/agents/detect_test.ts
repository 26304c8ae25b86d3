import { strict as assert } from "node:assert";
import type { Env } from "../../src/env.ts";
import {
  type AgentId,
  agentSandboxInfo,
  detectAgent,
  detectAgentFromEnv,
  DEVIN_MARKER_PATH,
} from "../../src/agents/detect.ts";

function varsOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

const cases: Array<[string, Record<string, string>, AgentId | null]> = [
  ["a person's terminal", { HOME: "/home/ada", TERM: "xterm" }, null],
  ["Claude Code", { CLAUDECODE: "1" }, "claude-code"],
  ["Claude Code through CLAUDE_CODE", { CLAUDE_CODE: "1" }, "claude-code"],
  ["Amp, which also sets CLAUDECODE", { AGENT: "amp", CLAUDECODE: "1" }, "amp"],
  ["Amp by its thread id alone", { AMP_CURRENT_THREAD_ID: "T-1", CLAUDECODE: "1" }, "amp"],
  ["Codex on Linux", { CODEX_THREAD_ID: "019a" }, "codex"],
  ["Codex on macOS", { CODEX_SANDBOX: "seatbelt" }, "codex"],
  ["Codex in CI", { CODEX_CI: "1" }, "codex"],
  ["Codex without network", { CODEX_SANDBOX_NETWORK_DISABLED: "1" }, "codex"],
  ["Cursor's agent", { CURSOR_AGENT: "1", CURSOR_TRACE_ID: "abc" }, "cursor"],
  ["Cursor's agent host", { CURSOR_EXTENSION_HOST_ROLE: "agent-exec" }, "cursor"],
  ["a person's Cursor terminal", { CURSOR_TRACE_ID: "abc" }, null],
  ["Cursor's other extension hosts", { CURSOR_EXTENSION_HOST_ROLE: "user" }, null],
  ["Gemini CLI", { GEMINI_CLI: "1" }, "gemini-cli"],
  ["Copilot CLI", { COPILOT_MODEL: "gpt-5" }, "copilot-cli"],
  ["OpenCode", { OPENCODE_CLIENT: "cli" }, "opencode"],
  ["Cline", { CLINE_ACTIVE: "true" }, "cline"],
  ["Goose", { GOOSE_TERMINAL: "1" }, "goose"],
  ["Augment", { AUGMENT_AGENT: "1" }, "augment"],
  ["Antigravity", { ANTIGRAVITY_AGENT: "1" }, "antigravity"],
  ["Replit", { REPL_ID: "r-1" }, "replit"],
  ["Replit's agent running Claude Code", { REPL_ID: "r-1", CLAUDECODE: "1" }, "claude-code"],
  ["an empty variable", { CLAUDECODE: "" }, null],
  ["AI_AGENT over the specific variables", { AI_AGENT: "gemini", CLAUDECODE: "1" }, "gemini-cli"],
  ["AI_AGENT over AGENT", { AI_AGENT: "codex", AGENT: "amp" }, "codex"],
  ["an alias in AI_AGENT", { AI_AGENT: "github-copilot-cli" }, "copilot-cli"],
  ["an unknown declared name, normalized", { AI_AGENT: "  My Agent/2 " }, "my-agent-2"],
  ["a blank declared name", { AI_AGENT: "  ", CODEX_THREAD_ID: "1" }, "codex"],
];

for (const [situation, vars, expected] of cases) {
  Deno.test(`detectAgent recognises ${situation}`, () => {
    assert.equal(detectAgent(varsOf(vars)), expected);
  });
}

Deno.test("detectAgent caps a declared name at 64 characters", () => {
  assert.equal(detectAgent(varsOf({ AGENT: "x".repeat(200) })), "x".repeat(64));
});

Deno.test("detectAgent recognises Devin by its marker file, after every variable", () => {
  const onlyDevinMarker = (path: string) => path === DEVIN_MARKER_PATH;
  assert.equal(detectAgent(varsOf({}), onlyDevinMarker), "devin");
  assert.equal(detectAgent(varsOf({ CLAUDECODE: "1" }), onlyDevinMarker), "claude-code");
  assert.equal(detectAgent(varsOf({}), () => false), null);
});

Deno.test("detectAgentFromEnv probes Devin's marker through env.fs", async () => {
  const statFor = (existing: string[]) =>
    ((path: string) =>
      existing.includes(path) ? Promise.resolve({}) : Promise.reject(new Error("ENOENT"))) as Env[
        "fs"
      ]["stat"];
  const env = (existing: string[]) => ({
    getVar: varsOf({}),
    fs: { stat: statFor(existing) } as unknown as Env["fs"],
  });
  assert.equal(await detectAgentFromEnv(env([DEVIN_MARKER_PATH])), "devin");
  assert.equal(await detectAgentFromEnv(env([])), null);
});

Deno.test("agentSandboxInfo tells Gemini CLI's container from Seatbelt", () => {
  assert.equal(
    agentSandboxInfo("gemini-cli", varsOf({ SANDBOX: "gemini-cli-sandbox" })),
    "container",
  );
  assert.equal(agentSandboxInfo("gemini-cli", varsOf({ SANDBOX: "sandbox-exec" })), "seatbelt");
  assert.equal(agentSandboxInfo("gemini-cli", varsOf({})), null);
});

Deno.test("agentSandboxInfo sees Codex's Seatbelt and ignores SANDBOX for other agents", () => {
  assert.equal(agentSandboxInfo("codex", varsOf({ CODEX_SANDBOX: "seatbelt" })), "seatbelt");
  assert.equal(agentSandboxInfo("claude-code", varsOf({ SANDBOX: "sandbox-exec" })), null);
  assert.equal(agentSandboxInfo(null, varsOf({ SANDBOX: "docker" })), null);
});
