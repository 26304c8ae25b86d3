import { strict as assert } from "node:assert";
import type { OsName } from "../../src/env.ts";
import type { AgentId } from "../../src/agents/detect.ts";
import { sandboxGuidance, type SandboxGuidanceOptions } from "../../src/agents/guidance.ts";

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

function guidance(
  agent: AgentId | null,
  machine: Machine,
  extra: Partial<Pick<SandboxGuidanceOptions, "codexConfigToml">> & {
    vars?: Record<string, string>;
  } = {},
): string {
  const vars = extra.vars ?? {};
  return sandboxGuidance({
    agent,
    ...machine,
    codexConfigToml: extra.codexConfigToml ?? null,
    getVar: (name) => vars[name],
  });
}

/** The indented snippet of a guidance text, without its indentation. */
function snippetOf(text: string): string {
  const lines = text.split("\n");
  const first = lines.findIndex((line) => line.startsWith("  "));
  const last = lines.findLastIndex((line) => line.startsWith("  "));
  assert.notEqual(first, -1, `no snippet in:\n${text}`);
  return lines.slice(first, last + 1).map((line) => line.slice(2)).join("\n");
}

function jsonSnippetOf(text: string): unknown {
  return JSON.parse(snippetOf(text));
}

Deno.test("Claude Code guidance allows the config dir in ~/ form in the user settings", () => {
  const text = guidance("claude-code", linux);
  assert.match(text, /\/home\/ada\/\.claude\/settings\.json/);
  assert.deepEqual(jsonSnippetOf(text), {
    sandbox: { enabled: true, filesystem: { allowWrite: ["~/.config/twg"] } },
  });
  assert.match(text, /permissions\.additionalDirectories is not enough/);
});

Deno.test("Claude Code guidance uses // for a config dir outside the home directory", () => {
  const text = guidance("claude-code", { ...macos, configDir: "/Volumes/Data/twg" });
  assert.deepEqual(jsonSnippetOf(text), {
    sandbox: { enabled: true, filesystem: { allowWrite: ["//Volumes/Data/twg"] } },
  });
});

Deno.test("Claude Code guidance follows CLAUDE_CONFIG_DIR", () => {
  const text = guidance("claude-code", linux, {
    vars: { CLAUDE_CONFIG_DIR: "/home/ada/claude-work" },
  });
  assert.match(text, /merge this into \/home\/ada\/claude-work\/settings\.json/);
});

Deno.test("Claude Code guidance on Windows writes ~/ with forward slashes and escapes other paths", () => {
  assert.deepEqual(jsonSnippetOf(guidance("claude-code", windows)), {
    sandbox: { enabled: true, filesystem: { allowWrite: ["~/AppData/Roaming/twg"] } },
  });
  const text = guidance("claude-code", { ...windows, configDir: "D:\\twg" });
  assert.match(text, /"D:\\\\twg"/);
  assert.deepEqual(jsonSnippetOf(text), {
    sandbox: { enabled: true, filesystem: { allowWrite: ["D:\\twg"] } },
  });
  assert.match(text, /C:\\Users\\ada\\\.claude\\settings\.json/);
});

Deno.test("Codex guidance is a permission profile when no sandbox_mode is set", () => {
  const text = guidance("codex", linux, { codexConfigToml: 'model = "o3"\n' });
  assert.match(text, /\/home\/ada\/\.codex\/config\.toml/);
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
  assert.doesNotMatch(text, /sandbox_mode|writable_roots|already sets default_permissions/);
});

Deno.test("Codex guidance is the permission profile when there is no config.toml", () => {
  assert.match(guidance("codex", macos), /\[permissions\.twg-workspace\.filesystem\]/);
});

Deno.test("Codex guidance warns against a second default_permissions", () => {
  const text = guidance("codex", linux, {
    codexConfigToml: 'default_permissions = ":read-only"\n',
  });
  assert.match(text, /already sets default_permissions: change that line/);
});

