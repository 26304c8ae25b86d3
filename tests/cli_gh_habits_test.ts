/**
 * gh's habits (issue 25, items 12 and 13): a command group run alone prints
 * its help on stdout and exits 0; `auth login` and `auth logout` are gh's
 * spellings of `login` and `logout`.
 */
import assert from "node:assert/strict";
import { runCli } from "../src/main.ts";
import { fakeEnv } from "./_fake_env.ts";

for (const args of [[], ["auth"], ["upkeep"], ["config"]]) {
  Deno.test(`"twg ${args.join(" ")}" alone prints its help on stdout, exit 0`, async () => {
    await using env = fakeEnv();
    assert.equal(await runCli(env, args), 0);
    assert.match(env.stdoutText(), new RegExp(`^Usage: twg${args.length ? ` ${args[0]}` : ""} `));
    assert.equal(env.stderrText(), "");
  });
}

Deno.test("an unknown subcommand of a group is still a usage error with a suggestion", async () => {
  await using env = fakeEnv();
  assert.equal(await runCli(env, ["auth", "statu"]), 2);
  assert.equal(
    env.stderrText(),
    `✖ unknown command 'statu' (Did you mean status?)\nRun "twg auth --help" for usage\n`,
  );
});

Deno.test("twg auth logout is twg logout; twg auth login is twg login", async () => {
  await using env = fakeEnv();
  assert.equal(await runCli(env, ["auth", "logout"]), 0);
  assert.match(env.stderrText(), /Not logged in|Logged out|nothing/i);
  await using help = fakeEnv();
  assert.equal(await runCli(help, ["auth", "login", "--help"]), 0);
  assert.match(help.stdoutText(), /--no-browser/);
  await using list = fakeEnv();
  await runCli(list, ["auth", "--help"]);
  assert.doesNotMatch(list.stdoutText(), /^\s+login\b/m, "hidden from the list: one name each");
});
