/**
 * `twg upgrade`: channels, an exact version, the refusal to move back
 * without `--yes`, and installs owned by a package manager — each
 * package manager answered by a fake runner that reads the argv.
 */
import assert from "node:assert/strict";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { runUpdate, type UpdateOptions } from "../../src/commands/update.ts";
import { configPaths } from "../../src/config/paths.ts";
import type { Env, RunResult } from "../../src/env.ts";
import { runCli } from "../../src/main.ts";
import { type FakeEnv, fakeEnv, type FakeEnvOverrides, jsonResponse } from "../_fake_env.ts";

const MANIFEST_URL = "https://releases.example.test/manifest.json";
const manifest = {
  version: "0.2.0",
  npm: "@twg/cli",
  artifacts: {},
  channels: { beta: { version: "0.3.0-beta.1", npm: "@twg/cli", artifacts: {} } },
};
const base: UpdateOptions = { check: false, json: false, arch: "x64", currentVersion: "0.2.0" };

type Answer = (args: string[]) => Partial<RunResult> | null;

/**
 * An npm-installed twg (Node, global prefix under the temp dir) whose `run`
 * answers by argv: `npm install -g @twg/cli@X` leaves X installed, as npm
 * does; `answers` script the package managers; anything else is "not found".
 */
function npmInstalled(answers: Record<string, Answer> = {}, extra: FakeEnvOverrides = {}) {
  const calls: string[][] = [];
  let packageJson = "";
  const run: Env["run"] = (command, args) => {
    calls.push([command, ...args]);
    if (command === "npm" && args[0] === "install") {
      const version = args[2]!.slice("@twg/cli@".length);
      writeFileSync(packageJson, JSON.stringify({ name: "@twg/cli", version }));
      return Promise.resolve({ code: 0, stdout: "", stderr: "" });
    }
    const answer = answers[command]?.(args);
    if (answer) return Promise.resolve({ code: 0, stdout: "", stderr: "", ...answer });
    return Promise.reject(Object.assign(new Error(`${command}: not found`), { code: "ENOENT" }));
  };
  const env = fakeEnv({
    install: "npm",
    vars: { TWG_UPDATE_MANIFEST_URL: MANIFEST_URL },
    respond: () => jsonResponse(manifest),
    run,
    ...extra,
  });
  const root = join(env.tempDir, "npm-prefix", "lib", "node_modules", "@twg", "cli");
  mkdirSync(root, { recursive: true });
  packageJson = join(root, "package.json");
  writeFileSync(packageJson, JSON.stringify({ name: "@twg/cli", version: "0.2.0" }));
  return { env, calls, installed: () => JSON.parse(readFileSync(packageJson, "utf8")).version };
}

function npmInstalls(calls: string[][]): string[] {
  return calls.filter((call) => call[0] === "npm").map((call) => call.join(" "));
}

function rememberedChannel(env: FakeEnv): unknown {
  return JSON.parse(readFileSync(configPaths(env).configJson, "utf8")).updateChannel;
}

Deno.test("--channel beta installs the beta release and is remembered; back to stable needs --yes", async () => {
  const t = npmInstalled();
  await using _env = t.env;
  await runUpdate(t.env, { ...base, channel: "beta" });
  assert.deepEqual(npmInstalls(t.calls), ["npm install -g @twg/cli@0.3.0-beta.1"]);
  assert.equal(rememberedChannel(t.env), "beta");
  assert.match(t.env.stderrText(), /Updated twg 0\.2\.0 → 0\.3\.0-beta\.1/);

  // Remembered: a plain check now looks at the beta channel.
  await runUpdate(t.env, { ...base, currentVersion: "0.3.0-beta.1", check: true, json: true });
  assert.equal(JSON.parse(t.env.stdoutText()).channel, "beta");

  // Stable (0.2.0) is older than the beta now installed: refused without --yes.
  const back = { ...base, currentVersion: "0.3.0-beta.1", channel: "stable" };
  await assert.rejects(
    runUpdate(t.env, back),
    (error: Error & { exitCode: number; hint: string }) => {
      assert.equal(error.exitCode, 2);
      assert.match(
        error.message,
        /0\.2\.0 is older than this twg 0\.3\.0-beta\.1; nothing was installed/,
      );
      assert.equal(error.hint, 'To move back to it, run "twg upgrade --channel stable --yes"');
      return true;
    },
  );
  assert.equal(npmInstalls(t.calls).length, 1, "nothing installed by the refusal");
  assert.equal(rememberedChannel(t.env), "beta", "a refused switch is not remembered");
  await runUpdate(t.env, { ...back, yes: true });
  assert.deepEqual(npmInstalls(t.calls).at(-1), "npm install -g @twg/cli@0.2.0");
  assert.equal(rememberedChannel(t.env), "stable");
  assert.match(t.env.stderrText(), /Moved twg 0\.3\.0-beta\.1 → 0\.2\.0/);
});

