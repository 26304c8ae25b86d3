/**
 * Attack: a release manifest that names another npm package (issue 23,
 * finding 6). `twg update` already installs only this copy's own package;
 * the advice of `twg update --check` must name that package too. The advice
 * is then run as a person would, with a recording stand-in `npm` first on
 * PATH: it installs `@twg/cli`, never the manifest's package.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { runUpdate } from "../../src/commands/update.ts";
import { fakeEnv } from "../_fake_env.ts";
import { fakeProgram, loggedCalls, realRun } from "../_fake_programs.ts";
import { serveRelease } from "../_release_server.ts";

Deno.test("update --check never tells the person to npm install the manifest's package", async () => {
  await using server = serveRelease();
  server.setManifest({ version: "0.2.0", npm: "evil-typosquat", artifacts: {} });
  const vars: Record<string, string> = {};
  await using env = fakeEnv({
    vars,
    fetch: (input, init) => globalThis.fetch(input, init),
    run: realRun(vars),
  });
  const bin = join(env.tempDir, "fake-bin");
  await Deno.mkdir(bin);
  vars.TWG_UPDATE_MANIFEST_URL = server.url("/manifest.json");
  vars.PATH = `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`;
  // This copy, installed with npm install -g under <tempDir>/prefix.
  const root = join(env.tempDir, "prefix", "lib", "node_modules", "@twg", "cli");
  await Deno.mkdir(join(env.tempDir, "prefix", "bin"), { recursive: true });
  await Deno.writeTextFile(join(env.tempDir, "prefix", "bin", "twg"), "");
  await Deno.mkdir(root, { recursive: true });
  await Deno.writeTextFile(
    join(root, "package.json"),
    JSON.stringify({ name: "@twg/cli", version: "0.1.0" }),
  );
  Object.assign(env, {
    runtime: "node 20.20.2",
    execPath: "/usr/bin/node",
    mainPath: join(root, "dist", "twg.js"),
  });
  const npm = await fakeProgram(bin, "npm");

  await runUpdate(env, { check: true, json: false, arch: "x64", currentVersion: "0.1.0" });
  const advice = /run "([^"]+)"/.exec(env.stdoutText())?.[1];
  assert.ok(advice, env.stdoutText());
  assert.doesNotMatch(advice, /evil-typosquat/);
  const [program, ...args] = advice.split(" ");
  assert.equal(program, "npm");
  await new Deno.Command(join(bin, "npm"), { args, env: { PATH: vars.PATH } }).output();
  assert.deepEqual(await loggedCalls(npm), ["install -g @twg/cli@0.2.0"]);
});
