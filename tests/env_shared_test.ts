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
