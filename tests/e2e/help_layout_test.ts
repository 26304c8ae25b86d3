/**
 * Help on real terminals 40 and 120 columns wide (issue 25, item 17): every
 * line fits (only an example's command line, which must be copied whole, may
 * be longer), commander's lines speak in twg's voice, and help ends with
 * where to learn more.
 */
import assert from "node:assert/strict";
import { testRequiring } from "../_requires.ts";
import { makeHome } from "./_twg.ts";
import { twgOnTerminal } from "./_terminal.ts";

for (const columns of [40, 120]) {
  for (const args of [["--help"], ["auth", "--help"], ["api", "--help"], ["help", "environment"]]) {
    testRequiring(
      ["script"],
      `twg ${args.join(" ")} fits a ${columns}-column terminal`,
      async () => {
        await using home = await makeHome();
        const session = twgOnTerminal(home, args, { columns });
        const { code, screen } = await session.finish();
        assert.equal(code, 0, screen);
        const lines = screen.replaceAll("\r", "").split("\n");
        const tooWide = lines.filter((line) =>
          [...line].length > columns && !line.startsWith("  $ ")
        );
        assert.deepEqual(tooWide, [], `lines wider than ${columns}:\n${tooWide.join("\n")}`);
        assert.doesNotMatch(screen, /display help for command|output the version number/);
        if (args[0] === "--help") {
          assert.match(screen, /Learn more:/);
          assert.match(screen, /--version/);
          assert.doesNotMatch(screen, /-v, --version/);
        }
      },
    );
  }
}
