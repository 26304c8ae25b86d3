import { strict as assert } from "node:assert";
import type { Env } from "../../src/env.ts";
import {
  type AgentId,
  agentSandboxInfo,
  detectAgent,
  detectAgentInfo,
  detectAgentInfoFromEnv,
  DEVIN_MARKER_PATH,
  KNOWN_AGENT_IDS,
  parseDeclaration,
  userAgent,
} from "../../src/agents/detect.ts";

function varsOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

/**
 * The environment each agent really sets for the commands it runs (sources in
 * src/agents/detect.ts), and the id twg must report.
 */
const agentEnvironments: Array<[string, Record<string, string>, AgentId | null]> = [
  ["a person's terminal", { HOME: "/home/ada", TERM: "xterm" }, null],
  // Claude Code: CLAUDECODE=1, and since 2.1.120 AI_AGENT with version and role.
  ["Claude Code before 2.1.120", { CLAUDECODE: "1" }, "claude-code"],
  ["Claude Code", { CLAUDECODE: "1", AI_AGENT: "claude-code_2-1-263_agent" }, "claude-code"],
  ["Claude Code's AI_AGENT alone", { AI_AGENT: "claude-code_2-1-263_agent" }, "claude-code"],
  ["Claude Code through CLAUDE_CODE", { CLAUDE_CODE: "1" }, "claude-code"],
  ["Claude Cowork", { CLAUDECODE: "1", CLAUDE_CODE_IS_COWORK: "1" }, "claude-cowork"],
  [
    "Claude Cowork declaring Claude Code",
    { CLAUDECODE: "1", CLAUDE_CODE_IS_COWORK: "1", AI_AGENT: "claude-code_2-1-263_agent" },
    "claude-cowork",
  ],
  ["Amp, which also sets CLAUDECODE", { AGENT: "amp", CLAUDECODE: "1" }, "amp"],
  ["Amp by its thread id alone", { AMP_CURRENT_THREAD_ID: "T-1", CLAUDECODE: "1" }, "amp"],
  ["Codex on Linux", { CODEX_THREAD_ID: "019a" }, "codex"],
  ["Codex on macOS", { CODEX_THREAD_ID: "019a", CODEX_SANDBOX: "seatbelt" }, "codex"],
  ["Codex in CI", { CODEX_CI: "1" }, "codex"],
  ["Codex without network", { CODEX_SANDBOX_NETWORK_DISABLED: "1" }, "codex"],
  ["Cursor's agent", { CURSOR_AGENT: "1", CURSOR_TRACE_ID: "abc" }, "cursor"],
  ["Cursor's agent host", { CURSOR_EXTENSION_HOST_ROLE: "agent-exec" }, "cursor"],
  ["a person's Cursor terminal", { CURSOR_TRACE_ID: "abc" }, null],
  ["Cursor's other extension hosts", { CURSOR_EXTENSION_HOST_ROLE: "user" }, null],
  ["Gemini CLI", { GEMINI_CLI: "1" }, "gemini-cli"],
  ["Gemini CLI in its container", { GEMINI_CLI: "1", SANDBOX: "gemini-cli-sandbox" }, "gemini-cli"],
  ["Qwen Code", { QWEN_CODE: "1" }, "qwen-code"],
  ["Qwen Code, a Gemini CLI fork", { QWEN_CODE: "1", GEMINI_CLI: "1" }, "qwen-code"],
  ["Copilot CLI", { COPILOT_CLI: "1" }, "copilot-cli"],
  // A person exports COPILOT_MODEL to configure Copilot CLI: not a marker.
  ["a person's COPILOT_MODEL setting", { COPILOT_MODEL: "gpt-5" }, null],
  [
    "VS Code's Copilot agent",
    { COPILOT_AGENT: "1", AI_AGENT: "github_copilot_vscode_agent", TERM_PROGRAM: "vscode" },
    "copilot-vscode",
  ],
  ["VS Code's Copilot agent by COPILOT_AGENT", { COPILOT_AGENT: "1" }, "copilot-vscode"],
  ["OpenCode", { OPENCODE: "1", AGENT: "1" }, "opencode"],
  ["a person's OPENCODE_CLIENT setting", { OPENCODE_CLIENT: "cli" }, null],
  ["Goose", { GOOSE_TERMINAL: "1", AGENT: "goose" }, "goose"],
  ["Goose by its terminal alone", { GOOSE_TERMINAL: "1" }, "goose"],
  ["Cline", { CLINE_ACTIVE: "true" }, "cline"],
  ["Crush", { CRUSH: "1", AGENT: "crush", AI_AGENT: "crush" }, "crush"],
  ["Crush by CRUSH alone", { CRUSH: "1" }, "crush"],
  ["Zed's agent", { TERM_PROGRAM: "zed", PAGER: "cat" }, "zed"],
  ["a person's Zed terminal", { TERM_PROGRAM: "zed" }, null],
  ["a person's Kiro terminal", { TERM_PROGRAM: "kiro" }, null],
  ["Kiro CLI", { KIRO_SESSION_ID: "s1", AGENT_CONTEXT_OUT: "/tmp/f" }, "kiro"],
  ["Pi", { PI_CODING_AGENT: "true" }, "pi"],
  ["Warp's agent", { OZ_RUN_ID: "r-1", TERM_PROGRAM: "WarpTerminal" }, "warp"],
  ["a person's Warp terminal", { TERM_PROGRAM: "WarpTerminal" }, null],
  ["a person's Windsurf terminal", { CODEIUM_EDITOR_APP_ROOT: "/opt/windsurf" }, null],
  ["Windsurf's Cascade", { WINDSURF_CASCADE_TERMINAL: "1", TERM_PROGRAM: "vscode" }, "windsurf"],
  ["Augment", { AUGMENT_AGENT: "1" }, "augment"],
  ["Antigravity", { ANTIGRAVITY_AGENT: "1" }, "antigravity"],
  ["a person's Replit shell", { REPL_ID: "r-1" }, null],
  ["Replit's assistant", { REPL_ID: "r-1", REPLIT_MODE: "assistant" }, "replit"],
  ["Replit's agent running Claude Code", { REPL_ID: "r-1", CLAUDECODE: "1" }, "claude-code"],
  [
    "Claude Code in Zed's terminal",
    { TERM_PROGRAM: "zed", PAGER: "cat", CLAUDECODE: "1" },
    "claude-code",
  ],
  ["an empty variable", { CLAUDECODE: "" }, null],
  ["a false-valued flag", { CLAUDECODE: "0" }, null],
  [
    "Claude Code with Cowork switched off",
    { CLAUDECODE: "1", CLAUDE_CODE_IS_COWORK: "0" },
    "claude-code",
  ],
  // Declarations.
  ["AGENT=1 alone: some agent", { AGENT: "1" }, "other"],
  ["AI_AGENT over the specific variables", { AI_AGENT: "gemini", CLAUDECODE: "1" }, "gemini-cli"],
  ["AI_AGENT over AGENT", { AI_AGENT: "codex", AGENT: "amp" }, "codex"],
  ["an alias in AI_AGENT", { AI_AGENT: "github-copilot-cli" }, "copilot-cli"],
  ["a name@version declaration", { AI_AGENT: "amp@1.2.3" }, "amp"],
  ["an unknown name@version", { AI_AGENT: "name@1.2.3" }, "other"],
  [
    "an unknown name, but Codex's variables",
    { AI_AGENT: "my-wrapper", CODEX_THREAD_ID: "1" },
    "codex",
  ],
  ["a _harness suffix", { AI_AGENT: "opencode_harness" }, "opencode"],
  ["a blank declared name", { AI_AGENT: "  ", CODEX_THREAD_ID: "1" }, "codex"],
];

