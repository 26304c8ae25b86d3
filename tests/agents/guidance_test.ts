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

/** Every indented snippet of a guidance text, without its indentation, in order. */
function snippetsOf(text: string): string[] {
  return text.split(/\n\n(?! {4})/).flatMap((part) => {
    const lines = part.split("\n");
    const first = lines.findIndex((line) => line.startsWith("    "));
    if (first === -1) return [];
    const last = lines.findLastIndex((line) => line.startsWith("    "));
    return [lines.slice(first, last + 1).map((line) => line.slice(4)).join("\n")];
  });
}

/** The last snippet: the write setting, which the advice gives last. */
function snippetOf(text: string): string {
  const all = snippetsOf(text);
  assert.ok(all.length > 0, `no snippet in:\n${text}`);
  return all[all.length - 1]!;
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
  const settings = text.lastIndexOf("/home/ada/.claude/settings.json");
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

Deno.test("Codex: reading first, then --add-dir, then a new profile when none is selected", () => {
  const text = guidance("codex", linux, {
    codexLayers: [layer("user", "/home/ada/.codex/config.toml", 'model = "o3"\n')],
    brokerSocket: "/run/user/1000/twg/broker.sock",
  });
  assert.ok(text.indexOf("access-token.json") < text.indexOf("codex --add-dir"), text);
  const [profile, write] = snippetsOf(text);
  assert.equal(
    profile,
    [
      'default_permissions = "twg-workspace"',
      "",
      "[permissions.twg-workspace]",
      'extends = ":workspace"',
      "",
      "[permissions.twg-workspace.filesystem]",
      "'/home/ada/.config/twg/auth.conf' = \"deny\"",
      "",
      "[permissions.twg-workspace.network.unix_sockets]",
      "'/run/user/1000/twg/broker.sock' = \"allow\"",
    ].join("\n"),
  );
  assert.equal(write, "'/home/ada/.config/twg' = \"write\"");
  assert.match(text, /the layers twg read set none \(\/home\/ada\/\.codex\/config\.toml\)/);
  assert.match(text, /--sandbox \(-s\) flag/);
});

Deno.test("Codex: a built-in default profile is extended, and its line replaced", () => {
  const text = guidance("codex", linux, {
    codexLayers: [
      layer("user", "/home/ada/.codex/config.toml", 'default_permissions = ":read-only"\n'),
    ],
  });
  assert.match(text, /it replaces default_permissions = ":read-only", which it extends/);
  assert.match(snippetsOf(text)[0]!, /^extends = ":read-only"$/m);
});

Deno.test("Codex: the profile CODEX_PERMISSION_PROFILE names is edited, never replaced", () => {
  const text = guidance("codex", linux, {
    vars: { CODEX_PERMISSION_PROFILE: "workspace-dev" },
    codexLayers: [],
  });
  assert.match(
    text,
    /Your permission profile is "workspace-dev" \(CODEX_PERMISSION_PROFILE\): add these lines to its tables in \/home\/ada\/\.codex\/config\.toml/,
  );
  assert.equal(
    snippetsOf(text)[0],
    "[permissions.workspace-dev.filesystem]\n'/home/ada/.config/twg/auth.conf' = \"deny\"",
  );
  assert.match(text, /add this line under \[permissions\.workspace-dev\.filesystem\]/);
  assert.doesNotMatch(text, /twg-workspace|default_permissions =|extends/);
});

Deno.test("Codex: the profile default_permissions names is edited where it is defined", () => {
  const project = "/work/app/.codex/config.toml";
  const text = guidance("codex", linux, {
    codexLayers: [
      layer("project", project, '[permissions."team dev".filesystem]\n"/opt" = "read"\n'),
      layer(
        "user",
        "/home/ada/.codex/config.toml",
        'default_permissions = "team dev"\n\n[permissions."team dev"]\nextends = ":workspace"\n',
      ),
    ],
  });
  assert.match(
    text,
    /Your permission profile is "team dev" \(default_permissions in \/home\/ada\/\.codex\/config\.toml\): add these lines to its tables in \/work\/app\/\.codex\/config\.toml/,
  );
  assert.match(snippetsOf(text)[0]!, /^\[permissions\."team dev"\.filesystem\]$/m);
  assert.doesNotMatch(text, /twg-workspace/);
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

Deno.test("Gemini CLI without SANDBOX: the expansion request, never sandboxAllowedPaths as a fix", () => {
  const text = guidance("gemini-cli", linux);
  assert.match(text, /tool sandboxing \(security\.toolSandboxing\)/);
  assert.match(text, /approve the sandbox expansion request/);
  assert.match(text, /--include-directories is mounted read-only for tool sandboxing on Linux/);
  assert.match(text, /tools\.sandboxAllowedPaths does not reach tool sandboxing/);
  assert.equal(snippetsOf(text).length, 0);
  assert.match(
    guidance("gemini-cli", macos),
    /or start Gemini CLI with: {2}gemini --include-directories \/Users\/ada\/\.config\/twg/,
  );
  assert.match(guidance("qwen-code", linux), /knows no Qwen Code setting that changes that/);
});

for (const agent of ["opencode", "goose", "cline", "crush", "roo-code", "aider", "kilo"] as const) {
  Deno.test(`${agent} has no sandbox of its own: read the token file, and what blocks the write`, () => {
    const text = guidance(agent, linux);
    assert.match(text, /has no sandbox of its own/);
    assert.match(text, /read it from \/home\/ada\/\.config\/twg\/access-token\.json/);
    assert.match(text, /"twg auth refresh" in a normal terminal/);
    assert.doesNotMatch(text, /^ {4}/m);
  });
}

/** The general answer: what twg needs, with the exact paths, and no agent setting. */
const GENERAL = `What twg needs, whatever runs it (any one of these is enough):
  to read /home/ada/.config/twg/access-token.json (an access token only, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve");
  or to connect to the Unix socket /run/user/1000/twg/broker.sock, where "twg auth serve" answers;
  or, to refresh here, to write to /home/ada/.config/twg (twg writes, renames and locks its files there, nowhere else).
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`;

Deno.test("the general answer holds for no agent, an unknown one, and agents without known settings", () => {
  const socket = { brokerSocket: "/run/user/1000/twg/broker.sock" };
  assert.equal(
    guidance(null, linux, socket),
    "twg cannot update the credentials in /home/ada/.config/twg here: something (a sandbox, a container, a read-only mount, a permission flag) blocks the write.\n" +
      GENERAL,
  );
  assert.equal(
    guidance("other", linux, { ...socket, agentDeclared: "my-bot" }),
    "twg cannot update the credentials in /home/ada/.config/twg here, and does not know this coding agent's (my-bot) sandbox settings.\n" +
      GENERAL,
  );
  for (const agent of ["amp", "pi", "kiro", "openclaw", "trae", "junie", "copilot-app"] as const) {
    const text = guidance(agent, linux, socket);
    assert.ok(text.endsWith(GENERAL), text);
    assert.match(text, /^twg cannot update the credentials in .*, and knows no .* setting/);
  }
  for (const agent of ["claude-cowork", "devin", "replit", "openhands", "copilot-cloud"] as const) {
    const text = guidance(agent, linux, socket);
    assert.ok(text.endsWith(GENERAL), text);
    assert.match(text, /^.* runs commands in .*, which holds no copy of this machine's twg files/);
  }
  // Without a socket (no XDG_RUNTIME_DIR, no TWG_BROKER_SOCKET), no socket line.
  assert.doesNotMatch(guidance(null, linux), /Unix socket/);
});

Deno.test("an editor's terminal is named as such, never as its agent", () => {
  const text = guidance(null, linux, { editorTerminal: "cursor" });
  assert.match(
    text,
    /This looks like a terminal of Cursor, and no marker says one of its agents runs it/,
  );
});

Deno.test("two agents: the rule's assumption is said first, or that twg cannot tell", () => {
  const ruled = guidance("codex", linux, { alongside: "copilot-vscode", rule: "because" });
  assert.equal(
    ruled.split("\n")[0],
    "This environment names both Codex and VS Code's Copilot agent; twg assumes Codex's sandbox runs this command: because.",
  );
  assert.match(ruled, /codex --add-dir/);
  const guessed = guidance("claude-code", linux, { alongside: "cursor", rule: null });
  assert.equal(
    guessed.split("\n")[0],
    "This environment names both Claude Code and Cursor, and twg cannot tell whose sandbox runs this command; what holds for either:",
  );
  assert.doesNotMatch(guessed, /add-dir|sandbox\.json/);
});

Deno.test("every agent with advice gives reading the token file before any write setting", () => {
  const cases: Array<[AgentId, Extra]> = [
    ["claude-code", {}],
    ["codex", {}],
    ["cursor", {}],
    ["gemini-cli", { vars: { SANDBOX: "sandbox-exec" } }],
    ["gemini-cli", { vars: { SANDBOX: "gemini-cli-sandbox" } }],
    ["gemini-cli", {}],
    ["qwen-code", { vars: { SANDBOX: "sandbox-exec" } }],
    ["copilot-cli", {}],
    ["copilot-vscode", {}],
    ["zed", {}],
  ];
  for (const [agent, extra] of cases) {
    const text = guidance(agent, linux, extra);
    const read = text.indexOf("access-token.json");
    const keepOut = text.search(/Keep the refresh token out|"deny" line|Never mount the whole/);
    const write = text.indexOf("Only if commands in the sandbox must refresh");
    assert.ok(read > 0 && read < keepOut && keepOut < write, `${agent}:\n${text}`);
  }
});

Deno.test("Claude Code keeps auth.conf out with denyRead, and sockets by path only on macOS", () => {
  const linuxText = guidance("claude-code", linux, {
    brokerSocket: "/run/user/1000/twg/broker.sock",
  });
  assert.deepEqual(JSON.parse(snippetsOf(linuxText)[0]!), {
    sandbox: { filesystem: { denyRead: ["/home/ada/.config/twg/auth.conf"] } },
  });
  assert.match(linuxText, /Claude Code cannot allow one Unix socket by path/);
  const macText = guidance("claude-code", macos, { brokerSocket: "/tmp/twg/broker.sock" });
  assert.match(
    macText,
    /at \/tmp\/twg\/broker\.sock: list it in sandbox\.network\.allowUnixSockets/,
  );
});

Deno.test("Gemini CLI's container mounts only the token file for reading", () => {
  const text = guidance("gemini-cli", linux, { vars: { SANDBOX: "gemini-cli-sandbox" } });
  assert.match(
    text,
    /SANDBOX_MOUNTS=\/home\/ada\/\.config\/twg\/access-token\.json:\/home\/ada\/\.config\/twg\/access-token\.json:ro/,
  );
  assert.match(text, /Never mount the whole directory for reading/);
});

Deno.test("Zed's agent: its sandbox since 1.14.2, both forms named", () => {
  const text = guidance("zed", linux);
  assert.match(
    text,
    /^Zed's agent runs terminal commands in its sandbox \(on by default since Zed 1\.14\.2/,
  );
  assert.match(text, /approve the agent's request to write to \/home\/ada\/\.config\/twg/);
  assert.match(text, /Before Zed 1\.14\.2 the agent has no sandbox/);
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
  assert.equal(
    oneLineFix(options("opencode", linux)),
    "let the sandbox read /home/ada/.config/twg/access-token.json, or write to /home/ada/.config/twg",
  );
});

Deno.test("Zed's agent: the advice follows the version Zed tells its terminals", () => {
  const newer = guidance("zed", linux, { vars: { TERM_PROGRAM_VERSION: "1.15.0" } });
  assert.match(
    newer,
    /^Zed's agent runs terminal commands in its sandbox, which lets them read files/,
  );
  assert.doesNotMatch(newer, /Before Zed 1\.14\.2/);
  const older = guidance("zed", linux, { vars: { TERM_PROGRAM_VERSION: "1.13.4" } });
  assert.match(older, /^Zed's agent has no sandbox before Zed 1\.14\.2 \(this is 1\.13\.4\)/);
  assert.doesNotMatch(older, /approve the agent's request/);
  const exact = guidance("zed", linux, { vars: { TERM_PROGRAM_VERSION: "1.14.2+stable" } });
  assert.match(exact, /^Zed's agent runs terminal commands in its sandbox, which/);
});

Deno.test("Cursor: the token file alone is made readable, never the directory", () => {
  const text = guidance("cursor", linux);
  assert.match(
    text,
    /make that file alone readable: add it to additionalReadonlyPaths in \/home\/ada\/\.cursor\/sandbox\.json/,
  );
  assert.ok(text.indexOf("additionalReadonlyPaths") < text.indexOf("additionalReadwritePaths"));
});

Deno.test("two agents twg cannot choose between: nothing speaks for either", () => {
  const text = guidance("claude-cowork", linux, { alongside: "cursor", rule: null });
  assert.doesNotMatch(text, /virtual machine|knows no/);
  assert.match(text, /cannot tell whose sandbox runs this command/);
});
