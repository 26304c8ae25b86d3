/**
 * The login screen on real pseudo-terminals 40 and 120 columns wide: the
 * spinner redraws one line in place, so the one-time code stays on screen
 * (issue 25, item 3).
 */
import assert from "node:assert/strict";
import { testRequiring } from "../_requires.ts";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { makeHome } from "./_twg.ts";
import { renderScreen, twgOnTerminal } from "./_terminal.ts";

for (const columns of [40, 120]) {
  testRequiring(
    ["script"],
    `login's spinner stays on one line at ${columns} columns; the code stays on screen`,
    async () => {
      await using server = await startDevServer({ interval: 1 });
      await using home = await makeHome(server);
      const session = twgOnTerminal(home, ["login", "--no-browser"], { columns });
      const [, code] = await session.waitFor(/one-time code: (\S+)/);
      // The whole screen first (the code, the link, the first frame): only
      // what the spinner adds after that counts.
      await session.waitFor(/Waiting for/);
      const linesBefore = renderScreen(session.screen(), columns).length;
      // About 25 frames of the spinner.
      await session.watch(2500);
      const during = renderScreen(session.screen(), columns);
      assert.ok(
        during.length <= linesBefore + 1,
        `the spinner added ${during.length - linesBefore} lines:\n${during.join("\n")}`,
      );
      assert.ok(during.every((line) => line.length <= columns));
      assert.ok(during.some((line) => line.includes(code!)), "the code is still shown");
      await server.approve(code!);
      await session.waitFor(/Bitbucket token \(Enter to skip\): |Credentials saved/);
      await session.type("\r");
      const { code: exit, screen } = await session.finish();
      assert.equal(exit, 0, screen);
    },
  );
}