for (const [situation, vars, expected] of agentEnvironments) {
  Deno.test(`detectAgent recognises ${situation}`, () => {
    assert.equal(detectAgent(varsOf(vars)), expected);
  });
}

Deno.test("every contract id is reachable from an environment in the table", () => {
  const reached = new Set(agentEnvironments.map(([, vars]) => detectAgent(varsOf(vars))));
  reached.add(detectAgent(varsOf({}), (path) => path === DEVIN_MARKER_PATH));
  // The agents that set no variable of their own declare themselves.
  for (const value of ["github_copilot_app_agent", "open-interpreter"]) {
    reached.add(detectAgent(varsOf({ AI_AGENT: value })));
  }
  for (
    const vars of [
      { ROO_ACTIVE: "true", PAGER: "cat" },
      { OR_APP_NAME: "Aider" },
      { KIMI_PLUGIN_ROOT: "/x" },
      { OPENCLAW_SHELL: "exec" },
      { TRAE_AI_SHELL_ID: "t" },
      { HERMES_SESSION_ID: "h" },
      { IFLOW_CLI: "1" },
      { JUNIE_SHIM_PATH: "/x" },
      { OR_APP_NAME: "OpenHands" },
      { KILO: "1", OPENCODE: "1" },
      { COPILOT_AGENT_JOB_ID: "j" },
    ]
  ) reached.add(detectAgent(varsOf(vars)));
  for (const id of KNOWN_AGENT_IDS) assert.ok(reached.has(id), `no environment yields ${id}`);
});

Deno.test("the raw AI_AGENT value never becomes the agent's id", () => {
  for (const value of ["claude-code_2-1-263_agent", "github_copilot_vscode_agent", "name@1.2.3"]) {
    const found = detectAgentInfo(varsOf({ AI_AGENT: value }));
    assert.ok(found);
    assert.notEqual(found.id, value);
    assert.ok(found.id === "other" || (KNOWN_AGENT_IDS as readonly string[]).includes(found.id));
  }
});

