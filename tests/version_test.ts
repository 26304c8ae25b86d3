import assert from "node:assert/strict";
import { version } from "../src/version.ts";
import { runCli } from "../src/main.ts";
import { fakeEnv } from "./_fake_env.ts";

Deno.test("the version in src/version.ts is the one in deno.json", async () => {
  const denoJson = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.equal(version, denoJson.version);
});

Deno.test("twg --version prints the version and the runtime on stdout", async () => {
  await using env = fakeEnv();
  assert.equal(await runCli(env, ["--version"]), 0);
  assert.equal(env.stdoutText(), `twg ${version} (deno test)\n`);
});

Deno.test("an unknown command or flag is a usage error (exit 2)", async () => {
  await using env = fakeEnv();
  assert.equal(await runCli(env, ["frobnicate"]), 2);
  assert.match(env.stderrText(), /unknown command/);
  assert.equal(await runCli(env, ["auth", "token", "--bogus"]), 2);
});

Deno.test("a missing client id names the variable to set", async () => {
  await using env = fakeEnv();
  assert.equal(await runCli(env, ["login", "--no-browser"]), 2);
  assert.match(env.stderrText(), /TWG_CLIENT_ID/);
  assert.equal(env.requests.length, 0);
});
