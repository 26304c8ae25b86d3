import assert from "node:assert/strict";
import { prettyJson } from "../../src/api/pretty_json.ts";

Deno.test("a JSON body on a terminal is indented, every number kept digit for digit", () => {
  assert.equal(
    prettyJson('{"id":12345678901234567890,"a":[1,true,null,"x"],"e":{},"f":[]}', {
      color: false,
    }),
    '{\n  "id": 12345678901234567890,\n  "a": [\n    1,\n    true,\n    null,\n    "x"\n  ],\n' +
      '  "e": {},\n  "f": []\n}\n',
  );
});

Deno.test("colours as gh's: keys blue, strings green, booleans yellow, null cyan", () => {
  const out = prettyJson('{"k":"v","b":false,"n":null}', { color: true })!;
  assert.ok(out.includes('\x1b[1;34m"k"\x1b[m'));
  assert.ok(out.includes('\x1b[32m"v"\x1b[m'));
  assert.ok(out.includes("\x1b[33mfalse\x1b[m"));
  assert.ok(out.includes("\x1b[36mnull\x1b[m"));
});

Deno.test("anything but one JSON document is left to be printed as it came", () => {
  for (const text of ["<html>", '{"a":1}{"b":2}', '{"a":}', "", '{"a":1', "[1,]"]) {
    assert.equal(prettyJson(text, { color: false }), null, text);
  }
});