Deno.test("an unknown declared name is kept for display, the variables decide the id", () => {
  assert.deepEqual(detectAgentInfo(varsOf({ AI_AGENT: "My Agent/2@0.9", CLAUDECODE: "1" })), {
    id: "claude-code",
    declared: "my-agent-2",
    version: "0.9",
    signal: "CLAUDECODE",
  });
  assert.deepEqual(detectAgentInfo(varsOf({ AI_AGENT: "name@1.2.3" })), {
    id: "other",
    declared: "name",
    version: "1.2.3",
    signal: "AI_AGENT",
  });
  assert.deepEqual(detectAgentInfo(varsOf({ AGENT: "1" })), {
    id: "other",
    declared: null,
    version: null,
    signal: "AGENT",
  });
});

Deno.test("parseDeclaration strips version and role suffixes", () => {
  assert.deepEqual(parseDeclaration("claude-code_2-1-263_agent"), {
    known: "claude-code",
    name: "claude-code",
    version: "2.1.263",
  });
  assert.deepEqual(parseDeclaration("github_copilot_vscode_agent"), {
    known: "copilot-vscode",
    name: "github-copilot-vscode",
    version: null,
  });
  assert.deepEqual(parseDeclaration("crush"), { known: "crush", name: "crush", version: null });
  // The @vercel/detect-agent README's examples.
  assert.deepEqual(parseDeclaration("devin@1"), { known: "devin", name: "devin", version: "1" });
  assert.deepEqual(parseDeclaration("cursor-cli"), {
    known: "cursor",
    name: "cursor-cli",
    version: null,
  });
  assert.deepEqual(parseDeclaration("custom-agent@2.0"), {
    known: null,
    name: "custom-agent",
    version: "2.0",
  });
  assert.equal(parseDeclaration("goose-agent")?.known, "goose");
  assert.deepEqual(parseDeclaration("1"), { known: null, name: null, version: null });
  assert.equal(parseDeclaration(""), null);
  assert.equal(parseDeclaration("x".repeat(200))?.name, "x".repeat(64));
});

Deno.test("detectAgent recognises Devin by its marker file, after every variable", () => {
  const onlyDevinMarker = (path: string) => path === DEVIN_MARKER_PATH;
  assert.equal(detectAgent(varsOf({}), onlyDevinMarker), "devin");
  assert.equal(detectAgent(varsOf({ CLAUDECODE: "1" }), onlyDevinMarker), "claude-code");
  assert.equal(detectAgent(varsOf({}), () => false), null);
});

Deno.test("detectAgentInfoFromEnv probes Devin's marker through env.fs", async () => {
  const statFor = (existing: string[]) =>
    ((path: string) =>
      existing.includes(path) ? Promise.resolve({}) : Promise.reject(new Error("ENOENT"))) as Env[
        "fs"
      ]["stat"];
  const env = (existing: string[]) => ({
    getVar: varsOf({}),
    fs: { stat: statFor(existing) } as unknown as Env["fs"],
  });
  assert.equal((await detectAgentInfoFromEnv(env([DEVIN_MARKER_PATH])))?.id, "devin");
  assert.equal(await detectAgentInfoFromEnv(env([])), null);
});

Deno.test("agentSandboxInfo tells Gemini CLI's and Qwen Code's container from Seatbelt", () => {
  assert.equal(
    agentSandboxInfo("gemini-cli", varsOf({ SANDBOX: "gemini-cli-sandbox" })),
    "container",
  );
  assert.equal(agentSandboxInfo("gemini-cli", varsOf({ SANDBOX: "sandbox-exec" })), "seatbelt");
  assert.equal(
    agentSandboxInfo("qwen-code", varsOf({ SANDBOX: "qwen-code-sandbox" })),
    "container",
  );
  assert.equal(agentSandboxInfo("gemini-cli", varsOf({})), null);
});

Deno.test("agentSandboxInfo sees Codex's Seatbelt and ignores SANDBOX for other agents", () => {
  assert.equal(agentSandboxInfo("codex", varsOf({ CODEX_SANDBOX: "seatbelt" })), "seatbelt");
  assert.equal(agentSandboxInfo("claude-code", varsOf({ SANDBOX: "sandbox-exec" })), null);
  assert.equal(agentSandboxInfo(null, varsOf({ SANDBOX: "docker" })), null);
});

Deno.test("the User-Agent names the agent's id, never its raw declaration", () => {
  assert.equal(
    userAgent("0.1.0", "deno 2.9.0", "linux", varsOf({ AI_AGENT: "claude-code_2-1-263_agent" })),
    "twg/0.1.0 (deno 2.9.0; linux) agent/claude-code",
  );
  assert.equal(
    userAgent("0.1.0", "node 20.1.0", "darwin", varsOf({ AI_AGENT: "name@1.2.3" })),
    "twg/0.1.0 (node 20.1.0; darwin) agent/other",
  );
  assert.equal(
    userAgent("0.1.0", "deno 2.9.0", "linux", varsOf({})),
    "twg/0.1.0 (deno 2.9.0; linux)",
  );
});
