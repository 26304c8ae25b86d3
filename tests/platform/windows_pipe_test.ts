import { strict as assert } from "node:assert";
import fc from "fast-check";
import {
  currentUserSid,
  FILE_FLAG_FIRST_PIPE_INSTANCE,
  isSid,
  keeperPipeName,
  keeperPipePlan,
  ownerOnlyPipeSddl,
  parseWhoamiSid,
  PIPE_REJECT_REMOTE_CLIENTS,
  whoamiSidArgv,
} from "../../platform/windows_pipe.ts";
import { fakeEnv } from "../_fake_env.ts";

const SID = "S-1-5-21-3623811015-3361044348-30300820-1013";

Deno.test("the keeper's pipe is named per user and owned by that user alone", () => {
  assert.equal(keeperPipeName(SID), `\\\\.\\pipe\\twg-keeper-${SID}`);
  assert.equal(ownerOnlyPipeSddl(SID), `D:P(A;;GA;;;${SID})`);
  const plan = keeperPipePlan(SID);
  assert.equal(plan.openMode & FILE_FLAG_FIRST_PIPE_INSTANCE, FILE_FLAG_FIRST_PIPE_INSTANCE);
  assert.equal(plan.pipeMode & PIPE_REJECT_REMOTE_CLIENTS, PIPE_REJECT_REMOTE_CLIENTS);
  // The pipe name (after \\.\pipe\) has no backslash and fits the 256-character limit.
  assert.ok(!plan.name.slice("\\\\.\\pipe\\".length).includes("\\"));
  assert.ok(plan.name.length <= 256);
});

Deno.test("nothing but a SID reaches the pipe name or the SDDL", () => {
  for (const bad of ["", "S-1-5-21-1)(A;;GA;;;WD", "S-1-5-21-1\\x", "WD", "S-1-", "s-1-5-18 "]) {
    assert.equal(isSid(bad), false, bad);
    assert.throws(() => ownerOnlyPipeSddl(bad), /Not a SID/);
    assert.throws(() => keeperPipeName(bad), /Not a SID/);
  }
  fc.assert(fc.property(fc.string(), (text) => {
    if (!isSid(text)) return;
    assert.match(ownerOnlyPipeSddl(text), /^D:P\(A;;GA;;;S-1-[0-9-]+\)$/);
  }));
});

Deno.test("the SID comes from System32's whoami /user /fo csv /nh", async () => {
  await using env = fakeEnv({
    os: "windows",
    vars: { SystemRoot: "C:\\Windows" },
    commands: [{
      command: "C:\\Windows\\System32\\whoami.exe",
      result: { stdout: `"pc\\ada","${SID}"\r\n` },
    }],
  });
  assert.deepEqual(whoamiSidArgv(env), [
    "C:\\Windows\\System32\\whoami.exe",
    ["/user", "/fo", "csv", "/nh"],
  ]);
  assert.equal(await currentUserSid(env), SID);
  assert.deepEqual(env.calls, [{
    command: "C:\\Windows\\System32\\whoami.exe",
    args: ["/user", "/fo", "csv", "/nh"],
  }]);
  assert.equal(parseWhoamiSid('"pc\\ada","not a sid"\r\n'), null);
  assert.equal(parseWhoamiSid(""), null);
});
