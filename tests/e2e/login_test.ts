import assert from "node:assert/strict";
import { testRequiring } from "../_requires.ts";
import { readdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import {
  expectExit,
  isDenoBuild,
  login,
  makeHome,
  shellQuote,
  spawnInTerminal,
  twg,
  twgArgv,
} from "./_twg.ts";

Deno.test("login, status, token, api, logout against the development server", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);

  const signIn = await login(home, server);
  expectExit(signIn, 0);
  assert.equal(signIn.events[0]?.event, "device_authorization");
  assert.match(String(signIn.events[0]?.userCode), /^[A-Z]{4}-?[A-Z]{4}$/);
  assert.match(String(signIn.events[0]?.verificationUri), /^http:\/\/127\.0\.0\.1:\d+\//);
  assert.deepEqual(signIn.events[1], {
    schemaVersion: 1,
    event: "authenticated",
    user: { id: "user-1", name: "Ada Lovelace", email: "ada@example.test" },
    site: { id: "site-1", url: "https://example-1.atlassian.test", name: "Example One" },
    credentialsPath: join(home.configDir, "auth.conf"),
  });
  assert.ok(
    signIn.stderr.endsWith(
      "✔ Authentication successful!\n✔ Authenticated as Ada Lovelace\n✔ Credentials saved to ~/.config/twg/auth.conf\n",
    ),
    signIn.stderr,
  );
  assert.ok(
    signIn.stderr.includes(String(signIn.events[0]?.userCode)),
    "the code is shown to the person",
  );
  assert.equal((await stat(home.configDir)).mode & 0o777, 0o700);
  assert.equal((await stat(join(home.configDir, "auth.conf"))).mode & 0o777, 0o600);

  const status = await twg(home, ["auth", "status", "--json"]);
  expectExit(status, 0);
  const document = JSON.parse(status.stdout);
  assert.equal(document.loggedIn, true);
  assert.equal(document.method, "oauth");
  assert.equal(document.backend, "file");
  assert.equal(document.user.name, "Ada Lovelace");
  assert.equal(document.site.id, "site-1");
  assert.equal(document.fresh, true);
  assert.equal(document.configDir, home.configDir);
  assert.equal(document.configWritable, true);
  assert.equal(document.bitbucketToken, null);
  assert.equal(document.agent, null);
  assert.ok(Date.parse(document.refreshDueAt) < Date.parse(document.accessTokenExpiresAt));

  const issued = await server.lastTokens();
  const token = await twg(home, ["auth", "token"]);
  expectExit(token, 0);
  assert.equal(token.stdout, `${issued.accessToken}\n`);
  assert.equal(token.stderr, "");

  const api = await twg(home, ["api", "/rest/api/3/myself", "-H", "X-Test: 1"]);
  expectExit(api, 0);
  const answer = JSON.parse(api.stdout);
  assert.equal(answer.ok, true);
  assert.equal(answer.sub, "user-1");
  assert.equal(answer.siteId, "site-1");

  const posted = await twg(home, ["api", "/rest/issue", "-d", '{"summary":"hi"}']);
  expectExit(posted, 0);
  assert.equal(JSON.parse(posted.stdout).method, "POST");

  const bitbucket = await twg(home, ["api", "--bitbucket", "/user"], {
    env: { TWG_BBC_TOKEN: server.bitbucketToken },
  });
  expectExit(bitbucket, 0);
  assert.equal(JSON.parse(bitbucket.stdout).ok, true);

  const doctor = await twg(home, ["doctor", "--json"]);
  expectExit(doctor, 0);
  const checks = Object.fromEntries(
    JSON.parse(doctor.stdout).checks.map((
      check: { name: string; status: string },
    ) => [check.name, check.status]),
  );
  assert.equal(checks.credentials, "ok");
  assert.equal(checks.token, "ok");
  assert.equal(checks.issuer, "ok");
  assert.equal(checks.server, "ok");
  assert.equal(checks.store, "ok");
  assert.equal(checks.upkeep, "warn");

  // Nothing printed or written outside auth.conf carries a token.
  const secrets = [issued.accessToken, issued.refreshToken, server.bitbucketToken].filter(
    Boolean,
  ) as string[];
  for (
    const output of [
      signIn.stdout,
      signIn.stderr,
      status.stdout,
      api.stdout,
      doctor.stdout,
      doctor.stderr,
    ]
  ) {
    for (const secret of secrets) assert.ok(!output.includes(secret), "no token in output");
  }

  const before = await server.stats();
  const logout = await twg(home, ["logout"]);
  expectExit(logout, 0);
  assert.equal((await server.stats()).revocations, before.revocations + 1);
  assert.deepEqual(await readdir(home.configDir), []);
  expectExit(await twg(home, ["auth", "status"]), 3);
  expectExit(await twg(home, ["auth", "token"]), 3);
});

Deno.test("a denied sign-in saves nothing", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  const result = await login(home, server, [], { approve: (code) => server.deny(code) });
  expectExit(result, 1);
  assert.match(result.stderr, /denied/);
  assert.ok(!(await readdir(home.configDir)).includes("auth.conf"));
});

