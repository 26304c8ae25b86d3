/**
 * The agents registry, row by row: every marker (strong, weak, false-valued),
 * every setting a person exports, every declared name and every known
 * combination of two agents gives the expected id and the expected first line
 * of the advice; every row carries dated sources.
 */
import { strict as assert } from "node:assert";
import { detectAgentInfo, editorTerminal, type GetVar } from "../../src/agents/detect.ts";
import { sandboxGuidance } from "../../src/agents/guidance.ts";
import {
  AGENT_REGISTRY,
  KNOWN_AGENT_IDS,
  type KnownAgentId,
  type Marker,
  PAIR_RULES,
} from "../../src/agents/registry.ts";

const DIR = "/home/ada/.config/twg";

function varsOf(vars: Record<string, string>): GetVar {
  return (name) => vars[name];
}

/** What twg prints first for this environment (detection, then advice). */
function firstLine(vars: Record<string, string>): string {
  const getVar = varsOf(vars);
  const agent = detectAgentInfo(getVar);
  const text = sandboxGuidance({
    agent: agent?.id ?? null,
    agentDeclared: agent?.declared ?? null,
    alongside: agent?.alongside ?? null,
    rule: agent?.rule ?? null,
    editorTerminal: agent ? null : editorTerminal(getVar),
    configDir: DIR,
    homeDir: "/home/ada",
    os: "linux",
    getVar,
  });
  return text.split("\n")[0]!;
}

const generic = (name: string) =>
  `twg cannot update the credentials in ${DIR} here, and knows no ${name} setting that changes that.`;
const hosted = (name: string, where: string) =>
  `${name} runs commands in ${where}, which holds no copy of this machine's twg files and does not let them be written here.`;
const noSandbox = (name: string) =>
  `${name} has no sandbox of its own, so something around it (a container, a read-only mount, a permission flag) blocks the write to ${DIR}.`;
const editor = (name: string) =>
  `twg cannot update the credentials in ${DIR} here. This looks like a terminal of ${name}, and no marker says one of its agents runs it: something (a sandbox, a container, a read-only mount, a permission flag) blocks the write.`;
const NONE =
  `twg cannot update the credentials in ${DIR} here: something (a sandbox, a container, a read-only mount, a permission flag) blocks the write.`;

/** The first line of each agent's advice when only its own marker is set. */
const FIRST_LINES: Record<KnownAgentId, string> = {
  "claude-code":
    "Claude Code's sandbox lets commands read files outside sandbox.filesystem.denyRead, but write only to the working directory and the directories added to the session.",
  "claude-cowork": hosted("Claude Cowork", "its own virtual machine"),
  "codex": "Codex's sandbox lets commands write only to the workspace and its writable roots.",
  "cursor": "Cursor's sandbox lets agent commands write only to the workspace.",
  "gemini-cli":
    "Gemini CLI is not running in its sandbox container or under Seatbelt here; its tool sandboxing (security.toolSandboxing) may be running this command.",
  "qwen-code": generic("Qwen Code"),
  "copilot-cli":
    "GitHub Copilot CLI's sandbox (preview) lets commands write only to the working directory and temp folders; the home directory is read-only.",
  "copilot-vscode":
    "VS Code's agent sandbox (preview) lets terminal commands write only to the workspace folders and its temp directory.",
  "opencode": noSandbox("OpenCode"),
  "amp": generic("Amp"),
  "goose": noSandbox("Goose"),
  "cline": noSandbox("Cline"),
  "crush": noSandbox("Crush"),
  "zed":
    "Zed's agent runs terminal commands in its sandbox (on by default since Zed 1.14.2; earlier versions have none), which lets them read files but write only to the project's directories.",
  "kiro": generic("Kiro"),
  "pi": generic("Pi"),
  "warp": generic("Warp's agent"),
  "windsurf": generic("Windsurf"),
  "augment": generic("Augment"),
  "antigravity": generic("Antigravity"),
  "replit": hosted("Replit", "its own container"),
  "devin": hosted("Devin", "its own virtual machine"),
  "roo-code": noSandbox("Roo Code"),
  "aider": noSandbox("Aider"),
  "kimi-cli": generic("Kimi CLI"),
  "openclaw": generic("OpenClaw"),
  "trae": generic("Trae"),
  "hermes": generic("Hermes Agent"),
  "iflow-cli": generic("iFlow CLI"),
  "junie": generic("JetBrains Junie"),
  "openhands": hosted("OpenHands", "its sandbox container"),
  "kilo": noSandbox("Kilo"),
  "copilot-cloud": hosted("the GitHub Copilot cloud agent", "a GitHub Actions runner"),
  "copilot-app": generic("the GitHub Copilot app"),
  "open-interpreter": generic("Open Interpreter"),
};

