import { strict as assert } from "node:assert";
import type { OsName } from "../../src/env.ts";
import type { AgentId } from "../../src/agents/detect.ts";
import type { CodexLayer } from "../../src/agents/codex_config.ts";
import {
  oneLineFix,
  sandboxGuidance,
  type SandboxGuidanceOptions,
} from "../../src/agents/guidance.ts";

interface Machine {
  os: OsName;
  homeDir: string;
  configDir: string;
}

const linux: Machine = { os: "linux", homeDir: "/home/ada", configDir: "/home/ada/.config/twg" };
const macos: Machine = { os: "darwin", homeDir: "/Users/ada", configDir: "/Users/ada/.config/twg" };
const windows: Machine = {
  os: "windows",
  homeDir: "C:\\Users\\ada",
  configDir: "C:\\Users\\ada\\AppData\\Roaming\\twg",
};

type Extra = Partial<Omit<SandboxGuidanceOptions, "agent" | "getVar">> & {
  vars?: Record<string, string>;
};

function options(
  agent: AgentId | null,
  machine: Machine,
  extra: Extra = {},
): SandboxGuidanceOptions {
  const { vars = {}, ...rest } = extra;
  return { agent, ...machine, getVar: (name) => vars[name], ...rest };
}

function guidance(agent: AgentId | null, machine: Machine, extra: Extra = {}): string {
  return sandboxGuidance(options(agent, machine, extra));
}

/** The indented snippet of a guidance text, without its indentation. */
function snippetOf(text: string): string {
  const lines = text.split("\n");
  const first = lines.findIndex((line) => line.startsWith("    "));
  const last = lines.findLastIndex((line) => line.startsWith("    "));
  assert.notEqual(first, -1, `no snippet in:\n${text}`);
  return lines.slice(first, last + 1).map((line) => line.slice(4)).join("\n");
}

function jsonSnippetOf(text: string): unknown {
  return JSON.parse(snippetOf(text));
}

function layer(kind: CodexLayer["kind"], path: string, text: string): CodexLayer {
  return { kind, path, text };
}

Deno.test("Claude Code: /add-dir and --add-dir first, then allowWrite without enabled", () => {
  const text = guidance("claude-code", linux);
  const addDir = text.indexOf("/add-dir /home/ada/.config/twg");
  const flag = text.indexOf("claude --add-dir /home/ada/.config/twg");
  const settings = text.indexOf("/home/ada/.claude/settings.json");
  assert.ok(addDir > 0 && addDir < flag && flag < settings, text);
  assert.deepEqual(jsonSnippetOf(text), {
    sandbox: { filesystem: { allowWrite: ["/home/ada/.config/twg"] } },
  });
  assert.doesNotMatch(snippetOf(text), /enabled/);
  assert.match(text, /permissions\.additionalDirectories are writable by sandboxed commands/);
  assert.doesNotMatch(text, /not enough/);
});

Deno.test("Claude Code before 2.1.78 gets the // absolute form", () => {
  const text = guidance("claude-code", linux, { agentVersion: "2.1.77" });
  assert.deepEqual(jsonSnippetOf(text), {
    sandbox: { filesystem: { allowWrite: ["//home/ada/.config/twg"] } },
  });
  assert.deepEqual(jsonSnippetOf(guidance("claude-code", linux, { agentVersion: "2.1.263" })), {
    sandbox: { filesystem: { allowWrite: ["/home/ada/.config/twg"] } },
  });
});

Deno.test("Claude Code follows CLAUDE_CONFIG_DIR and what its settings files say", () => {
  const text = guidance("claude-code", linux, {
    vars: { CLAUDE_CONFIG_DIR: "/home/ada/claude-work" },
  });
  assert.match(text, /merge this into \/home\/ada\/claude-work\/settings\.json/);
  const read = guidance("claude-code", linux, {
    claudeSettings: {
      userSettingsPath: "/home/ada/.claude/settings.json",
      enabledIn: ["/work/app/.claude/settings.local.json"],
      userHasAllowWrite: true,
      alreadyAllowedIn: [],
    },
  });
  assert.match(
    read,
    /add "\/home\/ada\/\.config\/twg" to the sandbox\.filesystem\.allowWrite list/,
  );
  assert.match(read, /The sandbox is turned on in \/work\/app\/\.claude\/settings\.local\.json\./);
  const off = guidance("claude-code", linux, {
    claudeSettings: {
      userSettingsPath: "/home/ada/.claude/settings.json",
      enabledIn: [],
      userHasAllowWrite: false,
      alreadyAllowedIn: [],
    },
  });
  assert.match(off, /None of the Claude Code settings files twg can read turns the sandbox on/);
});