Deno.test("--version installs exactly that version; an older one only with --yes", async () => {
  const t = npmInstalled();
  await using _env = t.env;
  await runUpdate(t.env, { ...base, version: "0.2.5" });
  assert.deepEqual(npmInstalls(t.calls), ["npm install -g @twg/cli@0.2.5"]);
  assert.equal(t.installed(), "0.2.5");
  const older = { ...base, currentVersion: "0.2.5", version: "0.1.0" };
  await assert.rejects(runUpdate(t.env, older), { name: "UsageError", exitCode: 2 });
  assert.equal(npmInstalls(t.calls).length, 1);
  await runUpdate(t.env, { ...older, yes: true });
  assert.equal(t.installed(), "0.1.0");
  await assert.rejects(runUpdate(t.env, { ...base, version: "latest" }), { name: "UsageError" });
});

Deno.test("the command's own --version wins over the program's; update stays an alias", async () => {
  const t = npmInstalled();
  await using _env = t.env;
  assert.equal(await runCli(t.env, ["upgrade", "--version", "0.0.1", "--check"]), 0);
  assert.doesNotMatch(t.env.stdoutText(), /^twg \d+\.\d+\.\d+ \(/m, "not the program's version");
  assert.match(t.env.stdoutText(), /0\.0\.1 is older than this twg .*--version 0\.0\.1 --yes/);
  assert.equal(await runCli(t.env, ["update", "--check", "--json"]), 0);
  assert.equal(
    JSON.parse(t.env.stdoutText().slice(t.env.stdoutText().lastIndexOf("{\n"))).latest,
    "0.2.0",
  );
  assert.equal(await runCli(t.env, ["--version"]), 0, "the program's --version still works");
});

const managed: [string, FakeEnvOverrides["os"], Record<string, Answer>, RegExp, string][] = [
  [
    "a Debian package (dpkg -S)",
    "linux",
    { dpkg: (args) => args[0] === "-S" ? { stdout: `twg-cli: ${args[1]}\n` } : null },
    /installed by a Debian package \(twg-cli\)/,
    'Upgrade it there: run "sudo apt-get install --only-upgrade twg-cli"',
  ],
  [
    "an RPM package (rpm -qf)",
    "linux",
    { rpm: (args) => args[0] === "-qf" ? { stdout: "twg-cli" } : null },
    /installed by an RPM package \(twg-cli\)/,
    'Upgrade it there: run "sudo dnf upgrade twg-cli"',
  ],
  [
    "a macOS installer package (pkgutil --file-info)",
    "darwin",
    {
      pkgutil: (args) =>
        args[0] === "--file-info"
          ? {
            stdout: `volume: /\npath: ${args[1]}\n\npkgid: com.example.twg\npkg-version: 0.2.0\n`,
          }
          : null,
    },
    /installed by a macOS installer package \(com\.example\.twg\)/,
    'Upgrade it there: run "sudo installer -pkg <the new twg .pkg> -target / (installed as com.example.twg)"',
  ],
];

for (const [what, os, answers, message, hint] of managed) {
  Deno.test(`an install owned by ${what} is refused with that package manager's command`, async () => {
    const t = npmInstalled(answers, { os: os! });
    await using _env = t.env;
    await assert.rejects(
      runUpdate(t.env, { ...base, currentVersion: "0.1.0" }),
      (error: Error & { hint: string; code: string }) => {
        assert.match(error.message, message);
        assert.equal(error.hint, hint);
        assert.equal(error.code, "package-managed");
        return true;
      },
    );
    assert.deepEqual(npmInstalls(t.calls), [], `npm never runs: ${JSON.stringify(t.calls)}`);
    // --check names the package manager's command too.
    await runUpdate(t.env, { ...base, currentVersion: "0.1.0", check: true });
    assert.ok(t.env.stdoutText().includes(hint.replace(/^Upgrade it there: run /, "")));
  });
}

Deno.test("a Homebrew formula (its Cellar path) is refused with brew upgrade", async () => {
  const t = npmInstalled({}, {
    install: "checkout",
    runtime: "deno 2.9.6",
    execPath: "/opt/homebrew/Cellar/twg/0.2.0/bin/twg",
    os: "darwin",
  });
  await using _env = t.env;
  await assert.rejects(runUpdate(t.env, { ...base, currentVersion: "0.1.0" }), {
    hint: 'Upgrade it there: run "brew upgrade twg"',
  });
  assert.deepEqual(t.calls, [], "nothing run: the path says it");
});

Deno.test("an unknown channel is a usage error and changes nothing", async () => {
  const t = npmInstalled();
  await using _env = t.env;
  assert.equal(await runCli(t.env, ["upgrade", "--channel", "nightly"]), 2);
  assert.match(t.env.stderrText(), /Unknown release channel "nightly"/);
  assert.match(t.env.stderrText(), /--channel stable or --channel beta/);
  assert.deepEqual(npmInstalls(t.calls), []);
});
