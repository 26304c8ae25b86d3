import { strict as assert } from "node:assert";
import type { Env, OsName, RunOptions, RunResult } from "../../src/env.ts";
import { isSafeBrowserUrl, openBrowser } from "../../platform/browser.ts";

interface Run {
  command: string;
  args: string[];
  options: RunOptions | undefined;
}

function fakeEnv(
  os: OsName,
  vars: Record<string, string> = {},
  exitCode = 0,
): { env: Env; runs: Run[] } {
  const runs: Run[] = [];
  const env = {
    os,
    getVar: (name: string) => vars[name],
    run(command: string, args: string[], options?: RunOptions): Promise<RunResult> {
      runs.push({ command, args, options });
      return Promise.resolve({ code: exitCode, stdout: "", stderr: "" });
    },
  } as Partial<Env> as Env;
  return { env, runs };
}

const DEVICE_URL = "https://auth.example.com/device?user_code=ABCD-EFGH&x=1";
const DESKTOP = { DISPLAY: ":0" };

Deno.test("openBrowser on macOS runs /usr/bin/open with the URL, detached", async () => {
  const { env, runs } = fakeEnv("darwin");
  assert.deepEqual(await openBrowser(env, DEVICE_URL), { opened: true });
  assert.deepEqual(runs, [{
    command: "/usr/bin/open",
    args: [DEVICE_URL],
    options: { detached: true, earlyExitMs: 1500 },
  }]);
});

Deno.test("openBrowser on Windows runs rundll32 from System32, never cmd", async () => {
  const { env, runs } = fakeEnv("windows", { SystemRoot: "D:\\WINDOWS" });
  assert.deepEqual(await openBrowser(env, DEVICE_URL), { opened: true });
  assert.deepEqual(runs, [{
    command: "D:\\WINDOWS\\System32\\rundll32.exe",
    args: ["url.dll,FileProtocolHandler", DEVICE_URL],
    options: { detached: true, earlyExitMs: 1500 },
  }]);
});

Deno.test("openBrowser on Windows falls back to C:\\Windows without SystemRoot", async () => {
  const { env, runs } = fakeEnv("windows");
  await openBrowser(env, DEVICE_URL);
  assert.equal(runs[0]?.command, "C:\\Windows\\System32\\rundll32.exe");
});

Deno.test("openBrowser on a Linux desktop runs xdg-open", async () => {
  for (const display of [{ DISPLAY: ":0" }, { WAYLAND_DISPLAY: "wayland-0" }]) {
    const { env, runs } = fakeEnv("linux", display);
    assert.deepEqual(await openBrowser(env, DEVICE_URL), { opened: true });
    assert.deepEqual(runs, [{
      command: "xdg-open",
      args: [DEVICE_URL],
      options: { detached: true, earlyExitMs: 1500 },
    }]);
  }
});

Deno.test("openBrowser on headless Linux opens nothing", async () => {
  const { env, runs } = fakeEnv("linux");
  assert.deepEqual(await openBrowser(env, DEVICE_URL), { opened: false, reason: "no display" });
  assert.deepEqual(runs, []);
});

Deno.test("openBrowser under WSL runs wslview, even without a display", async () => {
  for (const wsl of [{ WSL_DISTRO_NAME: "Ubuntu" }, { WSL_INTEROP: "/run/WSL/1_interop" }]) {
    const { env, runs } = fakeEnv("linux", wsl);
    assert.deepEqual(await openBrowser(env, DEVICE_URL), { opened: true });
    assert.deepEqual(runs, [{
      command: "wslview",
      args: [DEVICE_URL],
      options: { detached: true, earlyExitMs: 1500 },
    }]);
  }
});

Deno.test("openBrowser under WSL without wslview reports it", async () => {
  const { env } = fakeEnv("linux", { WSL_DISTRO_NAME: "Ubuntu" }, 127);
  assert.deepEqual(await openBrowser(env, DEVICE_URL), {
    opened: false,
    reason: "wslview was not found",
  });
});

Deno.test("openBrowser reports a launcher that fails to start", async () => {
  const { env } = fakeEnv("linux", DESKTOP, 126);
  assert.deepEqual(await openBrowser(env, DEVICE_URL), {
    opened: false,
    reason: "xdg-open failed (exit code 126)",
  });
});