Deno.test("Claude Code on Windows escapes the path in JSON", () => {
  const text = guidance("claude-code", { ...windows, configDir: "D:\\twg" });
  assert.deepEqual(jsonSnippetOf(text), {
    sandbox: { filesystem: { allowWrite: ["D:\\twg"] } },
  });
  assert.match(text, /C:\\Users\\ada\\\.claude\\settings\.json/);
});

Deno.test("Codex: --add-dir first, then a permission profile when no layer sets sandbox_mode", () => {
  const text = guidance("codex", linux, {
    codexLayers: [layer("user", "/home/ada/.codex/config.toml", 'model = "o3"\n')],
  });
  assert.ok(text.indexOf("codex --add-dir") < text.indexOf("permission profile"), text);
  assert.equal(
    snippetOf(text),
    [
      'default_permissions = "twg-workspace"',
      "",
      "[permissions.twg-workspace]",
      'extends = ":workspace"',
      "",
      "[permissions.twg-workspace.filesystem]",
      "'/home/ada/.config/twg' = \"write\"",
    ].join("\n"),
  );
  assert.match(text, /the layers twg read set none \(\/home\/ada\/\.codex\/config\.toml\)/);
  assert.match(text, /--sandbox \(-s\) flag/);
});

Deno.test("Codex warns against a second default_permissions", () => {
  const text = guidance("codex", linux, {
    codexLayers: [
      layer("user", "/home/ada/.codex/config.toml", 'default_permissions = ":read-only"\n'),
    ],
  });
  assert.match(text, /already sets default_permissions: change that line/);
});

Deno.test("Codex: sandbox_mode in the user config gives the legacy form there", () => {
  const text = guidance("codex", linux, {
    codexLayers: [
      layer(
        "user",
        "/home/ada/.codex/config.toml",
        '[profiles.safe]\nsandbox_mode = "read-only"\n',
      ),
    ],
  });
  assert.equal(
    snippetOf(text),
    [
      'sandbox_mode = "workspace-write"',
      "",
      "[sandbox_workspace_write]",
      "writable_roots = ['/home/ada/.config/twg']",
    ].join("\n"),
  );
  assert.match(text, /set these in \/home\/ada\/\.codex\/config\.toml/);
  assert.doesNotMatch(text, /default_permissions|permissions\.twg-workspace/);
});

Deno.test("Codex: a system layer's sandbox_mode is named, and the fix goes to the user config", () => {
  const text = guidance("codex", linux, {
    codexLayers: [
      layer("user", "/home/ada/.codex/config.toml", 'model = "o3"\n'),
      layer("system", "/etc/codex/config.toml", 'sandbox_mode = "read-only"\n'),
    ],
  });
  assert.match(text, /set these in \/home\/ada\/\.codex\/config\.toml/);
  assert.match(
    text,
    /\/etc\/codex\/config\.toml \(the system config\) sets sandbox_mode, so Codex ignores permission profiles; \/home\/ada\/\.codex\/config\.toml outranks it\./,
  );
});

Deno.test("Codex: a project layer outranks the user config and gets the change", () => {
  const text = guidance("codex", linux, {
    codexLayers: [
      layer("project", "/work/app/.codex/config.toml", 'sandbox_mode = "read-only"\n'),
      layer("user", "/home/ada/.codex/config.toml", 'sandbox_mode = "workspace-write"\n'),
    ],
  });
  assert.match(text, /set these in \/work\/app\/\.codex\/config\.toml/);
  assert.match(
    text,
    /\(a project config\) sets sandbox_mode.*outranks \/home\/ada\/\.codex\/config\.toml/,
  );
});

Deno.test("Codex: a profile file's sandbox_mode is named, and never decides the layer", () => {
  const text = guidance("codex", linux, {
    codexLayers: [
      layer("user", "/home/ada/.codex/config.toml", 'model = "o3"\n'),
      layer("profile", "/home/ada/.codex/safe.config.toml", 'sandbox_mode = "read-only"\n'),
    ],
  });
  assert.match(text, /\[permissions\.twg-workspace\.filesystem\]/);
  assert.match(
    text,
    /\/home\/ada\/\.codex\/safe\.config\.toml sets sandbox_mode: under codex --profile safe it wins/,
  );
  assert.match(text, /set none \(\/home\/ada\/\.codex\/config\.toml\)/);
});

Deno.test("Codex keeps Windows backslashes in a TOML literal string, escapes what it cannot hold", () => {
  const text = guidance("codex", windows, {
    codexLayers: [
      layer("user", "C:\\Users\\ada\\.codex\\config.toml", 'sandbox_mode = "read-only"'),
    ],
  });
  assert.match(text, /writable_roots = \['C:\\Users\\ada\\AppData\\Roaming\\twg'\]/);
  const quoted = guidance("codex", { ...windows, configDir: "C:\\Users\\o'hara\\twg" });
  assert.match(quoted, /^ {4}"C:\\\\Users\\\\o'hara\\\\twg" = "write"$/m);
});

