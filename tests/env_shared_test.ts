import assert from "node:assert/strict";
import { abortableSleep, typeInto } from "../src/env_shared.ts";

Deno.test("typed text: Enter ends the line, Backspace deletes, the rest is kept for the next chunk", () => {
  assert.deepEqual(typeInto("", "secr"), { line: "secr", isComplete: false });
  assert.deepEqual(typeInto("secr", "ex\u007ft\r"), { line: "secret", isComplete: true });
  assert.deepEqual(typeInto("", "\n"), { line: "", isComplete: true });
});

Deno.test("Ctrl-C typed in raw mode aborts the prompt", () => {
  assert.throws(
    () => typeInto("abc", "\u0003"),
    (error: unknown) => (error as Error).name === "AbortError",
  );
});

Deno.test("an aborted sleep rejects with the signal's reason at once", async () => {
  const controller = new AbortController();
  const sleeping = abortableSleep(60_000, controller.signal);
  controller.abort(new Error("stop"));
  await assert.rejects(sleeping, /stop/);
});

Deno.test("typing: Ctrl-D on an empty line ends the input; arrows and other control keys are not typed", () => {
  assert.deepEqual(typeInto("", "\u0004"), { line: "", isComplete: true, isEnd: true });
  assert.deepEqual(typeInto("ab", "\u0004c"), { line: "abc", isComplete: false });
  assert.deepEqual(typeInto("", "to\x1b[Dk\x1b[A\x1bOPen\x1b[1;5C\t\r"), {
    line: "token",
    isComplete: true,
  });
});

Deno.test("the TWG_TEST_* switches are read into Env.testHooks, never by product code", async () => {
  const { readdir, readFile } = await import("node:fs/promises");
  const readers: string[] = [];
  const walk = async (dir: string) => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory()) await walk(path);
      else if (path.endsWith(".ts") && (await readFile(path, "utf8")).includes("TWG_TEST_")) {
        readers.push(path);
      }
    }
  };
  await walk("src");
  assert.deepEqual(readers, ["src/env_shared.ts"]);
  const { testHooksFrom } = await import("../src/env_shared.ts");
  const vars: Record<string, string> = {
    TWG_TEST_REFRESH_IN_PROCESS: "1",
    TWG_TEST_PAUSE_AFTER_LOCK_MS: "250",
  };
  assert.deepEqual(testHooksFrom((name) => vars[name]), {
    refreshInProcess: true,
    pauseAfterLockMs: 250,
  });
  assert.deepEqual(testHooksFrom(() => undefined), {});
});
