import assert from "node:assert/strict";
import { detectInstallation } from "../src/install/detect.ts";
import { fakeEnv, jsonResponse } from "./_fake_env.ts";

Deno.test("the fake env fails a run nothing scripted, even when the code swallows the error", async () => {
  const env = fakeEnv();
  await assert.rejects(env.run("systemctl", ["--user", "daemon-reload"]), {
    message: "fakeEnv: unscripted run: systemctl --user daemon-reload",
  });
  await assert.rejects(
    async () => await env[Symbol.asyncDispose](),
    /unscripted run: systemctl --user daemon-reload/,
  );
});

Deno.test("the fake env fails a scripted command or response the code never used", async () => {
  const env = fakeEnv({
    commands: [
      { command: "launchctl", args: ["bootout"], result: {} },
      { command: "id", result: { stdout: "501\n" }, optional: true },
    ],
    responses: [{ url: "https://auth.example.test/token", response: () => jsonResponse({}) }],
  });
  assert.throws(() => env.verify(), (error: Error) => {
    assert.match(error.message, /scripted command never run: launchctl bootout/);
    assert.match(error.message, /scripted response never requested: any https:\/\/auth\.example/);
    assert.doesNotMatch(error.message, /\bid\b/, "an optional command may go unused");
    return true;
  });
  await env.run("launchctl", ["bootout", "gui/501/dev.twg.upkeep"]);
  await env.fetch("https://auth.example.test/token", { method: "POST" });
  await env[Symbol.asyncDispose]();
});

Deno.test("the fake env fails a request no scripted response matches", async () => {
  const env = fakeEnv({
    responses: [{ method: "GET", url: /manifest\.json$/, response: () => jsonResponse({}) }],
  });
  await env.fetch("https://releases.example.test/manifest.json");
  await assert.rejects(env.fetch("https://elsewhere.example.test/"), TypeError);
  assert.throws(() => env.verify(), /unscripted request: GET https:\/\/elsewhere\.example\.test\//);
  await assert.rejects(async () => await env[Symbol.asyncDispose]());
});

Deno.test("the fake env knows only the pids the test declared", async () => {
  const env = fakeEnv({ alivePids: [7], deadPids: [8] });
  assert.equal(await env.isProcessAlive(env.pid), true);
  assert.equal(await env.isProcessAlive(7), true);
  assert.equal(await env.isProcessAlive(8), false);
  env.verify();
  assert.equal(await env.isProcessAlive(9), false);
  assert.throws(() => env.verify(), /isProcessAlive\(9\) for a pid the test did not declare/);
  await assert.rejects(async () => await env[Symbol.asyncDispose]());
});

Deno.test("the fake env installs twg the way the test says", async () => {
  for (const kind of ["checkout", "compiled", "npm", "deno-install"] as const) {
    await using env = fakeEnv({ install: kind });
    assert.equal((await detectInstallation(env)).kind, kind);
  }
});
