import assert from "node:assert/strict";
import { displayPath, styleFor } from "../../src/ui/style.ts";
import { fakeEnv } from "../_fake_env.ts";

const terminal = { isTerminal: true, write() {} };

Deno.test("colour only on a terminal, and never with NO_COLOR", async () => {
  await using plain = fakeEnv();
  assert.equal(styleFor(plain, plain.stderr).error("x"), "x", "not a terminal");
  await using colour = fakeEnv();
  assert.equal(styleFor(colour, terminal).error("x"), "\x1b[31mx\x1b[39m");
  await using noColor = fakeEnv({ vars: { NO_COLOR: "1" } });
  assert.equal(styleFor(noColor, terminal).error("x"), "x");
});

Deno.test("paths under the home directory are shown with ~", () => {
  assert.equal(
    displayPath("/home/ada/.config/twg/auth.conf", "/home/ada"),
    "~/.config/twg/auth.conf",
  );
  assert.equal(displayPath("/home/adam/x", "/home/ada"), "/home/adam/x");
  assert.equal(displayPath("C:\\Users\\ada\\AppData", "C:\\Users\\ada"), "~\\AppData");
});
