import assert from "node:assert/strict";
import { chmod, mkdir, readdir, readFile, stat, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { configPaths } from "../../src/config/paths.ts";
import { emptyCredentials } from "../../src/credentials/auth_conf.ts";
import {
  readCredentials,
  saveCredentials,
  UntrustedStoreError,
} from "../../src/credentials/store.ts";
import { runCli } from "../../src/main.ts";
import { fakeEnv } from "../_fake_env.ts";

Deno.test("saved credentials are 0600 in a 0700 directory under umask 022", async () => {
  await using env = fakeEnv();
  const previous = Deno.umask(0o022);
  try {
    const paths = configPaths(env);
    await saveCredentials(env, paths.authConf, { ...emptyCredentials(), bitbucketToken: "bb" });
    assert.equal((await stat(paths.dir)).mode & 0o777, 0o700);
    assert.equal((await stat(paths.authConf)).mode & 0o777, 0o600);
    assert.deepEqual(await readdir(paths.dir), ["auth.conf"], "no temporary file left behind");
    assert.equal((await readCredentials(env, paths.authConf))?.bitbucketToken, "bb");
  } finally {
    Deno.umask(previous);
  }
});

Deno.test("a missing auth.conf reads as not logged in", async () => {
  await using env = fakeEnv();
  assert.equal(await readCredentials(env, configPaths(env).authConf), null);
});

const untrusted: [string, (path: string, dir: string) => Promise<void>, RegExp][] = [
  [
    "corrupt JSON",
    (path) => writeFile(path, "{ not json", { mode: 0o600 }),
    /Cannot read .*auth\.conf/,
  ],
  [
    "the wrong shape",
    (path) => writeFile(path, '{"version":1,"oauth":{"accessToken":5}}', { mode: 0o600 }),
    /oauth/,
  ],
  ["an unknown version", (path) => writeFile(path, '{"version":9}', { mode: 0o600 }), /version/],
  ["a symbolic link", async (path, dir) => {
    await writeFile(join(dir, "elsewhere.json"), '{"version":1}', { mode: 0o600 });
    await symlink(join(dir, "elsewhere.json"), path);
  }, /symbolic link/],
  ["a directory", (path) => mkdir(path), /not a regular file/],
  ["readable by others", async (path) => {
    await writeFile(path, '{"version":1}');
    await chmod(path, 0o644);
  }, /readable by other users.*644/],
];

for (const [what, make, message] of untrusted) {
  Deno.test(`auth.conf that is ${what} is refused and left byte-identical`, async () => {
    await using env = fakeEnv();
    const paths = configPaths(env);
    await mkdir(paths.dir, { recursive: true, mode: 0o700 });
    await make(paths.authConf, paths.dir);
    const before = await snapshot(paths.dir);
    await assert.rejects(readCredentials(env, paths.authConf), (error: unknown) => {
      assert.ok(error instanceof UntrustedStoreError);
      assert.match(error.message, message);
      assert.ok(error.hint, "names the fix");
      return true;
    });
    const code = await runCli(env, ["auth", "token"]);
    assert.equal(code, 1);
    assert.match(env.stderrText(), /auth\.conf/);
    assert.doesNotMatch(
      env.stderrText(),
      /at .*\.ts:\d+/,
      "no stack trace for an expected condition",
    );
    assert.deepEqual(await snapshot(paths.dir), before);
  });
}

Deno.test("login --force moves an unusable auth.conf aside before signing in", async () => {
  await using env = fakeEnv({
    vars: { TWG_CLIENT_ID: "client", TWG_ISSUER: "https://auth.example.test" },
  });
  const paths = configPaths(env);
  await mkdir(paths.dir, { recursive: true, mode: 0o700 });
  await writeFile(paths.authConf, "garbage", { mode: 0o600 });
  // The fake network refuses everything, so login stops after moving the file.
  const code = await runCli(env, ["login", "--force", "--no-browser"]);
  assert.equal(code, 5);
  const names = await readdir(paths.dir);
  assert.ok(!names.includes("auth.conf"));
  const aside = names.find((name) => name.startsWith("auth.conf.bad-"));
  assert.ok(aside, `moved aside: ${names.join(", ")}`);
  assert.equal(await readFile(join(paths.dir, aside), "utf8"), "garbage");
  assert.match(env.stderrText(), /Moved the unusable credentials aside/);
});

async function snapshot(dir: string): Promise<Record<string, string>> {
  const result: Record<string, string> = {};
  for (const name of await readdir(dir)) {
    const info = await Deno.lstat(join(dir, name));
    result[name] = info.isFile
      ? `${(info.mode ?? 0) & 0o777}:${await readFile(join(dir, name), "utf8")}`
      : info.isSymlink
      ? "link"
      : "dir";
  }
  return result;
}
