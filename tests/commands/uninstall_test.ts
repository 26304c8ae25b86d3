import assert from "node:assert/strict";
import { mkdir, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runUninstall } from "../../src/commands/uninstall.ts";
import { configPaths } from "../../src/config/paths.ts";
import { emptyCredentials, type OAuthTokens } from "../../src/credentials/auth_conf.ts";
import { saveCredentials } from "../../src/credentials/store.ts";
import { systemdUnitDir } from "../../platform/systemd.ts";
import {
  type FakeEnv,
  fakeEnv,
  type FakeEnvOverrides,
  jsonResponse,
  type ScriptedCommand,
} from "../_fake_env.ts";

const REVOKE = "https://auth.example.test/oauth/revoke";

function tokens(overrides: Partial<OAuthTokens> = {}): OAuthTokens {
  return {
    accessToken: "access-secret",
    refreshToken: "refresh-secret",
    tokenType: "Bearer",
    scope: null,
    obtainedAt: new Date().toISOString(),
    expiresIn: 3600,
    issuer: "https://auth.example.test",
    clientId: "twg-client",
    tokenEndpoint: "https://auth.example.test/oauth/token",
    revocationEndpoint: REVOKE,
    rejectedAt: null,
    ...overrides,
  };
}

/** `systemctl --user disable --now` succeeds (nothing is installed). */
const SYSTEMCTL_DISABLE_OK: ScriptedCommand = {
  command: "systemctl",
  args: ["--user", "disable"],
  result: {},
};

/**
 * A signed-in installation with a config dir full of twg's files, whose
 * schedule removal (`systemctl --user disable`) succeeds unless `overrides`
 * scripts other commands.
 */
async function installed(
  overrides: FakeEnvOverrides = {},
  oauth: Partial<OAuthTokens> = {},
): Promise<FakeEnv> {
  const env = fakeEnv({
    respond: () => jsonResponse({}),
    commands: [SYSTEMCTL_DISABLE_OK],
    ...overrides,
  });
  const paths = configPaths(env);
  await saveCredentials(env, paths.authConf, {
    ...emptyCredentials(),
    oauth: tokens(oauth),
    bitbucketToken: "bb-secret",
  });
  for (const name of ["config.json", "upkeep.log", "upkeep.log.1", "twg-launcher"]) {
    await writeFile(join(paths.dir, name), "{}");
  }
  // As "twg upkeep enable" leaves it: uninstall reports the schedule it removes.
  await writeFile(
    join(paths.dir, "upkeep.json"),
    '{"version": 1, "enabled": true, "scheduler": "systemd"}',
  );
  return env;
}

function revocations(env: FakeEnv): string[] {
  return env.requests
    .filter((request) => request.url === REVOKE)
    .map((request) => new URLSearchParams(request.body).get("token_type_hint") ?? "");
}

Deno.test("uninstall refuses without --yes when there is no terminal to ask on (exit 2)", async () => {
  await using env = await installed({ commands: [] });
  await assert.rejects(runUninstall(env, { yes: false }), {
    name: "UsageError",
    exitCode: 2,
    hint: 'Run "twg uninstall --yes" to uninstall without being asked',
  });
  assert.deepEqual(env.calls, []);
  assert.equal(env.requests.length, 0);
  assert.ok((await readdir(configPaths(env).dir)).includes("auth.conf"));
});

Deno.test("on a terminal uninstall asks first, and anything but yes removes nothing", async () => {
  const prompts: string[] = [];
  await using env = await installed({
    commands: [],
    stdinIsTerminal: true,
    readLine: (prompt) => {
      prompts.push(prompt);
      return Promise.resolve("n");
    },
  });
  await assert.rejects(runUninstall(env, { yes: false }), {
    message: "Uninstall cancelled; nothing was removed",
  });
  assert.deepEqual(prompts, ["Uninstall twg? [y/N] "]);
  assert.match(env.stderrText(), /revoke the stored sign-in/);
  assert.match(env.stderrText(), /leave the checkout at .* alone/);
  assert.deepEqual(env.calls, []);
  assert.ok((await readdir(configPaths(env).dir)).includes("auth.conf"));
});

Deno.test("uninstall --yes: schedule, revocation of both tokens, files, each reported", async () => {
  await using env = await installed();
  await runUninstall(env, { yes: true });
  assert.deepEqual(revocations(env), ["refresh_token", "access_token"]);
  assert.deepEqual(env.calls.map((call) => [call.command, ...call.args].join(" ")), [
    "systemctl --user disable --now twg-upkeep.timer",
  ]);
  await assert.rejects(readdir(configPaths(env).dir), { code: "ENOENT" });
  const lines = env.stderrText().trimEnd().split("\n");
  assert.deepEqual(lines, [
    "✔ Upkeep schedule removed (systemd)",
    "✔ Revoked the refresh token and the access token at auth.example.test",
    "! The Bitbucket token is only deleted here; revoke it in Bitbucket's settings if it is no longer needed",
    "✔ Deleted ~/.config/twg",
    `! twg runs from the checkout at ${env.tempDir}, which is left alone; delete it yourself if it is no longer needed`,
  ]);
  for (const secret of ["access-secret", "refresh-secret", "bb-secret"]) {
    assert.ok(!env.stderrText().includes(secret));
    assert.ok(env.calls.every((call) => !call.args.join(" ").includes(secret)));
  }
});

