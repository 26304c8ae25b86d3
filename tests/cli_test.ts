/**
 * Help and parsing (issue 12, item 12): examples everywhere, `help` for
 * nested commands with suggestions, one error style, `twg version`, a
 * warning for a misspelt config key, times as people read them.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import type { CommandUnknownOpts } from "@commander-js/extra-typings";
import { buildCli } from "../src/cli.ts";
import { configPaths } from "../src/config/paths.ts";
import { emptyCredentials } from "../src/credentials/auth_conf.ts";
import { saveCredentials } from "../src/credentials/store.ts";
import { runCli } from "../src/main.ts";
import { nearest } from "../src/ui/suggest.ts";
import { formatTime, relativeTime } from "../src/ui/time.ts";
import { version } from "../src/version.ts";
import { FAKE_NOW, fakeEnv } from "./_fake_env.ts";

function commandPaths(command: CommandUnknownOpts, path: string[] = []): string[][] {
  return [
    path,
    ...command.commands.flatMap((child) => commandPaths(child, [...path, child.name()])),
  ];
}

Deno.test("every command's --help ends with examples of real invocations", async () => {
  await using probe = fakeEnv();
  const paths = commandPaths(await buildCli(probe));
  assert.ok(paths.length > 15, "the whole tree is walked");
  for (const path of paths) {
    await using env = fakeEnv();
    assert.equal(await runCli(env, [...path, "--help"]), 0, path.join(" "));
    const help = env.stdoutText();
    const examples = help.slice(help.indexOf("\nExamples:\n"));
    assert.ok(help.includes("\nExamples:\n"), `"twg ${path.join(" ")} --help" has examples`);
    assert.ok(
      examples.trimEnd().split("\n").slice(2).every((line) => line.startsWith("  ")),
      `"twg ${path.join(" ")} --help" ends with its examples`,
    );
    const invocation = path.length ? `$ twg ${path[0]}` : "$ twg ";
    assert.ok(
      examples.includes(invocation) || examples.includes("$(twg") ||
        examples.includes("| twg"),
      `"twg ${path.join(" ")}" examples run twg ${path[0] ?? ""}: ${examples}`,
    );
  }
});

Deno.test("twg help auth status shows the help of auth status, not of auth", async () => {
  await using env = fakeEnv();
  assert.equal(await runCli(env, ["help", "auth", "status"]), 0);
  assert.match(env.stdoutText(), /^Usage: twg auth status \[options\]/);
});

Deno.test("twg help logn suggests login, exit 2", async () => {
  await using env = fakeEnv();
  assert.equal(await runCli(env, ["help", "logn"]), 2);
  assert.match(env.stderrText(), /✖ unknown command 'logn' \(Did you mean login\?\)/);
  assert.match(env.stderrText(), /Run "twg --help"/);
});

Deno.test("a repeatable option does not show (default: [])", async () => {
  await using env = fakeEnv();
  await runCli(env, ["api", "--help"]);
  assert.match(env.stdoutText(), /-H, --header/);
  assert.doesNotMatch(env.stdoutText(), /default: \[\]/);
});

Deno.test("commander's errors look like twg's: ✖, the problem, the next step, exit 2", async () => {
  await using env = fakeEnv();
  assert.equal(await runCli(env, ["x"]), 2);
  assert.equal(env.stderrText(), `✖ unknown command 'x'\nRun "twg --help" for usage\n`);
  await using option = fakeEnv();
  assert.equal(await runCli(option, ["auth", "status", "--jsn"]), 2);
  assert.equal(
    option.stderrText(),
    `✖ unknown option '--jsn' (Did you mean --json?)\nRun "twg auth status --help" for usage\n`,
  );
});

Deno.test("twg version prints the version on stdout", async () => {
  await using env = fakeEnv();
  assert.equal(await runCli(env, ["version"]), 0);
  assert.equal(env.stdoutText(), `twg ${version} (deno test)\n`);
});

Deno.test("an unknown key in config.json warns once, on stderr, with the nearest known key", async () => {
  await using env = fakeEnv({ vars: { NO_COLOR: "1" } });
  await mkdir(configPaths(env).dir, { recursive: true });
  await writeFile(configPaths(env).configJson, JSON.stringify({ issuerr: "https://x.test" }));
  await runCli(env, ["doctor"]);
  const warnings = env.stderrText().split("\n").filter((line) => line.includes("issuerr"));
  assert.equal(warnings.length, 1, env.stderrText());
  assert.match(
    warnings[0]!,
    /^! Unknown key "issuerr" in .*config\.json is ignored \(did you mean "issuer"\?\)/,
  );
  assert.doesNotMatch(env.stdoutText(), /issuerr/);
});

Deno.test("human output shows local times with their distance, JSON keeps ISO UTC", async () => {
  await using env = fakeEnv();
  await saveCredentials(env, configPaths(env).authConf, {
    ...emptyCredentials(),
    oauth: {
      accessToken: "a",
      refreshToken: "r",
      tokenType: "Bearer",
      scope: "openid",
      obtainedAt: new Date(FAKE_NOW).toISOString(),
      expiresIn: 3600,
      issuer: "https://auth.example.test",
      clientId: "c",
      tokenEndpoint: "https://auth.example.test/token",
      revocationEndpoint: null,
      rejectedAt: null,
    },
    user: { id: "u", name: "Ada", email: null },
  });
  await runCli(env, ["auth", "status"]);
  assert.match(env.stdoutText(), /Token: valid, expires \d{4}-\d\d-\d\d \d\d:\d\d \(in 1 h\)/);
  assert.match(env.stdoutText(), /Refresh due: \d{4}-\d\d-\d\d \d\d:\d\d \(in 45 min\)/);
  assert.doesNotMatch(env.stdoutText(), /\d\d:\d\d:\d\d\.\d{3}Z/);
  await using json = fakeEnv();
  await saveCredentials(json, configPaths(json).authConf, {
    ...emptyCredentials(),
    oauth: {
      accessToken: "a",
      refreshToken: "r",
      tokenType: "Bearer",
      scope: "openid",
      obtainedAt: new Date(FAKE_NOW).toISOString(),
      expiresIn: 3600,
      issuer: "https://auth.example.test",
      clientId: "c",
      tokenEndpoint: "https://auth.example.test/token",
      revocationEndpoint: null,
      rejectedAt: null,
    },
  });
  await runCli(json, ["auth", "status", "--json"]);
  assert.equal(JSON.parse(json.stdoutText()).refreshDueAt, "2026-11-28T12:45:00.000Z");
});

Deno.test("relative times read as a person says them", () => {
  const now = Date.parse("2026-11-28T12:00:00Z");
  assert.equal(relativeTime(now + 42 * 60_000, now), "in 42 min");
  assert.equal(relativeTime(now - 5 * 60_000, now), "5 min ago");
  assert.equal(relativeTime(now + 30_000, now), "now");
  assert.equal(relativeTime(now + 190 * 60_000, now), "in 3 h 10 min");
  assert.equal(relativeTime(now - 3 * 86_400_000, now), "3 days ago");
  assert.match(
    formatTime("2026-11-28T12:42:00.000Z", now),
    /^\d{4}-\d\d-\d\d \d\d:42 \(in 42 min\)$/,
  );
});

Deno.test("suggestions: the nearest name, or none when nothing is close", () => {
  assert.equal(nearest("logn", ["login", "logout"]), "login");
  assert.equal(nearest("stat", ["status", "token", "refresh"]), "status");
  assert.equal(nearest("clientid", ["issuer", "clientId"]), "clientId");
  assert.equal(nearest("x", ["login", "logout"]), null);
});