Deno.test("openBrowser opens nothing with TWG_NO_BROWSER=1 or BROWSER=none", async () => {
  for (const os of ["linux", "darwin", "windows"] as const) {
    const noBrowser = fakeEnv(os, { ...DESKTOP, TWG_NO_BROWSER: "1", BROWSER: "firefox" });
    assert.deepEqual(await openBrowser(noBrowser.env, DEVICE_URL), {
      opened: false,
      reason: "TWG_NO_BROWSER is set",
    });
    const none = fakeEnv(os, { ...DESKTOP, BROWSER: "none" });
    assert.deepEqual(await openBrowser(none.env, DEVICE_URL), {
      opened: false,
      reason: "BROWSER is none",
    });
    assert.deepEqual([...noBrowser.runs, ...none.runs], []);
  }
});

Deno.test("openBrowser ignores TWG_NO_BROWSER other than 1", async () => {
  const { env, runs } = fakeEnv("darwin", { TWG_NO_BROWSER: "0" });
  assert.deepEqual(await openBrowser(env, DEVICE_URL), { opened: true });
  assert.equal(runs.length, 1);
});

Deno.test("openBrowser runs BROWSER as one program, spaces and all", async () => {
  const program = "C:\\Program Files\\Mozilla Firefox\\firefox.exe";
  const { env, runs } = fakeEnv("windows", { BROWSER: program });
  assert.deepEqual(await openBrowser(env, DEVICE_URL), { opened: true });
  assert.deepEqual(runs, [{
    command: program,
    args: [DEVICE_URL],
    options: { detached: true, earlyExitMs: 1500 },
  }]);
});

Deno.test("openBrowser runs BROWSER on headless Linux too", async () => {
  const { env, runs } = fakeEnv("linux", { BROWSER: "/usr/local/bin/open-remote" });
  assert.deepEqual(await openBrowser(env, DEVICE_URL), { opened: true });
  assert.equal(runs[0]?.command, "/usr/local/bin/open-remote");
});

Deno.test("openBrowser puts the URL in place of %s in BROWSER, as one argument", async () => {
  const { env, runs } = fakeEnv("linux", { BROWSER: "firefox --new-tab %s" });
  await openBrowser(env, DEVICE_URL);
  assert.deepEqual(runs.map(({ command, args }) => [command, ...args]), [[
    "firefox",
    "--new-tab",
    DEVICE_URL,
  ]]);
});

Deno.test("openBrowser passes the normalized URL, so spaces and quotes arrive encoded", async () => {
  const { env, runs } = fakeEnv("darwin");
  await openBrowser(env, 'https://auth.example.com/a b?q="x"');
  assert.deepEqual(runs[0]?.args, ["https://auth.example.com/a%20b?q=%22x%22"]);
});

const refusedUrls = [
  "javascript:alert(document.cookie)",
  "JavaScript:alert(1)",
  "file:///etc/passwd",
  "data:text/html,<script>alert(1)</script>",
  "http://auth.example.com/device",
  "http://127.0.0.1.example.com/",
  "http://localhost.example.com/",
  "http://[::2]/",
  "ftp://example.com/",
  "vbscript:msgbox(1)",
  "//auth.example.com/device",
  "auth.example.com/device",
  "",
  "not a url",
];

for (const url of refusedUrls) {
  Deno.test(`openBrowser refuses ${JSON.stringify(url)} without running anything`, async () => {
    for (const os of ["linux", "darwin", "windows"] as const) {
      const { env, runs } = fakeEnv(os, { ...DESKTOP, BROWSER: "firefox" });
      const result = await openBrowser(env, url);
      assert.equal(result.opened, false);
      assert.deepEqual(runs, []);
    }
    assert.equal(isSafeBrowserUrl(url), false);
  });
}

const loopbackUrls = [
  "http://127.0.0.1:53682/callback",
  "http://127.1.2.3/",
  "http://[::1]:8080/callback",
  "http://localhost:3000/",
  "http://LOCALHOST/",
  "http://2130706433/",
];

for (const url of loopbackUrls) {
  Deno.test(`openBrowser opens loopback ${url}`, async () => {
    assert.equal(isSafeBrowserUrl(url), true);
    const { env, runs } = fakeEnv("darwin");
    assert.deepEqual(await openBrowser(env, url), { opened: true });
    assert.equal(runs.length, 1);
  });
}

Deno.test("isSafeBrowserUrl accepts any https URL", () => {
  assert.equal(isSafeBrowserUrl("https://auth.example.com/device"), true);
  assert.equal(isSafeBrowserUrl("HTTPS://auth.example.com/"), true);
});
