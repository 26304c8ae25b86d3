/**
 * Windows: the config directory gets a protected ACL when twg creates it, a
 * directory others can write is refused, and system programs start by
 * absolute path. Checked by the argv that reaches the injected runner.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ensureConfigDir, readCredentials } from "../../src/credentials/store.ts";
import { foreignWriters, protectedAclArgs } from "../../platform/windows_acl.ts";
import { systemProgram } from "../../platform/windows_system.ts";
import { fakeEnv, type ScriptedCommand } from "../_fake_env.ts";

const ICACLS = "C:\\Windows\\System32\\icacls.exe";

function windowsEnv(commands: ScriptedCommand[] = []) {
  return fakeEnv({
    os: "windows",
    vars: { USERNAME: "ada", USERDOMAIN: "PC", SystemRoot: "C:\\Windows" },
    commands,
  });
}

Deno.test("a config dir twg creates on Windows gets a protected ACL: this user and SYSTEM only", async () => {
  await using env = windowsEnv([{ command: ICACLS, result: {} }]);
  const dir = join(env.tempDir, "twg");
  await ensureConfigDir(env, dir);
  assert.deepEqual(env.calls.map((call) => [call.command, ...call.args]), [
    [ICACLS, dir, "/inheritance:r", "/grant:r", "PC\\ada:(OI)(CI)F", "*S-1-5-18:(OI)(CI)F"],
    [ICACLS, dir],
  ]);
});

Deno.test("credentials in a Windows directory that other users can write are refused", async () => {
  const listing = (dir: string) =>
    `${dir} PC\\ada:(OI)(CI)(F)\r\n` +
    "                NT AUTHORITY\\SYSTEM:(OI)(CI)(F)\r\n" +
    "                BUILTIN\\Users:(OI)(CI)(M)\r\n" +
    "                Everyone:(OI)(CI)(RX)\r\n\r\n" +
    "Successfully processed 1 files; Failed processing 0 files\r\n";
  await using env = windowsEnv();
  const dir = join(env.tempDir, "shared");
  await Deno.mkdir(dir);
  env.run = (command, args) => {
    env.calls.push({ command, args });
    return Promise.resolve({ code: 0, stdout: listing(dir), stderr: "" });
  };
  await assert.rejects(
    readCredentials(env, join(dir, "auth.conf")),
    (error: Error & { hint?: string }) => {
      assert.match(error.message, /other users can change what is in it \(BUILTIN\\Users\)/);
      assert.match(error.hint ?? "", /icacls ".*shared" "\/inheritance:r" "\/grant:r"/);
      return true;
    },
  );
  assert.deepEqual(env.calls, [{ command: ICACLS, args: [dir] }]);
});

Deno.test("foreignWriters ignores read-only entries and the trusted principals", () => {
  const listing = "D:\\twg PC\\ada:(OI)(CI)(F)\n" +
    "        NT AUTHORITY\\SYSTEM:(OI)(CI)(F)\n" +
    "        BUILTIN\\Administrators:(I)(OI)(CI)(F)\n" +
    "        BUILTIN\\Users:(I)(OI)(CI)(RX)\n" +
    "        PC\\mallory:(I)(OI)(CI)(WD,AD)\n";
  assert.deepEqual(foreignWriters(listing, "D:\\twg", "PC\\ada"), ["PC\\mallory"]);
  assert.deepEqual(protectedAclArgs("D:\\twg", "PC\\ada").slice(1), [
    "/inheritance:r",
    "/grant:r",
    "PC\\ada:(OI)(CI)F",
    "*S-1-5-18:(OI)(CI)F",
  ]);
});

Deno.test("system programs start from %SystemRoot%\\System32, never by bare name", () => {
  const env = { getVar: (name: string) => (name === "SystemRoot" ? "D:\\WINDOWS" : undefined) };
  assert.equal(systemProgram(env, "schtasks"), "D:\\WINDOWS\\System32\\schtasks.exe");
  assert.equal(
    systemProgram(env, "powershell"),
    "D:\\WINDOWS\\System32\\WindowsPowerShell\\v1.0\\powershell.exe",
  );
  assert.equal(
    systemProgram({ getVar: () => undefined }, "icacls"),
    "C:\\Windows\\System32\\icacls.exe",
  );
});
