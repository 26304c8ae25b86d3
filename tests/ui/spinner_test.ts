import assert from "node:assert/strict";
import { fitToWidth } from "../../src/ui/spinner.ts";

Deno.test("a spinner line too wide for the terminal is cut before its countdown", () => {
  const line = "Waiting for approval in the browser… (code expires in 14:59)";
  const cut = fitToWidth(line, 37);
  assert.equal([...cut].length, 37);
  assert.ok(cut.endsWith("(code expires in 14:59)"), cut);
  assert.equal(fitToWidth(line, 200), line);
  assert.equal([...fitToWidth("no countdown here at all, just words", 10)].length, 10);
});
