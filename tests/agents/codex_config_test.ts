import { strict as assert } from "node:assert";
import type { Env } from "../../src/env.ts";
import {
  codexConfigPath,
  codexConfigSetsKey,
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
    fs: { readFile } as unknown as Env["fs"],
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
