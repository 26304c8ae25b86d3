import { strict as assert } from "node:assert";
import { fakeEnv } from "../_fake_env.ts";
import { readClaudeSandboxSettings } from "../../src/agents/claude_settings.ts";

Deno.test("readClaudeSandboxSettings finds where the sandbox is on and what allowWrite holds", async () => {
  await using env = fakeEnv();
  const project = `${env.tempDir}/app`;
  await Deno.mkdir(`${project}/.claude`, { recursive: true });
  await Deno.mkdir(`${env.homeDir}/.claude`);
  await Deno.writeTextFile(
    `${project}/.claude/settings.local.json`,
    JSON.stringify({ sandbox: { enabled: true } }),
  );
  await Deno.writeTextFile(`${project}/.claude/settings.json`, "not json");
  await Deno.writeTextFile(
    `${env.homeDir}/.claude/settings.json`,
    JSON.stringify({ sandbox: { filesystem: { allowWrite: ["~/.kube"] } } }),
  );
  const dir = `${env.homeDir}/.config/twg`;
  const found = await readClaudeSandboxSettings({ ...env, cwd: () => project }, dir, []);
  assert.deepEqual(found, {
    userSettingsPath: `${env.homeDir}/.claude/settings.json`,
    enabledIn: [`${project}/.claude/settings.local.json`],
    userHasAllowWrite: true,
    alreadyAllowedIn: [],
  });
  await Deno.writeTextFile(
    `${env.homeDir}/.claude/settings.json`,
    JSON.stringify({ sandbox: { filesystem: { allowWrite: [dir] } } }),
  );
  const allowed = await readClaudeSandboxSettings({ ...env, cwd: () => project }, dir, []);
  assert.deepEqual(allowed.alreadyAllowedIn, [`${env.homeDir}/.claude/settings.json`]);
});

Deno.test("readClaudeSandboxSettings follows CLAUDE_CONFIG_DIR and CLAUDE_PROJECT_DIR", async () => {
  await using env = fakeEnv({ vars: {} });
  const configDir = `${env.tempDir}/claude-home`;
  const project = `${env.tempDir}/proj`;
  await Deno.mkdir(configDir);
  await Deno.mkdir(`${project}/.claude`, { recursive: true });
  await Deno.writeTextFile(`${project}/.claude/settings.json`, '{"sandbox":{"enabled":true}}');
  const vars: Record<string, string> = {
    CLAUDE_CONFIG_DIR: configDir,
    CLAUDE_PROJECT_DIR: project,
  };
  const found = await readClaudeSandboxSettings(
    { ...env, getVar: (name) => vars[name] },
    "/x/twg",
    [],
  );
  assert.equal(found.userSettingsPath, `${configDir}/settings.json`);
  assert.deepEqual(found.enabledIn, [`${project}/.claude/settings.json`]);
});