Deno.test("Codex follows CODEX_HOME", () => {
  const text = guidance("codex", linux, { vars: { CODEX_HOME: "/srv/codex" } });
  assert.match(text, /profile to \/srv\/codex\/config\.toml/);
});

Deno.test("Cursor: an absolute path in sandbox.json, with the kernel note on Linux only", () => {
  const text = guidance("cursor", linux);
  assert.match(text, /\/home\/ada\/\.cursor\/sandbox\.json/);
  assert.deepEqual(jsonSnippetOf(text), {
    type: "workspace_readwrite",
    additionalReadwritePaths: ["/home/ada/.config/twg"],
  });
  assert.match(text, /kernel 6\.2 or later/);
  assert.doesNotMatch(guidance("cursor", macos), /kernel/);
});

Deno.test("Gemini CLI container: the host's home is not mounted; the mount names the host path", () => {
  const text = guidance("gemini-cli", linux, { vars: { SANDBOX: "gemini-cli-sandbox" } });
  assert.equal(snippetOf(text), "SANDBOX_MOUNTS=/home/ada/.config/twg:/home/ada/.config/twg:rw");
  assert.match(text, /does not mount the host's home directory/);
  assert.doesNotMatch(text, /does not mount \S+ writable/);
  assert.match(text, /Under LXC, SANDBOX_MOUNTS is ignored/);
});

Deno.test("Gemini CLI container as the image's node user: the host path is unknown, and said so", () => {
  const node: Machine = { os: "linux", homeDir: "/home/node", configDir: "/home/node/.config/twg" };
  const text = guidance("gemini-cli", node, { vars: { SANDBOX: "gemini-cli-sandbox" } });
  assert.equal(snippetOf(text), "SANDBOX_MOUNTS='<host dir>:/home/node/.config/twg:rw'");
  assert.match(
    text,
    /twg cannot see the host's path from inside the container \(HOME is \/home\/node here\)/,
  );
});

Deno.test("Gemini CLI under Seatbelt: --include-directories first, then sandboxAllowedPaths", () => {
  const text = guidance("gemini-cli", macos, { vars: { SANDBOX: "sandbox-exec" } });
  assert.ok(text.indexOf("gemini --include-directories /Users/ada/.config/twg") > 0);
  assert.ok(text.indexOf("--include-directories") < text.indexOf("settings.json"));
  assert.deepEqual(jsonSnippetOf(text), {
    tools: { sandboxAllowedPaths: ["/Users/ada/.config/twg"] },
  });
  assert.doesNotMatch(text, /SANDBOX_MOUNTS=/);
});

Deno.test("Gemini CLI without SANDBOX: tool sandboxing's expansion request, then sandboxAllowedPaths", () => {
  const text = guidance("gemini-cli", linux);
  assert.match(text, /tool sandboxing \(security\.toolSandboxing\)/);
  assert.match(text, /approve the sandbox expansion request/);
  assert.deepEqual(jsonSnippetOf(text), {
    tools: { sandboxAllowedPaths: ["/home/ada/.config/twg"] },
  });
  assert.match(guidance("qwen-code", linux), /twg knows no Qwen Code setting/);
});

for (const agent of ["opencode", "goose", "cline", "amp", "crush", "pi", "devin"] as const) {
  Deno.test(`${agent} has no write sandbox: the advice says what failed and names the directory`, () => {
    const text = guidance(agent, linux);
    assert.match(text, /twg needs to write to \/home\/ada\/\.config\/twg/);
    assert.match(text, /"twg auth refresh" in a normal terminal/);
    assert.doesNotMatch(text, /^ {4}/m);
  });
}

Deno.test("no agent: the directory and a normal terminal", () => {
  const text = guidance(null, linux);
  assert.match(text, /twg needs to write to \/home\/ada\/\.config\/twg, and this environment/);
  assert.ok(text.endsWith("outside any sandbox.\n"));
});

Deno.test("oneLineFix gives the smallest change per agent", () => {
  assert.equal(oneLineFix(options("codex", linux)), "codex --add-dir /home/ada/.config/twg");
  assert.equal(
    oneLineFix(options("claude-code", linux)),
    "/add-dir /home/ada/.config/twg (or start claude --add-dir /home/ada/.config/twg)",
  );
  assert.equal(
    oneLineFix(options("gemini-cli", macos, { vars: { SANDBOX: "sandbox-exec" } })),
    "gemini --include-directories /Users/ada/.config/twg",
  );
  assert.match(oneLineFix(options("opencode", linux)), /normal terminal/);
});
