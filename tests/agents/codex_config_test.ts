import { strict as assert } from "node:assert";
import type { Env } from "../../src/env.ts";
import {
  codexConfigPath,
  codexConfigSetsKey,
  codexDefaultPermissions,
  readCodexConfigToml,
} from "../../src/agents/codex_config.ts";

function varsOf(vars: Record<string, string>): (name: string) => string | undefined {
  return (name) => vars[name];
}

Deno.test("codexConfigPath honours CODEX_HOME", () => {
  const location = { homeDir: "/home/ada", os: "linux" as const };
  assert.equal(
    codexConfigPath({ ...location, getVar: varsOf({}) }),
    "/home/ada/.codex/config.toml",
  );
  assert.equal(
    codexConfigPath({ ...location, getVar: varsOf({ CODEX_HOME: "/srv/codex" }) }),
    "/srv/codex/config.toml",
  );
  assert.equal(
    codexConfigPath({ homeDir: "C:\\Users\\ada", os: "windows", getVar: varsOf({}) }),
    "C:\\Users\\ada\\.codex\\config.toml",
  );
});

Deno.test("readCodexConfigToml returns the text, or null when the file cannot be read", async () => {
  const env = (readFile: () => Promise<string>) => ({
    getVar: varsOf({}),
    homeDir: "/home/ada",
    os: "linux" as const,
    // A small regular file: settings are read bounded (src/bounded_read.ts).
    fs: {
      readFile,
      stat: () => Promise.resolve({ isFile: () => true, size: 16 }),
    } as unknown as Env[
      "fs"
    ],
  });
  assert.equal(
    await readCodexConfigToml(env(() => Promise.resolve('model = "o3"\n'))),
    'model = "o3"\n',
  );
  assert.equal(await readCodexConfigToml(env(() => Promise.reject(new Error("ENOENT")))), null);
});

const sandboxModeCases: Array<[string, string, boolean]> = [
  ["a top-level key", 'sandbox_mode = "read-only"\n', true],
  [
    "a key in a profile",
    '[profiles.ci]\nmodel = "o3"\n  sandbox_mode="danger-full-access"\n',
    true,
  ],
  ["a dotted key", 'profiles.ci.sandbox_mode = "read-only"\n', true],
  ["a quoted key", '"sandbox_mode" = "read-only"\r\n', true],
  ["an inline table", 'profiles = { ci = { sandbox_mode = "read-only" } }\n', true],
  ["a comment", '# sandbox_mode = "read-only"\nmodel = "o3"\n', false],
  ["another key that ends the same way", 'my_sandbox_mode = "x"\n', false],
  [
    "the [sandbox_workspace_write] table",
    "[sandbox_workspace_write]\nnetwork_access = true\n",
    false,
  ],
  ["an empty file", "", false],
];

for (const [situation, toml, expected] of sandboxModeCases) {
  Deno.test(`codexConfigSetsKey ${expected ? "finds" : "ignores"} sandbox_mode in ${situation}`, () => {
    assert.equal(codexConfigSetsKey(toml, "sandbox_mode"), expected);
  });
}

Deno.test("readCodexLayers lists project layers from the cwd up to the project root, then user, then system", async () => {
  const { fakeEnv } = await import("../_fake_env.ts");
  const { readCodexLayers } = await import("../../src/agents/codex_config.ts");
  await using env = fakeEnv();
  const root = `${env.tempDir}/work/app`;
  const sub = `${root}/src/lib`;
  await Deno.mkdir(`${sub}/.codex`, { recursive: true });
  await Deno.mkdir(`${root}/.codex`, { recursive: true });
  await Deno.mkdir(`${root}/.git`);
  await Deno.mkdir(`${env.tempDir}/work/.codex`, { recursive: true });
  await Deno.mkdir(`${env.homeDir}/.codex`);
  await Deno.writeTextFile(`${sub}/.codex/config.toml`, "a = 1\n");
  await Deno.writeTextFile(`${root}/.codex/config.toml`, 'sandbox_mode = "read-only"\n');
  // Above the project root: not a layer of this project.
  await Deno.writeTextFile(`${env.tempDir}/work/.codex/config.toml`, "b = 2\n");
  await Deno.writeTextFile(`${env.homeDir}/.codex/config.toml`, 'model = "o3"\n');
  await Deno.writeTextFile(
    `${env.homeDir}/.codex/safe.config.toml`,
    'sandbox_mode = "read-only"\n',
  );
  await Deno.writeTextFile(`${env.homeDir}/.codex/auth.json`, "{}");
  const system = `${env.tempDir}/etc-codex-config.toml`;
  await Deno.writeTextFile(system, 'sandbox_mode = "workspace-write"\n');
  const layers = await readCodexLayers({ ...env, cwd: () => sub }, { systemConfig: system });
  assert.deepEqual(layers.map(({ kind, path }) => [kind, path]), [
    ["project", `${sub}/.codex/config.toml`],
    ["project", `${root}/.codex/config.toml`],
    ["user", `${env.homeDir}/.codex/config.toml`],
    ["profile", `${env.homeDir}/.codex/safe.config.toml`],
    ["system", system],
  ]);
  const missing = await readCodexLayers({ ...env, cwd: () => env.tempDir }, {
    systemConfig: `${env.tempDir}/none.toml`,
  });
  assert.deepEqual(missing.map(({ kind }) => kind), ["user", "profile"]);
});

Deno.test("codexDefaultPermissions reads the top-level key only", () => {
  assert.equal(codexDefaultPermissions('default_permissions = "workspace-dev"\n'), "workspace-dev");
  assert.equal(
    codexDefaultPermissions("model = 'o3'\ndefault_permissions = ':workspace'\n"),
    ":workspace",
  );
  assert.equal(
    codexDefaultPermissions(
      '# default_permissions = "x"\n[permissions.x]\ndefault_permissions = "y"\n',
    ),
    null,
  );
  assert.equal(codexDefaultPermissions('model = "o3"\n'), null);
});
