/**
 * Every prompt on a real pseudo-terminal (40 and 120 columns) answers bad
 * input, Ctrl-C and Ctrl-D with a clear message and keeps the previous state
 * (issue 25, item 16).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { testRequiring } from "../_requires.ts";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { login, makeHome } from "./_twg.ts";
import { twgOnTerminal } from "./_terminal.ts";

for (const columns of [40, 120]) {
  testRequiring(
    ["script"],
    `uninstall prompt at ${columns} columns: "maybe" asks again, Ctrl-C says so and removes nothing`,
    async () => {
      await using server = await startDevServer({ interval: 1 });
      await using home = await makeHome(server);
      await login(home, server);
      const session = twgOnTerminal(home, ["uninstall"], { columns });
      await session.waitFor(/Uninstall twg\? \[y\/N\] $/);
      await session.type("maybe\r");
      await session.waitFor(/Please answer "y" or "n"\.[\s\S]*Uninstall twg\? \[y\/N\] $/);
      await session.type("\x03");
      const { code, screen } = await session.finish();
      assert.equal(code, 130, screen);
      assert.match(screen, /Interrupted; nothing was saved/);
      assert.ok(JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8")).oauth);
    },
  );
}

testRequiring(
  ["script"],
  "login --with-token on a terminal asks for the token; Ctrl-C says so and saves nothing",
  async () => {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    const session = twgOnTerminal(home, ["login", "--with-token"], { columns: 80 });
    await session.waitFor(/Paste the access token, then press Enter: $/);
    await session.type("\x03");
    const { code, screen } = await session.finish();
    assert.equal(code, 130, screen);
    assert.match(screen, /Interrupted; nothing was saved/);
    await assert.rejects(readFile(join(home.configDir, "auth.conf"), "utf8"));

    const ended = twgOnTerminal(home, ["login", "--with-token"], { columns: 40 });
    await ended.waitFor(/Paste the access token, then press Enter: $/);
    await ended.type("\x04");
    const end = await ended.finish();
    assert.equal(end.code, 2, end.screen);
    assert.match(end.screen, /No token entered; nothing was saved/);
  },
);

testRequiring(
  ["script"],
  "the site question takes an id, and says why it asks again on a wrong answer",
  async () => {
    await using server = await startDevServer({ interval: 1, sites: 3 });
    await using home = await makeHome(server);
    await login(home, server, ["--site", "site-1"]);
    const session = twgOnTerminal(home, ["auth", "switch"], { columns: 40 });
    await session.waitFor(/Choose a site \[1-3\]: $/);
    await session.type("7\r");
    await session.waitFor(/No site "7": enter a number from 1 to 3, a site id or its URL/);
    await session.type("site-3\r");
    const { code, screen } = await session.finish();
    assert.equal(code, 0, screen);
    assert.match(screen, /Switched to Example Three/);
  },
);
