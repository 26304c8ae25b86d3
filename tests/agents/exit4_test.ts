/**
 * The advice each agent gets on exit 4, as printed by the real twg under a
 * real Deno `--allow-write=<elsewhere>` run against the dev server, with the
 * real expanded path; and that twg reads the agents' config files but never
 * writes to them.
 */
import { strict as assert } from "node:assert";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import {
  ageToken,
  expectExit,
  type Home,
  isDenoBuild,
  login,
  makeHome,
  twg,
  type TwgResult,
  writesOnlyIn,
} from "../e2e/_twg.ts";

const deniedWrite = writesOnlyIn("/tmp/twg-elsewhere");

/** Runs twg with Deno's write permission elsewhere, in `cwd`, with the agent's variables. */
function deniedTwg(
  home: Home,
  cwd: string,
  args: string[],
  vars: Record<string, string>,
): Promise<TwgResult> {
  return twg(home, args, { cwd, denoFlags: deniedWrite, env: vars });
}

/** Every file under `dirs`, with its bytes, to prove nothing was written. */
async function snapshot(dirs: string[]): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  async function walk(dir: string): Promise<void> {
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(dir));
    } catch {
      return;
    }
    for (const entry of entries) {
      const path = join(dir, entry.name);
      if (entry.isDirectory) await walk(path);
      else files.set(path, (await Deno.readFile(path)).join(","));
    }
  }
  for (const dir of dirs) {
    files.set(`${dir}/`, "dir");
    await walk(dir);
  }
  return files;
}

const ERROR_HEAD = (dir: string) =>
  `✖ Cannot update the credentials in "${dir}": the runtime's permissions do not allow writing there
No request was sent to the token endpoint: a rotated refresh token that cannot be saved would be lost.
`;
const TAIL = `Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`;

