import assert from "node:assert/strict";
import { configPaths } from "../../src/config/paths.ts";
import type { Output } from "../../src/env.ts";
import { pendingUpdateNotice } from "../../src/update/notice.ts";
import {
  initialUpkeepState,
  readUpkeepState,
  writeUpkeepState,
} from "../../src/config/upkeep_state.ts";
import { type FakeEnv, fakeEnv, type FakeEnvOverrides } from "../_fake_env.ts";

const NOTICE = 'twg 0.2.0 is available (you have 0.1.0): run "twg update"';

const terminal = (): Output => ({ isTerminal: true, write() {} });
const pipe = (): Output => ({ isTerminal: false, write() {} });

/** A person's terminal with a pending notice for 0.2.0 recorded by upkeep. */
async function withPendingNotice(overrides: FakeEnvOverrides = {}): Promise<FakeEnv> {
  const env = fakeEnv({ stdout: terminal(), stderr: terminal(), ...overrides });
  await writeUpkeepState(env, configPaths(env).upkeepJson, {
    ...initialUpkeepState(),
    latestVersion: "0.2.0",
    notifications: {
      version: "0.2.0",
      firstSeenAt: new Date(env.now()).toISOString(),
      sentAt: [new Date(env.now()).toISOString()],
      pendingNotice: NOTICE,
    },
  });
  return env;
}

async function pendingInState(env: FakeEnv): Promise<string | null | undefined> {
  return (await readUpkeepState(env, configPaths(env).upkeepJson)).notifications?.pendingNotice;
}

Deno.test("the pending notice is shown once on a terminal", async () => {
  await using env = await withPendingNotice();
  assert.equal(await pendingUpdateNotice(env, { json: false, currentVersion: "0.1.0" }), NOTICE);
  assert.equal(await pendingUpdateNotice(env, { json: false, currentVersion: "0.1.0" }), null);
  assert.equal(await pendingInState(env), null);
});

const notShownWhen: [string, FakeEnvOverrides, boolean][] = [
  ["stdout is a pipe", { stdout: pipe() }, false],
  ["stderr is a pipe", { stderr: pipe() }, false],
  ["under a coding agent", { vars: { CLAUDECODE: "1" } }, false],
  ["an agent declares itself", { vars: { AI_AGENT: "my-bot" } }, false],
  ["NO_UPDATE_NOTIFIER is set", { vars: { NO_UPDATE_NOTIFIER: "1" } }, false],
  ["the command has --json", {}, true],
];

for (const [when, overrides, json] of notShownWhen) {
  Deno.test(`the pending notice is not shown, and stays pending, when ${when}`, async () => {
    await using env = await withPendingNotice(overrides);
    assert.equal(await pendingUpdateNotice(env, { json, currentVersion: "0.1.0" }), null);
    assert.equal(await pendingInState(env), NOTICE, "kept for a command a person runs");
  });
}

Deno.test("a pending notice for a version already installed is dropped silently", async () => {
  await using env = await withPendingNotice();
  assert.equal(await pendingUpdateNotice(env, { json: false, currentVersion: "0.2.0" }), null);
  assert.equal(await pendingInState(env), null);
});

Deno.test("no state, or a config dir that cannot be written, shows nothing and never throws", async () => {
  await using fresh = fakeEnv({ stdout: terminal(), stderr: terminal() });
  assert.equal(await pendingUpdateNotice(fresh, { json: false }), null);
  await using readOnly = await withPendingNotice();
  const failingFs = {
    ...readOnly.fs,
    openSync: () => {
      throw Object.assign(new Error("EROFS: read-only file system"), { code: "EROFS" });
    },
  };
  await using env = fakeEnv({
    stdout: terminal(),
    stderr: terminal(),
    homeDir: readOnly.homeDir,
    fs: failingFs,
  });
  assert.equal(
    await pendingUpdateNotice(env, { json: false, currentVersion: "0.1.0" }),
    null,
    "not shown when it cannot be marked shown, so it never repeats",
  );
});
