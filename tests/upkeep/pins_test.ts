/**
 * The Windows task's script, checked against the hash the task pinned in
 * its own Arguments (platform/task_scheduler.ts), like the checkout
 * launcher against its unit's: run with the variables the script sets.
 *
 * @module
 */
import { strict as assert } from "node:assert";
import { writeFile } from "node:fs/promises";
import { renderScheduledTask, taskScriptSha256 } from "../../platform/task_scheduler.ts";
import { assertLauncherIntact, PinMismatchError } from "../../src/upkeep/pins.ts";
import { fakeEnv } from "../_fake_env.ts";

Deno.test("the task script as written passes; a changed one, or one without the task's hash, is refused", async () => {
  const [, rendered] = renderScheduledTask({
    launcher: "C:\\Users\\ada\\.deno\\bin\\twg.exe",
    launcherArgs: [],
    homeDir: "C:\\Users\\ada",
    configDir: "C:\\Users\\ada\\AppData\\Roaming\\twg",
    environment: {},
    intervalMinutes: 12,
  });
  await using probe = fakeEnv();
  const script = `${probe.tempDir}/twg-upkeep.js`;
  await writeFile(script, rendered!.content, { mode: 0o644 });
  const run = async (vars: Record<string, string>) => {
    await using env = fakeEnv({ os: "windows", vars });
    return await assertLauncherIntact(env).then(() => null, (error) => error);
  };
  const pinned = taskScriptSha256(rendered!.content);
  assert.equal(
    await run({ TWG_PINNED_TASK_SCRIPT: script, TWG_PINNED_TASK_SCRIPT_SHA256: pinned }),
    null,
  );
  // An attacker who may write the script adds a line, and twg still starts from it.
  await writeFile(script, `new ActiveXObject("WScript.Shell").Run("calc");\n${rendered!.content}`);
  const changed = await run({
    TWG_PINNED_TASK_SCRIPT: script,
    TWG_PINNED_TASK_SCRIPT_SHA256: pinned,
  });
  assert.ok(changed instanceof PinMismatchError);
  assert.match(changed.message, /the task script ".*" was changed since upkeep enable/);
  assert.match(changed.hint ?? "", /twg upkeep enable/);
  // Started with no hash (not by the pinned task): refused too.
  await writeFile(script, rendered!.content);
  const unpinned = await run({ TWG_PINNED_TASK_SCRIPT: script });
  assert.ok(unpinned instanceof PinMismatchError);
});