Deno.test("Codex guidance is the legacy form, only, when config.toml sets sandbox_mode", () => {
  const text = guidance("codex", linux, {
    codexConfigToml: '[profiles.safe]\nsandbox_mode = "read-only"\n',
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
  assert.doesNotMatch(text, /default_permissions|permissions\.twg-workspace/);
});

Deno.test("Codex guidance keeps Windows backslashes in a TOML literal string", () => {
  const text = guidance("codex", windows, { codexConfigToml: 'sandbox_mode = "read-only"' });
  assert.match(text, /writable_roots = \['C:\\Users\\ada\\AppData\\Roaming\\twg'\]/);
  assert.match(text, /C:\\Users\\ada\\\.codex\\config\.toml/);
});

Deno.test("Codex guidance escapes a path a literal string cannot hold", () => {
  const text = guidance("codex", windows, { codexConfigToml: null, vars: {} });
  assert.match(text, /'C:\\Users\\ada\\AppData\\Roaming\\twg' = "write"/);
  const quoted = guidance("codex", { ...windows, configDir: "C:\\Users\\o'hara\\twg" });
  assert.match(quoted, /^ {2}"C:\\\\Users\\\\o'hara\\\\twg" = "write"$/m);
});

Deno.test("Codex guidance follows CODEX_HOME", () => {
  const text = guidance("codex", linux, { vars: { CODEX_HOME: "/srv/codex" } });
  assert.match(text, /\/srv\/codex\/config\.toml/);
});

Deno.test("Cursor guidance is an absolute path in sandbox.json, with the kernel note on Linux", () => {
  const text = guidance("cursor", linux);
  assert.match(text, /\/home\/ada\/\.cursor\/sandbox\.json/);
  assert.deepEqual(jsonSnippetOf(text), {
    type: "workspace_readwrite",
    additionalReadwritePaths: ["/home/ada/.config/twg"],
  });
  assert.match(text, /kernel 6\.2 or later/);
});

Deno.test("Cursor guidance has no kernel note on macOS and escapes Windows paths", () => {
  assert.doesNotMatch(guidance("cursor", macos), /kernel/);
  assert.deepEqual(jsonSnippetOf(guidance("cursor", windows)), {
    type: "workspace_readwrite",
    additionalReadwritePaths: [windows.configDir],
  });
});

Deno.test("Gemini CLI guidance in a container is a read-write SANDBOX_MOUNTS entry", () => {
  const text = guidance("gemini-cli", linux, {
    vars: { GEMINI_CLI: "1", SANDBOX: "gemini-cli-sandbox" },
  });
  assert.equal(snippetOf(text), "SANDBOX_MOUNTS=/home/ada/.config/twg:/home/ada/.config/twg:rw");
  assert.doesNotMatch(text, /sandboxAllowedPaths/);
});

Deno.test("Gemini CLI guidance quotes a SANDBOX_MOUNTS path with spaces for the shell", () => {
  const text = guidance("gemini-cli", { ...macos, configDir: "/Users/ada/My Config/twg" }, {
    vars: { SANDBOX: "docker" },
  });
  assert.equal(
    snippetOf(text),
    "SANDBOX_MOUNTS='/Users/ada/My Config/twg:/Users/ada/My Config/twg:rw'",
  );
});

Deno.test("Gemini CLI guidance under Seatbelt is sandboxAllowedPaths or --include-directories", () => {
  const text = guidance("gemini-cli", macos, { vars: { SANDBOX: "sandbox-exec" } });
  assert.match(text, /\/Users\/ada\/\.gemini\/settings\.json/);
  assert.deepEqual(jsonSnippetOf(text), {
    tools: { sandboxAllowedPaths: ["/Users/ada/.config/twg"] },
  });
  assert.match(text, /--include-directories \/Users\/ada\/\.config\/twg/);
  assert.doesNotMatch(text, /SANDBOX_MOUNTS=/);
});

Deno.test("Gemini CLI outside its own sandbox gets the general advice", () => {
  assert.equal(guidance("gemini-cli", linux), guidance(null, linux));
});

for (const agent of [null, "amp", "copilot-cli", "some-new-agent"] as const) {
  Deno.test(`${agent ?? "no agent"} gets the general advice naming the directory`, () => {
    const text = guidance(agent, linux);
    assert.match(text, /twg needs to write to \/home\/ada\/\.config\/twg/);
    assert.match(text, /"twg auth refresh" in a normal terminal/);
    assert.match(text, /"twg upkeep enable"/);
    assert.doesNotMatch(text, /^ {2}/m);
  });
}

for (const agent of ["claude-code", "codex", "cursor"] as const) {
  Deno.test(`${agent} guidance still offers a normal terminal and upkeep, and ends with a newline`, () => {
    const text = guidance(agent, linux);
    assert.match(text, /Or run "twg auth refresh" in a normal terminal/);
    assert.match(text, /"twg upkeep enable" keeps the credentials fresh/);
    assert.ok(text.endsWith(".\n"));
  });
}