/** The editor a weak marker names. */
const EDITOR_NAMES: Partial<Record<KnownAgentId, string>> = {
  "cursor": "Cursor",
  "copilot-vscode": "VS Code",
  "zed": "Zed",
  "kiro": "Kiro",
  "warp": "Warp",
  "windsurf": "Windsurf",
  "replit": "Replit",
};

/** An environment in which `marker` is set. */
function setting(marker: Marker): Record<string, string> {
  const vars: Record<string, string> = {
    [marker.name]: marker.value ?? (marker.flag ? "1" : "x-1"),
  };
  if (marker.with) vars[marker.with.name] = marker.with.value;
  return vars;
}

for (const row of AGENT_REGISTRY) {
  for (const marker of row.markers) {
    const vars = setting(marker);
    const label = `${row.id}: ${Object.entries(vars).map(([k, v]) => `${k}=${v}`).join(" ")}`;
    if (marker.strength === "strong") {
      Deno.test(`${label} (strong) identifies ${row.id}`, () => {
        assert.equal(detectAgentInfo(varsOf(vars))?.id, row.id);
        assert.equal(firstLine(vars), FIRST_LINES[row.id]);
      });
    } else {
      Deno.test(`${label} (weak) is an editor terminal, not an agent`, () => {
        assert.equal(detectAgentInfo(varsOf(vars)), null);
        assert.equal(editorTerminal(varsOf(vars)), row.id);
        assert.equal(firstLine(vars), editor(EDITOR_NAMES[row.id]!));
      });
    }
    if (marker.flag) {
      for (const off of ["0", "false", "FALSE", "no", "off", ""]) {
        Deno.test(`${row.id}: ${marker.name}=${JSON.stringify(off)} is unset`, () => {
          assert.notEqual(detectAgentInfo(varsOf({ ...vars, [marker.name]: off }))?.id, row.id);
        });
      }
    }
  }
  for (const name of row.personSettings ?? []) {
    Deno.test(`${row.id}: ${name}, a setting a person exports, identifies nothing`, () => {
      assert.equal(detectAgentInfo(varsOf({ [name]: "1" })), null);
      assert.equal(firstLine({ [name]: "1" }), NONE);
    });
  }
  for (const declared of row.declares) {
    Deno.test(`${row.id}: AI_AGENT=${declared}_agent declares ${row.id}`, () => {
      assert.equal(detectAgentInfo(varsOf({ AI_AGENT: `${declared}_agent` }))?.id, row.id);
      assert.equal(firstLine({ AI_AGENT: `${declared}_agent` }), FIRST_LINES[row.id]);
    });
  }
}

Deno.test("Devin, which sets no variable, is its marker file", () => {
  const found = detectAgentInfo(varsOf({}), (path) => path === "/opt/.devin");
  assert.equal(found?.id, "devin");
});

Deno.test("the agents that set no variable of their own are reached by their declaration", () => {
  assert.equal(
    detectAgentInfo(varsOf({ AI_AGENT: "github_copilot_app_agent" }))?.id,
    "copilot-app",
  );
  assert.equal(detectAgentInfo(varsOf({ AI_AGENT: "open-interpreter" }))?.id, "open-interpreter");
  assert.equal(detectAgentInfo(varsOf({ AI_AGENT: "TRAE" }))?.id, "trae");
  assert.equal(detectAgentInfo(varsOf({ AI_AGENT: "openclaw" }))?.id, "openclaw");
});

Deno.test("a person's own command in OpenClaw's TUI is not the agent's", () => {
  assert.equal(detectAgentInfo(varsOf({ OPENCLAW_SHELL: "tui-local" })), null);
});

/** An environment in which `id` identifies itself: its first strong marker, else its declaration. */
function identifying(id: KnownAgentId): Record<string, string> {
  const row = AGENT_REGISTRY.find((candidate) => candidate.id === id)!;
  const marker = row.markers.find((m) => m.strength === "strong");
  return marker ? setting(marker) : { AI_AGENT: `${row.declares[0]}_agent` };
}