Deno.test("a failing step is reported, the others still run, and the exit code is 1", async () => {
  await using env = await installed({
    commands: [{
      command: "systemctl",
      args: ["--user", "disable"],
      result: { code: 1, stderr: "Failed to connect to bus: No medium found" },
    }],
    respond: () => new Response("", { status: 503 }),
  });
  const unitDir = systemdUnitDir(env.homeDir);
  await mkdir(unitDir, { recursive: true });
  await writeFile(join(unitDir, "twg-upkeep.timer"), "");
  await assert.rejects(runUninstall(env, { yes: true }), { name: "ReportedError", exitCode: 1 });
  const text = env.stderrText();
  assert.match(text, /✖ Cannot remove the upkeep schedule: .*Failed to connect to bus/);
  assert.match(
    text,
    /✖ Could not revoke the refresh token and the access token at auth\.example\.test: end twg's access/,
  );
  assert.match(text, /✔ Deleted ~\/.config\/twg/);
  await assert.rejects(readdir(configPaths(env).dir), { code: "ENOENT" });
});

Deno.test("files twg did not write keep the config dir in place", async () => {
  await using env = await installed({}, { revocationEndpoint: null });
  const dir = configPaths(env).dir;
  await writeFile(join(dir, "notes.txt"), "mine");
  await writeFile(join(dir, "auth.conf.bad-2026-11-01T00-00-00-000Z"), "");
  await runUninstall(env, { yes: true });
  assert.deepEqual(await readdir(dir), ["notes.txt"]);
  assert.match(env.stderrText(), /! The server offers no token revocation \(RFC 7009\)/);
  assert.match(env.stderrText(), /! Left ~\/.config\/twg in place: .*\(notes.txt\)/);
  assert.equal(env.requests.length, 0);
});

Deno.test("with TWG_CONFIG_DIR at a project folder, uninstall deletes only twg's exact files", async () => {
  const probe = fakeEnv();
  const project = join(probe.tempDir, "project");
  await using env = await installed({ vars: { TWG_CONFIG_DIR: project } });
  await using _probe = probe;
  const mine = [
    "config.json",
    "config.json.orig",
    "upkeep.log.bak",
    "auth.conf.notes",
    "auth.conf.tmp-0",
    "photos.tar.tmp-99999-final",
    "README.md",
  ];
  for (const name of mine) await writeFile(join(project, name), "the person's own");
  await mkdir(join(project, "auth.lock"));
  await writeFile(join(project, "auth.conf.tmp-4242-k3j9"), "");
  await runUninstall(env, { yes: true });
  assert.deepEqual((await readdir(project)).sort(), [...mine, "auth.lock"].sort());
  assert.match(env.stderrText(), /Left .*project in place: it also holds files twg did not write/);
});

Deno.test("running uninstall twice is harmless", async () => {
  await using env = await installed();
  await runUninstall(env, { yes: true });
  env.requests.length = 0;
  await runUninstall(env, { yes: true });
  assert.equal(env.requests.length, 0);
  assert.match(env.stderrText(), /✔ No stored sign-in to revoke\n/);
  await assert.rejects(readdir(configPaths(env).dir), { code: "ENOENT" });
});

Deno.test("uninstall removes the CLI the way it was installed", async (t) => {
  await t.step("npm: npm uninstall -g <package>", async () => {
    await using env = await installed({
      runtime: "node 20.20.2",
      execPath: "/usr/bin/node",
      commands: [SYSTEMCTL_DISABLE_OK, { command: "npm", args: ["uninstall"], result: {} }],
    });
    const prefix = join(env.tempDir, "prefix");
    await mkdir(join(prefix, "bin"), { recursive: true });
    await writeFile(join(prefix, "bin", "twg"), "");
    env.mainPath = join(prefix, "lib", "node_modules", "@twg", "cli", "dist", "twg.js");
    await runUninstall(env, { yes: true });
    assert.deepEqual(env.calls.at(-1), { command: "npm", args: ["uninstall", "-g", "@twg/cli"] });
    assert.match(env.stderrText(), /✔ Removed twg \(npm uninstall -g @twg\/cli\)\n$/);
  });
  await t.step("deno install: deno uninstall -g twg", async () => {
    await using env = await installed({
      runtime: "deno 2.9.6",
      commands: [SYSTEMCTL_DISABLE_OK, { command: "deno", args: ["uninstall"], result: {} }],
    });
    const shimDir = join(env.homeDir, ".deno", "bin");
    await mkdir(shimDir, { recursive: true });
    await writeFile(join(shimDir, "twg"), `exec deno run -A '${env.mainPath}' "$@"\n`);
    await runUninstall(env, { yes: true });
    assert.deepEqual(env.calls.at(-1), { command: "deno", args: ["uninstall", "-g", "twg"] });
    assert.match(env.stderrText(), /✔ Removed twg \(deno uninstall -g twg\)\n$/);
  });
  await t.step("compiled: the binary is deleted", async () => {
    await using env = await installed({ runtime: "deno 2.9.6" });
    env.execPath = join(env.tempDir, "twg");
    await writeFile(env.execPath, "binary");
    await runUninstall(env, { yes: true });
    await assert.rejects(readdir(env.execPath), { code: "ENOENT" });
    assert.match(env.stderrText(), /✔ Deleted .*\/twg\n$/);
  });
});
