/**
 * `twg login` as a person runs it: on a pseudo-terminal (util-linux `script`),
 * with the questions that come after the browser approval.
 *
 * @module
 */
import { testRequiring } from "../_requires.ts";
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { type DevServer, startDevServer } from "../fixtures/dev_server_client.ts";
import { type Home, makeHome, twg } from "./_twg.ts";
import { type SizedTerminal, twgOnTerminal } from "./_terminal.ts";

/**
 * `args` of twg on a pseudo-terminal in `home`, 80 columns wide: the shared
 * helper, which also kills a session whose screen never comes (90 s).
 */
function twgInTerminal(home: Home, args: string[]): SizedTerminal {
  return twgOnTerminal(home, args, { columns: 80 });
}

/** Starts `twg login --no-browser` on a terminal and approves the code it shows. */
async function loginInTerminal(
  home: Home,
  server: DevServer,
  args: string[] = [],
): Promise<SizedTerminal> {
  const session = twgInTerminal(home, ["login", "--no-browser", ...args]);
  const [, code] = await session.waitFor(/one-time code: (\S+)/);
  await server.approve(code!);
  return session;
}

testRequiring(
  ["script"],
  "Ctrl-C at the Bitbucket question after login keeps the sign-in (exit 0)",
  async () => {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    const session = await loginInTerminal(home, server);
    await session.waitFor(/Bitbucket token \(Enter to skip\): /);
    const beforePrompt = session.screen();
    // The confirmation comes first, with what the token is for and where to make one.
    assert.match(beforePrompt, /Authentication successful![\s\S]*Credentials saved/);
    assert.match(beforePrompt, /twg api --bitbucket/);
    assert.match(
      beforePrompt,
      /https:\/\/id\.atlassian\.com\/manage-profile\/security\/api-tokens/,
    );
    // The prompt is hidden (raw mode): Ctrl-C arrives as the character ETX.
    await session.type("\x03");
    const { code, screen } = await session.finish();
    assert.equal(code, 0, screen);
    assert.match(screen, /Skipped; the sign-in is saved/);
    assert.doesNotMatch(screen, /nothing was saved/);
    const stored = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
    assert.equal(stored.oauth.issuer, server.issuer);
    assert.equal(stored.bitbucketToken, null);
    const status = await twg(home, ["auth", "status", "--json"]);
    assert.equal(JSON.parse(status.stdout).loggedIn, true);
  },
);

testRequiring(
  ["script"],
  "a Bitbucket token typed after login is saved beside the sign-in",
  async () => {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    const session = await loginInTerminal(home, server);
    await session.waitFor(/Bitbucket token \(Enter to skip\): /);
    // The dev server's Bitbucket API accepts only its own token: twg checks it first.
    await session.type(`${server.bitbucketToken}\r`);
    const { code, screen } = await session.finish();
    assert.equal(code, 0, screen);
    assert.ok(!screen.includes(server.bitbucketToken), "not echoed");
    assert.match(screen, /Bitbucket accepted the token/);
    const stored = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
    assert.equal(stored.bitbucketToken, server.bitbucketToken);
    assert.ok(stored.oauth.accessToken);
  },
);

testRequiring(
  ["script"],
  "several sites on a terminal: asked after the save; the answer is stored",
  async () => {
    await using server = await startDevServer({ interval: 1, sites: 3 });
    await using home = await makeHome(server, { TWG_BBC_TOKEN: "from-env" });
    const session = await loginInTerminal(home, server);
    await session.waitFor(/Choose a site \[1-3\]: /);
    assert.match(session.screen(), /Credentials saved[\s\S]*several sites/);
    await session.type("2\r");
    const { code, screen } = await session.finish();
    assert.equal(code, 0, screen);
    const stored = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
    assert.equal(stored.site.id, "site-2");
    assert.deepEqual(stored.sites.map((site: { id: string }) => site.id), [
      "site-1",
      "site-2",
      "site-3",
    ]);
  },
);

testRequiring(
  ["script"],
  "auth switch on a terminal asks, and switches without a new login",
  async () => {
    await using server = await startDevServer({ interval: 1, sites: 3 });
    await using home = await makeHome(server);
    const { login } = await import("./_twg.ts");
    assert.equal((await login(home, server, ["--site", "site-1"])).code, 0);
    const before = await server.stats();
    const session = twgInTerminal(home, ["auth", "switch"]);
    await session.waitFor(/Choose a site \[1-3\]: /);
    assert.match(
      session.screen(),
      /Example One \(https:\/\/example-1\.atlassian\.test\) \(current\)/,
    );
    await session.type("3\r");
    const { code, screen } = await session.finish();
    assert.equal(code, 0, screen);
    assert.match(screen, /Switched to Example Three/);
    assert.equal((await server.stats()).deviceAuthorizations, before.deviceAuthorizations);
    const status = JSON.parse((await twg(home, ["auth", "status", "--json"])).stdout);
    assert.equal(status.site.id, "site-3");
  },
);

testRequiring(
  ["script"],
  "the server going away while login waits: retrying on the spinner line, the countdown moving, exit 5 at expiry",
  async () => {
    await using server = await startDevServer({ interval: 1, deviceCodeTtl: 7 });
    await using home = await makeHome(server);
    const session = twgInTerminal(home, ["login", "--no-browser"]);
    await session.waitFor(/one-time code: (\S+)/);
    await server.stop();
    const host = new URL(server.issuer).host.replaceAll(".", "\\.");
    await session.waitFor(
      new RegExp(`Cannot reach ${host}, retrying… \\(code expires in 0:0\\d\\)`),
    );
    const { code, screen } = await session.finish();
    assert.equal(code, 5, screen);
    const retrying = screen.slice(screen.indexOf("Cannot reach"));
    const countdown = new Set(
      [...retrying.matchAll(/retrying… \(code expires in (0:0\d)\)/g)].map((match) => match[1]),
    );
    assert.ok(countdown.size >= 3, `the countdown keeps moving: ${[...countdown].join(", ")}`);
    assert.match(
      screen,
      new RegExp(`Cannot reach ${host}: [^\\n]+; the code expired while retrying`),
    );
    assert.match(screen, /TWG_ISSUER/);
  },
);

Deno.test("without a terminal, an unreachable server during login is said once, then exit 5", async () => {
  await using server = await startDevServer({ interval: 1, deviceCodeTtl: 5 });
  await using home = await makeHome(server);
  const { login } = await import("./_twg.ts");
  const result = await login(home, server, [], { approve: () => server.stop() });
  assert.equal(result.code, 5, result.stderr);
  assert.equal(result.stderr.match(/retrying until the code expires/g)?.length, 1, result.stderr);
  assert.match(result.stderr, /the code expired while retrying/);
});

testRequiring(
  ["script"],
  "Ctrl-C at the site question after login keeps the sign-in, with no site (exit 0)",
  async () => {
    await using server = await startDevServer({ interval: 1, sites: 2 });
    await using home = await makeHome(server);
    const session = await loginInTerminal(home, server);
    await session.waitFor(/Choose a site \[1-2\]: /);
    // Not hidden, so the terminal turns Ctrl-C into SIGINT.
    await session.type("\x03");
    const { code, screen } = await session.finish();
    assert.equal(code, 0, screen);
    assert.match(
      screen,
      /No site chosen; the sign-in is saved\. "twg auth switch" chooses one later/,
    );
    assert.doesNotMatch(screen, /Bitbucket token/, "no further question after Ctrl-C");
    const stored = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
    assert.ok(stored.oauth.accessToken);
    assert.equal(stored.site, null);
    assert.equal(stored.sites.length, 2);
  },
);
