import assert from "node:assert/strict";
import { readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { installBinaryUpdate, removeInstalledBinary } from "../../src/install/compiled.ts";
import { fakeEnv, type FakeEnvOverrides } from "../_fake_env.ts";
import { realRun } from "../_fake_programs.ts";
import { type ReleaseServer, serveRelease, sha256Hex } from "../_release_server.ts";

const OLD_BINARY = "#!/bin/sh\necho 'twg 0.1.0 (deno 2.9.6)'\n";
const NEW_BINARY = "#!/bin/sh\necho 'twg 0.2.0 (deno 2.9.6)'\n";
const encode = (text: string) => new TextEncoder().encode(text);

/** A temp dir holding the running "binary", a server with artifacts, and an Env running both for real. */
async function setup(files: Record<string, string>, overrides: FakeEnvOverrides = {}) {
  const server: ReleaseServer = serveRelease(
    Object.fromEntries(Object.entries(files).map(([path, text]) => [path, encode(text)])),
  );
  const env = fakeEnv({
    fetch: (input, init) => globalThis.fetch(input, init),
    run: realRun({ PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" }),
    ...overrides,
  });
  const binDir = join(env.tempDir, "bin");
  await Deno.mkdir(binDir);
  const binaryPath = join(binDir, "twg");
  await writeFile(binaryPath, OLD_BINARY, { mode: 0o755 });
  return {
    env,
    server,
    binDir,
    binaryPath,
    async [Symbol.asyncDispose]() {
      await server[Symbol.asyncDispose]();
      await env[Symbol.asyncDispose]();
    },
  };
}

Deno.test("a verified download replaces the binary atomically and leaves nothing behind", async () => {
  await using t = await setup({ "/twg-linux-x64": NEW_BINARY });
  await installBinaryUpdate(t.env, {
    artifact: { url: t.server.url("/twg-linux-x64"), sha256: await sha256Hex(encode(NEW_BINARY)) },
    binaryPath: t.binaryPath,
    version: "0.2.0",
  });
  assert.equal(await readFile(t.binaryPath, "utf8"), NEW_BINARY);
  assert.equal((await stat(t.binaryPath)).mode & 0o777, 0o755);
  assert.deepEqual(await readdir(t.binDir), ["twg"]);
  assert.deepEqual(t.server.requested, ["/twg-linux-x64"]);
});

Deno.test("a checksum mismatch replaces nothing and is a network error (exit 5)", async () => {
  await using t = await setup({ "/twg-linux-x64": NEW_BINARY + "tampered" });
  await assert.rejects(
    installBinaryUpdate(t.env, {
      artifact: {
        url: t.server.url("/twg-linux-x64"),
        sha256: await sha256Hex(encode(NEW_BINARY)),
      },
      binaryPath: t.binaryPath,
      version: "0.2.0",
    }),
    (error: Error & { exitCode?: number }) => {
      assert.equal(error.name, "NetworkError");
      assert.equal(error.exitCode, 5);
      assert.match(error.message, /does not match the release manifest: SHA-256 [0-9a-f]{64}/);
      return true;
    },
  );
  assert.equal(await readFile(t.binaryPath, "utf8"), OLD_BINARY);
  assert.deepEqual(await readdir(t.binDir), ["twg"]);
});

Deno.test("a failed download replaces nothing and is a network error (exit 5)", async () => {
  await using t = await setup({});
  await assert.rejects(
    installBinaryUpdate(t.env, {
      artifact: { url: t.server.url("/missing"), sha256: "0".repeat(64) },
      binaryPath: t.binaryPath,
      version: "0.2.0",
    }),
    {
      name: "NetworkError",
      exitCode: 5,
      message: /Cannot download the new version from .*: HTTP 404/,
    },
  );
  assert.equal(await readFile(t.binaryPath, "utf8"), OLD_BINARY);
});

Deno.test("a verified binary that does not start as the new version replaces nothing", async () => {
  const wrong = "#!/bin/sh\necho 'exec format error' >&2\nexit 126\n";
  await using t = await setup({ "/twg-linux-x64": wrong });
  await assert.rejects(
    installBinaryUpdate(t.env, {
      artifact: { url: t.server.url("/twg-linux-x64"), sha256: await sha256Hex(encode(wrong)) },
      binaryPath: t.binaryPath,
      version: "0.2.0",
    }),
    { name: "TwgError", exitCode: 1, message: /does not start on this system: exit code 126/ },
  );
  assert.equal(await readFile(t.binaryPath, "utf8"), OLD_BINARY);
  assert.deepEqual(await readdir(t.binDir), ["twg"]);
});

Deno.test("on Windows the running binary is renamed to .old before the new one takes its name", async () => {
  await using t = await setup({ "/twg-windows-x64": NEW_BINARY }, { os: "windows" });
  await installBinaryUpdate(t.env, {
    artifact: {
      url: t.server.url("/twg-windows-x64"),
      sha256: await sha256Hex(encode(NEW_BINARY)),
    },
    binaryPath: t.binaryPath,
    version: "0.2.0",
  });
  assert.equal(await readFile(t.binaryPath, "utf8"), NEW_BINARY);
  assert.equal(await readFile(`${t.binaryPath}.old`, "utf8"), OLD_BINARY);
  assert.deepEqual((await readdir(t.binDir)).sort(), ["twg", "twg.old"]);
});

Deno.test("removing the binary: deleted on POSIX; on Windows moved aside and deleted after exit", async () => {
  await using posix = fakeEnv();
  const binary = join(posix.tempDir, "twg");
  await writeFile(binary, OLD_BINARY);
  assert.equal(await removeInstalledBinary(posix, binary), "removed");
  assert.equal(await removeInstalledBinary(posix, binary), "removed", "harmless twice");
  assert.deepEqual(posix.calls, []);

  await using windows = fakeEnv({
    os: "windows",
    commands: [{ command: "powershell.exe", result: {} }],
  });
  const exe = join(windows.tempDir, "twg.exe");
  await writeFile(exe, OLD_BINARY);
  assert.equal(await removeInstalledBinary(windows, exe), "after-exit");
  assert.deepEqual(await readdir(windows.tempDir).then((names) => names.sort()), [
    "home",
    "twg.exe.old",
  ]);
  const [call] = windows.calls;
  assert.equal(call?.command, "C:\\Windows\\System32\\WindowsPowerShell\\v1.0\\powershell.exe");
  assert.deepEqual(call?.options, {
    detached: true,
    env: { TWG_WAIT_PID: "4242", TWG_DELETE_PATH: `${exe}.old` },
  });
  assert.ok(!call?.args.join(" ").includes(exe), "the path is never part of the script");
});
