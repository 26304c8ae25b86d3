/**
 * The Bitbucket token prompt on a real pseudo-terminal (40 and 120
 * columns): Ctrl-D skips, arrow keys are not typed into the token, a token
 * Bitbucket refuses is not saved, and the question does not come back at
 * every login (issue 25, item 4).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { testRequiring } from "../_requires.ts";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { login, makeHome } from "./_twg.ts";
import { twgOnTerminal } from "./_terminal.ts";

async function storedBitbucketToken(configDir: string): Promise<string | null> {
  return JSON.parse(await readFile(join(configDir, "auth.conf"), "utf8")).bitbucketToken;
}

for (const columns of [40, 120]) {
  testRequiring(
    ["script"],
    `setup bitbucket at ${columns} columns: arrows are not typed, a refused token is not saved, Ctrl-D skips`,
    async () => {
      await using server = await startDevServer({ interval: 1 });
      await using home = await makeHome(server);
      await login(home, server);
      const session = twgOnTerminal(home, ["setup", "bitbucket"], { columns });
      await session.waitFor(/Bitbucket token: $/);
      // A wrong token, edited with the arrow keys: refused by Bitbucket, not saved.
      await session.type("wrong\x1b[D\x1b[C-token\r");
      await session.waitFor(/Bitbucket refused that token \(HTTP 401\); it was not saved/);
      await session.waitFor(/Bitbucket token: $/);
      // Then the right one with arrow keys typed in the middle.
      const token = server.bitbucketToken;
      await session.type(`${token.slice(0, 4)}\x1b[A\x1b[B${token.slice(4)}\r`);
      const { code, screen } = await session.finish();
      assert.equal(code, 0, screen);
      assert.match(screen, /Bitbucket accepted the token/);
      assert.match(screen, /✔ Bitbucket token saved to ~\/\.config\/twg\/auth\.conf/);
      assert.equal(await storedBitbucketToken(home.configDir), token);

      const skipped = twgOnTerminal(home, ["setup", "bitbucket"], { columns });
      await skipped.waitFor(/Bitbucket token: $/);
      await skipped.type("\x04");
      const end = await skipped.finish();
      assert.equal(end.code, 2, end.screen);
      assert.match(end.screen, /No token entered; nothing was saved/);
      assert.doesNotMatch(end.screen, /saved to/);
      assert.equal(await storedBitbucketToken(home.configDir), token, "the previous one is kept");
    },
  );
}

testRequiring(
  ["script"],
  "the Bitbucket question after login: Ctrl-D skips with a message; a second login does not ask again",
  async () => {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    const first = twgOnTerminal(home, ["login", "--no-browser"], { columns: 80 });
    const [, code] = await first.waitFor(/one-time code: (\S+)/);
    await server.approve(code!);
    await first.waitFor(/Bitbucket token \(Enter to skip\): $/);
    await first.type("\x04");
    const done = await first.finish();
    assert.equal(done.code, 0, done.screen);
    assert.match(done.screen, /No token entered; nothing was saved/);
    assert.equal(await storedBitbucketToken(home.configDir), null);

    const again = twgOnTerminal(home, ["login", "--no-browser"], { columns: 80 });
    // Signed in already: on a terminal, login asks whether to replace it (issue 21).
    await again.waitFor(/\[r\]eplace\/\[a\]dd\/\[c\]ancel: $/);
    await again.type("r\r");
    const [, secondCode] = await again.waitFor(/one-time code: (\S+)/);
    await server.approve(secondCode!);
    const second = await again.finish();
    assert.equal(second.code, 0, second.screen);
    assert.match(second.screen, /Credentials saved/);
    assert.doesNotMatch(second.screen, /Bitbucket token/);
  },
);