Deno.test("the Bitbucket token is kept across login and logout unless --force or --all", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  // twg checks the token with Bitbucket before saving it: the dev server's own.
  const bbToken = server.bitbucketToken;
  expectExit(
    await twg(home, ["setup", "bitbucket", "--with-token"], { stdin: `${bbToken}\n` }),
    0,
  );
  expectExit(await login(home, server), 0);
  let status = JSON.parse((await twg(home, ["auth", "status", "--json"])).stdout);
  assert.equal(status.bitbucketToken, "store");
  status = JSON.parse(
    (await twg(home, ["auth", "status", "--json"], { env: { TWG_BBC_TOKEN: "x" } })).stdout,
  );
  assert.equal(status.bitbucketToken, "env", "the environment wins");
  expectExit(await twg(home, ["logout"]), 0);
  const afterLogout = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
  assert.equal(afterLogout.oauth, null);
  assert.equal(afterLogout.bitbucketToken, bbToken);
  expectExit(await login(home, server, ["--force"]), 0);
  status = JSON.parse((await twg(home, ["auth", "status", "--json"])).stdout);
  assert.equal(status.bitbucketToken, null, "--force discards the Bitbucket token too");
  expectExit(await twg(home, ["logout", "--all"]), 0);
  assert.deepEqual(await readdir(home.configDir), []);
});

Deno.test("logging in again replaces the credentials and revokes the old refresh token", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  const first = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
  const revocationsBefore = (await server.stats()).revocations;
  expectExit(await login(home, server), 0);
  const second = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
  assert.notEqual(second.oauth.refreshToken, first.oauth.refreshToken);
  assert.equal((await server.stats()).revocations, revocationsBefore + 1);
});

Deno.test("several sites: --site picks one; without a terminal none is guessed", async () => {
  await using server = await startDevServer({ interval: 1, sites: 3 });
  await using home = await makeHome(server);
  const picked = await login(home, server, ["--site", "site-2"]);
  expectExit(picked, 0);
  assert.equal((picked.events[1]?.site as { id: string }).id, "site-2");
  // A re-login keeps the chosen site while it is still reachable (issue 21).
  const again = await login(home, server);
  expectExit(again, 0);
  assert.equal((again.events.at(-1)?.site as { id: string }).id, "site-2");
  // A first login without a terminal asks nothing: exit 2 with the ids, the sign-in kept.
  await using fresh = await makeHome(server);
  const unpicked = await login(fresh, server);
  expectExit(unpicked, 2);
  assert.match(
    unpicked.stderr,
    /reaches 3 sites and none was chosen: site-1 \(Example One\), site-2/,
  );
  assert.match(unpicked.stderr, /twg auth switch --site <id>/);
  const status = JSON.parse((await twg(fresh, ["auth", "status", "--json"])).stdout);
  assert.equal(status.loggedIn, true);
  assert.equal(status.site, null);
});

Deno.test("login --site that matches nothing is exit 2 listing the sites; auth switch fixes it", async () => {
  await using server = await startDevServer({ interval: 1, sites: 3 });
  await using home = await makeHome(server);
  const result = await login(home, server, ["--site", "site-9"]);
  expectExit(result, 2);
  assert.match(
    result.stderr,
    /No site matches "site-9"; this account reaches: site-1 \(Example One\), site-2 \(Example Two\), site-3 \(Example Three\)/,
  );
  // The sign-in is saved (an authenticated event without a site), then the error says what is left.
  assert.deepEqual(result.events.map((event) => event.event), [
    "device_authorization",
    "authenticated",
    "error",
  ]);
  assert.equal(result.events[1]?.site, null);

  const before = await server.stats();
  const wrong = await twg(home, ["auth", "switch", "--site", "site-9"]);
  expectExit(wrong, 2);
  assert.match(wrong.stderr, /No site matches "site-9"/);
  // Several sites and no terminal to ask on.
  const unasked = await twg(home, ["auth", "switch"]);
  expectExit(unasked, 2);
  assert.match(unasked.stderr, /none was chosen: site-1/);
  const switched = await twg(home, [
    "auth",
    "switch",
    "--site",
    "https://example-3.atlassian.test/",
  ]);
  expectExit(switched, 0);
  assert.match(switched.stderr, /Switched to Example Three/);
  assert.equal((await server.stats()).deviceAuthorizations, before.deviceAuthorizations);

  const status = JSON.parse((await twg(home, ["auth", "status", "--json"])).stdout);
  assert.equal(status.site.id, "site-3");
  assert.deepEqual(status.sites.map((site: { id: string }) => site.id), [
    "site-1",
    "site-2",
    "site-3",
  ]);
  assert.equal(status.issuer, server.issuer);
  const text = await twg(home, ["auth", "status"]);
  assert.match(
    text.stdout + text.stderr,
    /Sites: site-1 \(Example One\), site-2 \(Example Two\), site-3 \(Example Three\)/,
  );
  const api = await twg(home, ["api", "/rest/api/3/myself"]);
  expectExit(api, 0);
  assert.equal(JSON.parse(api.stdout).siteId, "site-3");
});