Deno.test({
  name: "exit 4 prints each agent's own setting with the real path, and writes no agent file",
  // The golden texts are Linux's (Cursor's kernel note, VS Code's .linux setting).
  ignore: !isDenoBuild || Deno.build.os !== "linux",
  async fn(t) {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    const workspace = await Deno.makeTempDir({ prefix: "twg-workspace-" });
    const dir = home.configDir;
    const h = home.path;
    // The access-token files' own directory (issue 21), outside the config dir.
    const tokens = join(h, ".local", "share", "twg", "access-tokens");
    // The agents' own files, as a person has them: read by twg, never written.
    await Deno.mkdir(join(workspace, ".claude"));
    await Deno.writeTextFile(
      join(workspace, ".claude", "settings.local.json"),
      '{\n  "sandbox": { "enabled": true }\n}\n',
    );
    await Deno.mkdir(join(h, ".codex"));
    await Deno.writeTextFile(join(h, ".codex", "config.toml"), 'model = "gpt-5.5"\n');
    const agentDirs = [
      join(h, ".claude"),
      join(h, ".codex"),
      join(h, ".cursor"),
      join(h, ".gemini"),
      join(workspace, ".claude"),
      join(workspace, ".codex"),
    ];
    const before = await snapshot(agentDirs);
    await server.resetStats();

    const run = join(h, "run");
    // The token keeper's socket without XDG_RUNTIME_DIR (issue 20's rule).
    const sock = join("/tmp", `twg-${Deno.uid()}`, "broker.sock");
    // No agent runs twg and Deno's own --allow-write refuses: that flag first (issue 25, item 6).
    const OWN_FLAG =
      `twg's own permissions refuse the write: add --allow-write=${dir} to the flags ` +
      `that start twg (the README's "deno install" line names ~/.config/twg).\n`;
    const cases: Array<[string, Record<string, string>, string]> = [
      [
        "Claude Code",
        { CLAUDECODE: "1", AI_AGENT: "claude-code_2-1-263_agent", XDG_RUNTIME_DIR: run },
        `Claude Code's sandbox lets commands read files outside sandbox.filesystem.denyRead, but write only to the working directory and the directories added to the session.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
  (the token keeper's socket is not reachable from it: on Linux Claude Code cannot allow one Unix socket by path, only all of them)
Keep the refresh token out of the sandbox: merge this into ${h}/.claude/settings.json (a command that must refresh needs to read it, so drop it for the last step), or use "twg auth backend keyring":

    {"sandbox":{"filesystem":{"denyRead":["${dir}/auth.conf"]}}}

Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  in this session, type:  /add-dir ${dir}
  or start Claude with:   claude --add-dir ${dir}
  or, for every session, merge this into ${h}/.claude/settings.json:

    {"sandbox":{"filesystem":{"allowWrite":["${dir}"]}}}

Directories added with /add-dir, --add-dir or permissions.additionalDirectories are writable by sandboxed commands. Do not add "enabled": true to these settings: it would turn the sandbox on for every project.
The sandbox is turned on in ${workspace}/.claude/settings.local.json.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "Codex",
        { CODEX_THREAD_ID: "019a", XDG_RUNTIME_DIR: run },
        `Codex's sandbox lets commands write only to the workspace and its writable roots.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
  or ask the token keeper ("twg auth serve") at ${h}/run/twg/broker.sock: allow that socket in the profile below (some macOS builds ignore it: openai/codex#25416).
Add this permission profile to ${h}/.codex/config.toml (the default_permissions line above the first [table]):

    default_permissions = "twg-workspace"

    [permissions.twg-workspace]
    extends = ":workspace"

    [permissions.twg-workspace.filesystem]
    '${dir}/auth.conf' = "deny"

    [permissions.twg-workspace.network.unix_sockets]
    '${h}/run/twg/broker.sock' = "allow"

The "deny" line keeps the refresh token in auth.conf out of the sandbox (older Codex builds spell it "none").
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  for one session, start Codex with:  codex --add-dir ${dir}
  or, for every session, add this line under [permissions.twg-workspace.filesystem] and drop the "deny" line (a refresh reads auth.conf):

    '${dir}' = "write"

A sandbox_mode in any config layer makes Codex ignore permission profiles silently; the layers twg read set none (${h}/.codex/config.toml).
A --sandbox (-s) flag on Codex's command line wins over every file: then use --add-dir, or drop the flag.
Start a new Codex session for the change to apply.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "Codex with the permission profile it names",
        { CODEX_THREAD_ID: "019a", CODEX_PERMISSION_PROFILE: "workspace-dev" },
        `Codex's sandbox lets commands write only to the workspace and its writable roots.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
  or ask the token keeper ("twg auth serve") at ${sock}: allow that socket in the profile below (some macOS builds ignore it: openai/codex#25416).
Your permission profile is "workspace-dev" (CODEX_PERMISSION_PROFILE): add these lines to its tables in ${h}/.codex/config.toml, creating a table that is not there yet:

    [permissions.workspace-dev.filesystem]
    '${dir}/auth.conf' = "deny"

    [permissions.workspace-dev.network.unix_sockets]
    '${sock}' = "allow"

The "deny" line keeps the refresh token in auth.conf out of the sandbox (older Codex builds spell it "none").
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  for one session, start Codex with:  codex --add-dir ${dir}
  or, for every session, add this line under [permissions.workspace-dev.filesystem] and drop the "deny" line (a refresh reads auth.conf):

    '${dir}' = "write"

A sandbox_mode in any config layer makes Codex ignore permission profiles silently; the layers twg read set none (${h}/.codex/config.toml).
A --sandbox (-s) flag on Codex's command line wins over every file: then use --add-dir, or drop the flag.
Start a new Codex session for the change to apply.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "Cursor",
        { CURSOR_AGENT: "1" },
        `Cursor's sandbox lets agent commands write only to the workspace.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json (if the sandbox lets it read that file), kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
  (where Cursor's sandbox limits reads, make that file alone readable: add it to additionalReadonlyPaths in ${h}/.cursor/sandbox.json)
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  merge this into ${h}/.cursor/sandbox.json (every workspace) or into the workspace's .cursor/sandbox.json:

    {"type":"workspace_readwrite","additionalReadwritePaths":["${dir}"]}

additionalReadwritePaths applies only while type is workspace_readwrite.
On Linux, Cursor's sandbox needs kernel 6.2 or later (Landlock v3) and unprivileged user namespaces.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "Gemini CLI under Seatbelt",
        { GEMINI_CLI: "1", SANDBOX: "sandbox-exec" },
        `Gemini CLI's Seatbelt sandbox lets commands write only to the project, its temp and cache directories, and the included directories.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json (if the sandbox lets it read that file), kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  for one session, start Gemini CLI with:  gemini --include-directories ${dir}
  or, for every session, merge this into ${h}/.gemini/settings.json:

    {"tools":{"sandboxAllowedPaths":["${dir}"]}}

The directory must exist; both feed the same five include slots. SANDBOX_MOUNTS does not apply to Seatbelt.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "Gemini CLI in its container, keeping the host's HOME",
        { GEMINI_CLI: "1", SANDBOX: "gemini-cli-sandbox" },
        `Gemini CLI's sandbox container does not mount the host's home directory, so ${dir} is not there.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
  (mount only its directory, read-only: start gemini with  SANDBOX_MOUNTS=${tokens}:${tokens}:ro)
Never mount ${dir} for reading: auth.conf there holds the refresh token.
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  start gemini with this variable set, naming the directory on the host (after a comma if SANDBOX_MOUNTS already has a value):

    SANDBOX_MOUNTS=${dir}:${dir}:rw

The container keeps the host's home path, so the host directory is this same path; it must exist on the host.
Without :rw the mount is read-only; tools.sandboxAllowedPaths mounts read-only too, so it does not help.
Under LXC, SANDBOX_MOUNTS is ignored: run  lxc config device add gemini-cli-sandbox twg-config disk source=${dir} path=${dir}
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "Gemini CLI's tool sandboxing",
        { GEMINI_CLI: "1" },
        `Gemini CLI is not running in its sandbox container or under Seatbelt here; its tool sandboxing (security.toolSandboxing) may be running this command.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json (if the sandbox lets it read that file), kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  approve the sandbox expansion request Gemini CLI shows for ${dir};
  (--include-directories is mounted read-only for tool sandboxing on Linux, so it does not help here)
tools.sandboxAllowedPaths does not reach tool sandboxing unless the whole-CLI sandbox (tools.sandbox) is configured.
Otherwise something around Gemini CLI (a container, a read-only mount, a permission flag) blocks the write.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "Qwen Code in its container",
        { QWEN_CODE: "1", SANDBOX: "qwen-code-sandbox" },
        `Qwen Code's sandbox container does not mount the host's home directory, so ${dir} is not there.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
  (mount only its directory, read-only: start qwen with  SANDBOX_MOUNTS=${tokens}:${tokens}:ro)
Never mount ${dir} for reading: auth.conf there holds the refresh token.
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  start qwen with this variable set, naming the directory on the host (after a comma if SANDBOX_MOUNTS already has a value):

    SANDBOX_MOUNTS=${dir}:${dir}:rw

The container keeps the host's home path, so the host directory is this same path; it must exist on the host.
Without :rw the mount is read-only; tools.sandboxAllowedPaths mounts read-only too, so it does not help.
Under LXC, SANDBOX_MOUNTS is ignored: run  lxc config device add qwen-code-sandbox twg-config disk source=${dir} path=${dir}
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "GitHub Copilot CLI",
        { COPILOT_CLI: "1" },
        `GitHub Copilot CLI's sandbox (preview) lets commands write only to the working directory and temp folders; the home directory is read-only.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  type /sandbox in Copilot CLI and add ${dir} in the Filesystem tab (Esc saves).
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "VS Code's Copilot agent",
        { COPILOT_AGENT: "1", AI_AGENT: "github_copilot_vscode_agent" },
        `VS Code's agent sandbox (preview) lets terminal commands write only to the workspace folders and its temp directory.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json (if the sandbox lets it read that file), kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
Keep the refresh token out of the sandbox: add "${dir}/auth.conf" to denyRead in the setting chat.agent.sandbox.fileSystem.linux (drop it for the last step: a refresh reads it), or use "twg auth backend keyring".
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  add it to allowWrite in the setting chat.agent.sandbox.fileSystem.linux (VS Code's user settings.json):

    "chat.agent.sandbox.fileSystem.linux": {"allowWrite":["${dir}"]}

A denyWrite rule that covers the directory wins over allowWrite.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "Codex run by VS Code: the pair rule, said",
        { AI_AGENT: "github_copilot_vscode_agent", CODEX_THREAD_ID: "019a" },
        `This environment names both Codex and VS Code's Copilot agent; twg assumes Codex's sandbox runs this command: Codex sets CODEX_THREAD_ID on each command it runs, and VS Code only declares itself for the Codex it launched.
Codex's sandbox lets commands write only to the workspace and its writable roots.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
  or ask the token keeper ("twg auth serve") at ${sock}: allow that socket in the profile below (some macOS builds ignore it: openai/codex#25416).
Add this permission profile to ${h}/.codex/config.toml (the default_permissions line above the first [table]):

    default_permissions = "twg-workspace"

    [permissions.twg-workspace]
    extends = ":workspace"

    [permissions.twg-workspace.filesystem]
    '${dir}/auth.conf' = "deny"

    [permissions.twg-workspace.network.unix_sockets]
    '${sock}' = "allow"

The "deny" line keeps the refresh token in auth.conf out of the sandbox (older Codex builds spell it "none").
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  for one session, start Codex with:  codex --add-dir ${dir}
  or, for every session, add this line under [permissions.twg-workspace.filesystem] and drop the "deny" line (a refresh reads auth.conf):

    '${dir}' = "write"

A sandbox_mode in any config layer makes Codex ignore permission profiles silently; the layers twg read set none (${h}/.codex/config.toml).
A --sandbox (-s) flag on Codex's command line wins over every file: then use --add-dir, or drop the flag.
Start a new Codex session for the change to apply.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "Zed's agent",
        { TERM_PROGRAM: "zed", PAGER: "cat", ZED_TERM: "true" },
        `Zed's agent runs terminal commands in its sandbox (on by default since Zed 1.14.2; earlier versions have none), which lets them read files but write only to the project's directories.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  approve the agent's request to write to ${dir} when Zed asks (for this conversation),
  or grant it for every conversation in the sandbox settings of Zed's agent (zed.dev/docs/ai/sandboxing).
Before Zed 1.14.2 the agent has no sandbox: then something around Zed (a container, a read-only mount, a permission flag) blocks the write.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "Roo Code, no sandbox of its own",
        { ROO_ACTIVE: "true", PAGER: "cat" },
        `Roo Code has no sandbox of its own, so something around it (a container, a read-only mount, a permission flag) blocks the write to ${dir}.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json (if the sandbox lets it read that file), kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
  or ask the token keeper ("twg auth serve") at ${sock}: if whatever wraps it lets it connect to that Unix socket.
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  make that directory writable in whatever wraps it (and only that directory).
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "Claude Cowork, in its VM",
        { CLAUDECODE: "1", CLAUDE_CODE_IS_COWORK: "1" },
        `Claude Cowork runs commands in its own virtual machine, which holds no copy of this machine's twg files and does not let them be written here.
What twg needs, whatever runs it (any one of these is enough):
  to read ${tokens}/default.json (an access token only, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve");
  or to connect to the Unix socket ${sock}, where "twg auth serve" answers;
  or, to refresh here, to write to ${dir} (twg writes, renames and locks its files there, nowhere else).
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "OpenClaw, no known setting: the general answer",
        { OPENCLAW_SHELL: "exec", AI_AGENT: "openclaw" },
        `twg cannot update the credentials in ${dir} here, and knows no OpenClaw setting that changes that.
What twg needs, whatever runs it (any one of these is enough):
  to read ${tokens}/default.json (an access token only, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve");
  or to connect to the Unix socket ${sock}, where "twg auth serve" answers;
  or, to refresh here, to write to ${dir} (twg writes, renames and locks its files there, nowhere else).
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "two agents twg cannot choose between",
        { CLAUDECODE: "1", CURSOR_AGENT: "1", TWG_BROKER_SOCKET: "/run/twg.sock" },
        `This environment names both Claude Code and Cursor, and twg cannot tell whose sandbox runs this command; what holds for either:
What twg needs, whatever runs it (any one of these is enough):
  to read ${tokens}/default.json (an access token only, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve");
  or to connect to the Unix socket /run/twg.sock, where "twg auth serve" answers;
  or, to refresh here, to write to ${dir} (twg writes, renames and locks its files there, nowhere else).
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "an unknown declared agent",
        { AI_AGENT: "name@1.2.3" },
        `twg cannot update the credentials in ${dir} here, and does not know this coding agent's (name) sandbox settings.
What twg needs, whatever runs it (any one of these is enough):
  to read ${tokens}/default.json (an access token only, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve");
  or to connect to the Unix socket ${sock}, where "twg auth serve" answers;
  or, to refresh here, to write to ${dir} (twg writes, renames and locks its files there, nowhere else).
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "a person's Kiro terminal",
        { TERM_PROGRAM: "kiro" },
        `${OWN_FLAG}twg cannot update the credentials in ${dir} here. This looks like a terminal of Kiro, and no marker says one of its agents runs it: something (a sandbox, a container, a read-only mount, a permission flag) blocks the write.
What twg needs, whatever runs it (any one of these is enough):
  to read ${tokens}/default.json (an access token only, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve");
  or to connect to the Unix socket ${sock}, where "twg auth serve" answers;
  or, to refresh here, to write to ${dir} (twg writes, renames and locks its files there, nowhere else).
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
      [
        "a person's COPILOT_MODEL setting",
        { COPILOT_MODEL: "gpt-5" },
        `${OWN_FLAG}twg cannot update the credentials in ${dir} here: something (a sandbox, a container, a read-only mount, a permission flag) blocks the write.
What twg needs, whatever runs it (any one of these is enough):
  to read ${tokens}/default.json (an access token only, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve");
  or to connect to the Unix socket ${sock}, where "twg auth serve" answers;
  or, to refresh here, to write to ${dir} (twg writes, renames and locks its files there, nowhere else).
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Or run "twg auth refresh" in a normal terminal, outside the sandbox.
`,
      ],
    ];
    for (const [agent, vars, advice] of cases) {
      await t.step(agent, async () => {
        const result = await deniedTwg(home, workspace, ["auth", "refresh", "--force"], vars);
        expectExit(result, 4);
        assert.equal(result.stdout, "");
        assert.equal(result.stderr, ERROR_HEAD(dir) + advice);
      });
    }

    await t.step(
      "Codex: the custom profile default_permissions selects is edited and named, and no file is written",
      async () => {
        const userConfig = join(h, ".codex", "config.toml");
        const original = await Deno.readTextFile(userConfig);
        const custom = 'default_permissions = "workspace-dev"\n\n[permissions.workspace-dev]\n' +
          'extends = ":workspace"\n\n[permissions.workspace-dev.network]\nenabled = true\n';
        await Deno.writeTextFile(userConfig, custom);
        try {
          const result = await deniedTwg(home, workspace, ["auth", "refresh", "--force"], {
            CODEX_THREAD_ID: "019a",
          });
          expectExit(result, 4);
          assert.equal(
            result.stderr,
            ERROR_HEAD(dir) +
              `Codex's sandbox lets commands write only to the workspace and its writable roots.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json, kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
  or ask the token keeper ("twg auth serve") at ${sock}: allow that socket in the profile below (some macOS builds ignore it: openai/codex#25416).
Your permission profile is "workspace-dev" (default_permissions in ${userConfig}): add these lines to its tables in ${userConfig}, creating a table that is not there yet:

    [permissions.workspace-dev.filesystem]
    '${dir}/auth.conf' = "deny"

    [permissions.workspace-dev.network.unix_sockets]
    '${sock}' = "allow"

The "deny" line keeps the refresh token in auth.conf out of the sandbox (older Codex builds spell it "none").
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  for one session, start Codex with:  codex --add-dir ${dir}
  or, for every session, add this line under [permissions.workspace-dev.filesystem] and drop the "deny" line (a refresh reads auth.conf):

    '${dir}' = "write"

A sandbox_mode in any config layer makes Codex ignore permission profiles silently; the layers twg read set none (${userConfig}).
A --sandbox (-s) flag on Codex's command line wins over every file: then use --add-dir, or drop the flag.
Start a new Codex session for the change to apply.
` + TAIL,
          );
          // The variable Codex sets names the same profile: same advice.
          const named = await deniedTwg(home, workspace, ["auth", "refresh", "--force"], {
            CODEX_THREAD_ID: "019a",
            CODEX_PERMISSION_PROFILE: "workspace-dev",
          });
          expectExit(named, 4);
          assert.match(
            named.stderr,
            /Your permission profile is "workspace-dev" \(CODEX_PERMISSION_PROFILE\)/,
          );
          assert.doesNotMatch(named.stderr + result.stderr, /twg-workspace|extends/);
          assert.equal(await Deno.readTextFile(userConfig), custom, "twg wrote to Codex's config");
        } finally {
          await Deno.writeTextFile(userConfig, original);
        }
      },
    );

    await t.step(
      "Codex: a project layer's sandbox_mode changes the form and is named",
      async () => {
        await Deno.mkdir(join(workspace, ".codex"));
        const projectConfig = join(workspace, ".codex", "config.toml");
        await Deno.writeTextFile(projectConfig, 'sandbox_mode = "read-only"\n');
        const result = await deniedTwg(home, workspace, ["auth", "refresh", "--force"], {
          CODEX_THREAD_ID: "019a",
        });
        expectExit(result, 4);
        assert.equal(
          result.stderr,
          ERROR_HEAD(dir) +
            `Codex's sandbox lets commands write only to the workspace and its writable roots.
Without writing anything, the sandboxed command can use an access token:
  read it from ${tokens}/default.json (if the sandbox lets it read that file), kept fresh from outside the sandbox by "twg upkeep enable" or "twg auth serve";
Keep the refresh token out of the sandbox: "twg auth backend keyring" leaves no plaintext copy of it on disk.
Only if commands in the sandbox must refresh the credentials themselves, let them write to ${dir}, and nowhere else:
  for one session, start Codex with:  codex --add-dir ${dir}
  or, for every session, set these in ${projectConfig}
  (change the sandbox_mode line there; add to writable_roots if that table is already there):

    sandbox_mode = "workspace-write"

    [sandbox_workspace_write]
    writable_roots = ['${dir}']

${projectConfig} (a project config) sets sandbox_mode, so Codex ignores permission profiles, and it outranks ${h}/.codex/config.toml.
A --sandbox (-s) flag on Codex's command line wins over every file: then use --add-dir, or drop the flag.
Start a new Codex session for the change to apply.
` + TAIL,
        );
        // From a subdirectory of the project too: layers run from the cwd up to the root.
        await Deno.mkdir(join(workspace, ".git"));
        await Deno.mkdir(join(workspace, "src"));
        const nested = await deniedTwg(
          home,
          join(workspace, "src"),
          ["auth", "refresh", "--force"],
          {
            CODEX_THREAD_ID: "019a",
          },
        );
        expectExit(nested, 4);
        assert.match(
          nested.stderr,
          new RegExp(`set these in ${projectConfig.replaceAll(".", "\\.")}`),
        );
        await Deno.remove(join(workspace, "src"));
        await Deno.remove(join(workspace, ".git"));
        before.set(projectConfig, (await Deno.readFile(projectConfig)).join(","));
        before.set(`${join(workspace, ".codex")}/`, "dir");
      },
    );

    await t.step("--json on exit 4 names the agent by id, never by its raw AI_AGENT", async () => {
      const known = await deniedTwg(home, workspace, ["auth", "refresh", "--force", "--json"], {
        AI_AGENT: "claude-code_2-1-263_agent",
      });
      expectExit(known, 4);
      const { error, ...document } = JSON.parse(known.stdout);
      assert.deepEqual(document, {
        schemaVersion: 1,
        refreshed: false,
        reason: "store-not-writable",
        accessTokenExpiresAt: null,
        refreshDueAt: null,
        configDir: dir,
        agent: "claude-code",
        agentDeclared: null,
      });
      assert.equal(error.code, "store-not-writable");
      assert.match(error.hint, /claude --add-dir /);
      const unknown = await deniedTwg(home, workspace, ["auth", "refresh", "--force", "--json"], {
        AI_AGENT: "name@1.2.3",
      });
      expectExit(unknown, 4);
      assert.equal(JSON.parse(unknown.stdout).agent, "other");
      assert.equal(JSON.parse(unknown.stdout).agentDeclared, "name");
      assert.match(unknown.stderr, /does not know this coding agent's \(name\) sandbox settings/);
    });

    await t.step("auth status --json and doctor use the same detection", async () => {
      const status = await deniedTwg(home, workspace, ["auth", "status", "--json"], {
        AGENT: "amp",
        CLAUDECODE: "1",
      });
      expectExit(status, 0);
      const document = JSON.parse(status.stdout);
      assert.equal(document.agent, "amp");
      assert.equal(document.agentDeclared, null);
      const doctor = await deniedTwg(home, workspace, ["doctor", "--json"], {
        CODEX_THREAD_ID: "019a",
      });
      const checks = Object.fromEntries(
        JSON.parse(doctor.stdout).checks.map((check: { name: string }) => [check.name, check]),
      );
      assert.equal(checks.store.status, "fail");
      assert.equal(
        checks.agent.detail,
        `codex; to let it write ${dir}: codex --add-dir ${dir}`,
      );
    });

    await t.step("auth token and api on an expired token print the same advice", async () => {
      await ageToken(home, 1.2);
      for (const args of [["auth", "token"], ["api", "/rest/api/3/myself"]]) {
        const result = await deniedTwg(home, workspace, args, { CURSOR_AGENT: "1" });
        expectExit(result, 4);
        assert.equal(result.stdout, "");
        assert.match(result.stderr, /^Cursor's sandbox lets agent commands write only/m);
        assert.ok(result.stderr.includes(`"additionalReadwritePaths":["${dir}"]`));
      }
    });

    assert.equal((await server.stats()).tokenRequests, 0, "nothing reached the token endpoint");
    assert.deepEqual(await snapshot(agentDirs), before, "no agent file was written or created");
    await Deno.remove(workspace, { recursive: true });
  },
});
