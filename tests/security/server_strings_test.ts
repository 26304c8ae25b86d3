/**
 * Attack: server strings with terminal escape sequences (issue 23, finding
 * 7). The names a server gave (user, sites) are planted in `auth.conf`, an
 * upkeep error in `upkeep.json`; every command that prints one — `auth
 * status`, `auth switch`, `logout`, `doctor`, `upkeep status`, the
 * completion candidates — must print none of the control or bidi
 * characters, whatever the caller: one sanitiser sits where output is
 * written (`src/main.ts`, `src/ui/terminal_text.ts`). The upkeep log line is
 * checked the same way.
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, login, makeHome, twg } from "../e2e/_twg.ts";
import { appendLog } from "../../src/upkeep/run.ts";
import { fakeEnv } from "../_fake_env.ts";
import { terminalSafeOutputText } from "../../src/ui/terminal_text.ts";

/** OSC 8 hyperlink, cursor up + erase line, a one-byte CSI, a bidi override, BEL. */
const hostile =
  "\x1b]8;;https://evil.test\x07Evil\x1b]8;;\x07\x1b[1A\x1b[2K\u009b31m\u202etxt.exe\x07";
// deno-lint-ignore no-control-regex -- looking for control characters is the point
const unsafe = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function assertClean(what: string, text: string): void {
  assert.ok(!unsafe.test(text), `${what} printed a control character: ${JSON.stringify(text)}`);
}

Deno.test("no command prints a server's escape sequences", async () => {
  await using server = await startDevServer({ sites: 2 });
  await using home = await makeHome(server);
  expectExit(await login(home, server, ["--site", "site-1"]), 0);
  const authConf = join(home.configDir, "auth.conf");
  const stored = JSON.parse(await readFile(authConf, "utf8"));
  stored.user.name = `Ada ${hostile}`;
  stored.site.name = `Site ${hostile}`;
  stored.site.url = `https://site.example.test/${hostile}`;
  for (const site of stored.sites) site.name = `Site ${hostile}`;
  await writeFile(authConf, JSON.stringify(stored, null, 2), { mode: 0o600 });
  await writeFile(
    join(home.configDir, "upkeep.json"),
    JSON.stringify({
      version: 1,
      lastRun: new Date().toISOString(),
      lastResult: "failed",
      lastError: `server said ${hostile}`,
    }),
  );
  const otherSite = stored.sites.find((site: { id: string }) => site.id !== stored.site.id).id;
  for (
    const args of [
      ["auth", "status"],
      ["doctor"],
      ["upkeep", "status"],
      ["__complete", "auth", "switch", "--site", ""],
      ["auth", "switch", "--site", otherSite],
      ["logout"],
    ]
  ) {
    const result = await twg(home, args, { env: { NO_COLOR: "" } });
    assertClean(`${args.join(" ")} (stdout)`, result.stdout);
    assertClean(`${args.join(" ")} (stderr)`, result.stderr);
  }
});

Deno.test("the upkeep log line holds no control characters", async () => {
  await using env = fakeEnv();
  const dir = join(env.homeDir, "cfg");
  await Deno.mkdir(dir, { mode: 0o700 });
  await appendLog(env, { root: dir } as Parameters<typeof appendLog>[1], `failed: ${hostile}`);
  const log = await readFile(join(dir, "upkeep.log"), "utf8");
  assertClean("upkeep.log", log.replace(/\n$/, ""));
});

Deno.test("twg's own colours and spinner pass the sanitiser; a server's do not", () => {
  assert.equal(terminalSafeOutputText("\x1b[32m✔\x1b[39m ok\n"), "\x1b[32m✔\x1b[39m ok\n");
  assert.equal(terminalSafeOutputText("\r\x1b[2K⠋ waiting"), "\r\x1b[2K⠋ waiting");
  assert.equal(terminalSafeOutputText("a\r\x1b[2Kb\tc"), "a[2Kb\tc");
});