Deno.test("the sites call failing is a warning and site null, not a failed login", async () => {
  await using server = await startDevServer({ interval: 1, resourcesFail: true });
  await using home = await makeHome(server);
  const result = await login(home, server);
  expectExit(result, 0);
  assert.equal(result.events[1]?.site, null);
  assert.match(result.stderr, /Could not list the sites/);
});

Deno.test("discovery falls back to OpenID configuration when RFC 8414 metadata is absent", async () => {
  await using server = await startDevServer({ interval: 1, rfc8414: false });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
});

Deno.test({
  name: "login with an unwritable config dir fails before asking the server for a code",
  ignore: !isDenoBuild,
  async fn() {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    const result = await twg(home, ["login", "--no-browser"], {
      denoFlags: [
        "--allow-read",
        "--allow-net",
        "--allow-env",
        "--allow-run",
        "--allow-sys",
        "--allow-write=/nonexistent-elsewhere",
      ],
    });
    expectExit(result, 4);
    assert.match(result.stderr, /Cannot update the credentials/);
    assert.equal((await server.stats()).deviceAuthorizations, 0);
  },
});

Deno.test("Ctrl-C while waiting for approval exits 130 and saves nothing", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  const result = await login(home, server, [], {
    // The person gives up instead of approving: SIGINT, as Ctrl-C sends.
    approve: async (_code, pid) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      Deno.kill(pid, "SIGINT");
    },
  });
  expectExit(result, 130);
  assert.match(result.stderr, /Interrupted; nothing was saved/);
  assert.ok(!(await readdir(home.configDir)).includes("auth.conf"));
});

testRequiring(["script"], "setup bitbucket asks on a terminal with hidden input", async () => {
  await using home = await makeHome();
  const child = spawnInTerminal(home, [...twgArgv(), "setup", "bitbucket"]);
  const writer = child.stdin.getWriter();
  let screen = "";
  const decoder = new TextDecoder();
  const reader = child.stdout.getReader();
  while (!screen.includes("Bitbucket token:")) {
    const { value, done } = await reader.read();
    if (done) break;
    screen += decoder.decode(value);
  }
  // Typed only once the prompt is up, so the terminal is already in no-echo mode.
  await writer.write(new TextEncoder().encode("bb-typed-secret\r"));
  await writer.close();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    screen += decoder.decode(value);
  }
  assert.equal((await child.status).code, 0, screen);
  assert.ok(!screen.includes("bb-typed-secret"), `the token is not echoed: ${screen}`);
  assert.match(screen, /Bitbucket token saved/);
  const stored = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
  assert.equal(stored.bitbucketToken, "bb-typed-secret");
});

Deno.test("without a terminal, setup bitbucket refuses to prompt and says what to do", async () => {
  await using home = await makeHome();
  const result = await twg(home, ["setup", "bitbucket"]);
  expectExit(result, 2);
  assert.match(result.stderr, /--with-token|TWG_BBC_TOKEN/);
});

Deno.test("a reader that stops early (twg api … | head -c 1) ends twg quietly", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  const body = JSON.stringify({ text: "x".repeat(120_000) });
  const quoted = shellQuote([...twgArgv(), "api", "/echo", "-d", body]);
  // A real shell pipe: head exits after one byte and closes it.
  const result = await twg(home, [], {
    wrap: () => [
      "bash",
      "-c",
      `${quoted} | head -c 1 >/dev/null; echo "twg exit $\{PIPESTATUS[0]}" >&2`,
    ],
  });
  assert.match(result.stderr, /twg exit 0\n$/);
  assert.equal(result.stderr, "twg exit 0\n", "nothing but the exit status on stderr");
});

/** A fake `xdg-open` first on PATH that records the URL it was given. */
async function fakeBrowser(home: Awaited<ReturnType<typeof makeHome>>): Promise<string> {
  const bin = join(home.path, "bin");
  await Deno.mkdir(bin, { recursive: true });
  const log = join(home.path, "browser.log");
  await Deno.writeTextFile(join(bin, "xdg-open"), `#!/bin/sh\nprintf '%s\\n' "$1" >> '${log}'\n`, {
    mode: 0o755,
  });
  home.env.PATH = `${bin}:${home.env.PATH}`;
  home.env.DISPLAY = ":0";
  return log;
}

Deno.test("login opens the verification page in the browser, unless TWG_NO_BROWSER or BROWSER=none", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  const log = await fakeBrowser(home);
  const opened = await login(home, server, [], { browser: true });
  expectExit(opened, 0);
  const urls = (await readFile(log, "utf8")).trim().split("\n");
  assert.deepEqual(urls, [String(opened.events[0]?.verificationUriComplete)]);
  for (const optOut of [{ TWG_NO_BROWSER: "1" }, { BROWSER: "none" }]) {
    Object.assign(home.env, optOut);
    const result = await login(home, server, [], { browser: true });
    expectExit(result, 0);
    assert.match(result.stderr, /No browser opened/);
    assert.equal((await readFile(log, "utf8")).trim().split("\n").length, 1, "not opened again");
    for (const name of Object.keys(optOut)) delete home.env[name];
  }
});