for (const rule of PAIR_RULES) {
  const [a, b] = rule.pair;
  const other = rule.runs === a ? b : a;
  Deno.test(`two agents' markers, ${a} and ${b}: ${rule.runs}'s sandbox is assumed`, () => {
    const vars = { ...identifying(a), ...identifying(b) };
    const found = detectAgentInfo(varsOf(vars));
    assert.equal(found?.id, rule.runs);
    if (rule.setsBoth) {
      // One agent that sets the other's markers itself: nothing to assume.
      assert.equal(found?.alongside, undefined);
      assert.equal(firstLine(vars), FIRST_LINES[rule.runs]);
      return;
    }
    assert.equal(found?.alongside, other);
    assert.equal(found?.rule, rule.why);
    const names = Object.fromEntries(AGENT_REGISTRY.map((row) => [row.id, row.name]));
    assert.equal(
      firstLine(vars),
      `This environment names both ${names[rule.runs]} and ${names[other]}; twg assumes ${
        names[rule.runs]
      }'s sandbox runs this command: ${rule.why}.`,
    );
  });
}

Deno.test("VS Code's declaration over Codex's and Claude Code's own markers: the harness runs it", () => {
  const vscode = { AI_AGENT: "github_copilot_vscode_agent" };
  assert.equal(detectAgentInfo(varsOf({ ...vscode, CODEX_THREAD_ID: "019a" }))?.id, "codex");
  assert.equal(detectAgentInfo(varsOf({ ...vscode, CLAUDECODE: "1" }))?.id, "claude-code");
});

Deno.test("two agents without a rule: the declared one is assumed, and twg says it cannot tell", () => {
  const vars = { CLAUDECODE: "1", CURSOR_AGENT: "1" };
  const found = detectAgentInfo(varsOf(vars));
  assert.equal(found?.id, "claude-code");
  assert.equal(found?.alongside, "cursor");
  assert.equal(found?.rule, null);
  assert.equal(
    firstLine(vars),
    "This environment names both Claude Code and Cursor, and twg cannot tell whose sandbox runs this command; what holds for either:",
  );
  const declared = detectAgentInfo(varsOf({ AI_AGENT: "gemini", CLAUDECODE: "1" }));
  assert.equal(declared?.id, "gemini-cli");
  assert.equal(declared?.alongside, "claude-code");
});

Deno.test("an agent with an editor's weak marker is the agent", () => {
  assert.equal(
    detectAgentInfo(varsOf({ CLAUDECODE: "1", CURSOR_TRACE_ID: "t" }))?.id,
    "claude-code",
  );
  assert.equal(
    detectAgentInfo(varsOf({ CLAUDECODE: "1", CURSOR_TRACE_ID: "t" }))?.alongside,
    undefined,
  );
});

Deno.test("every row has a name, a known advice, dated sources, and evidence on each marker", () => {
  const ids = AGENT_REGISTRY.map((row) => row.id);
  assert.deepEqual([...ids].sort(), [...KNOWN_AGENT_IDS].sort(), "one row per id, no more");
  const today = Date.now();
  for (const row of AGENT_REGISTRY) {
    assert.ok(row.name.length > 0, row.id);
    assert.ok(row.sources.length > 0, `${row.id} has no source`);
    for (const source of row.sources) {
      // A repository path, an issue or PR, or a docs address.
      assert.match(
        source,
        /[a-z0-9-]+\/[a-z0-9._-]+|#\d+|\.(com|dev|ai|io|rs|md)\b/i,
        `${row.id}: ${source}`,
      );
    }
    assert.match(row.checked, /^\d{4}-\d{2}-\d{2}$/, `${row.id} has no date`);
    const checked = Date.parse(`${row.checked}T00:00:00Z`);
    assert.ok(checked <= today, `${row.id} checked in the future`);
    assert.ok(today - checked < 400 * 86_400_000, `${row.id} was checked more than 400 days ago`);
    for (const marker of row.markers) {
      assert.ok(["first-hand", "detector", "observed"].includes(marker.evidence), row.id);
    }
    if (row.advice === "hosted") assert.ok(row.hostedIn, `${row.id} says not where it runs`);
    assert.ok(
      row.markers.some((m) => m.strength === "strong") || row.declares.length > 0 ||
        row.id === "devin",
      `${row.id} cannot be detected`,
    );
  }
});

Deno.test("a VS Code fork's terminal is named after the fork, not VS Code", () => {
  const windsurf = { CODEIUM_EDITOR_APP_ROOT: "/opt/windsurf", TERM_PROGRAM: "vscode" };
  assert.equal(editorTerminal(varsOf(windsurf)), "windsurf");
  assert.equal(editorTerminal(varsOf({ CURSOR_TRACE_ID: "t", TERM_PROGRAM: "vscode" })), "cursor");
  assert.equal(editorTerminal(varsOf({ TERM_PROGRAM: "vscode" })), "copilot-vscode");
});
