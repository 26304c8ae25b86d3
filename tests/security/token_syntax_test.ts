/**
 * Attack: tokens holding CR, LF or NUL (issue 23, finding 2), from a hostile
 * token endpoint and from a pasted `login --with-token`. The runtime's header
 * validation quotes a bad header value in its error; with the syntax checked
 * on receipt (RFC 6750 b64token) and before every header, no such token is
 * stored or sent, and no output stream of any command carries it.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, type Home, login, makeHome, twg, type TwgResult } from "../e2e/_twg.ts";
import { runCli } from "../../src/main.ts";
import {
  bearerAuthorization,
  isBearerTokenSyntax,
  withoutHeaderValues,
} from "../../src/oauth/token_syntax.ts";
import { fakeEnv } from "../_fake_env.ts";

/** Every output of the commands that would use the token: none may carry `marker`. */
async function assertNowhere(home: Home, marker: string, earlier: TwgResult[]): Promise<void> {
  const results = [
    ...earlier,
    await twg(home, ["api", "rest/api/3/myself"]),
    await twg(home, ["api", "rest/api/3/myself"], { env: { TWG_DEBUG: "1" } }),
    await twg(home, ["doctor", "--json"]),
    await twg(home, ["doctor"]),
    await twg(home, ["auth", "status", "--json"]),
    await twg(home, ["auth", "switch", "--site", "nowhere"]),
  ];
  for (const result of results) {
    assert.ok(!result.stdout.includes(marker), `stdout carries the token: ${result.stdout}`);
    assert.ok(!result.stderr.includes(marker), `stderr carries the token: ${result.stderr}`);
    assert.ok(!/please report it/.test(result.stderr), `an unexpected error: ${result.stderr}`);
  }
}

Deno.test("a token endpoint's CR/LF/NUL tokens are refused on receipt and reach no output", async () => {
  await using server = await startDevServer();
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  const before = await readFile(join(home.configDir, "auth.conf"), "utf8");
  await server.setTokenMode("control-chars");
  const refresh = await twg(home, ["auth", "refresh", "--force", "--json"]);
  expectExit(refresh, 5);
  assert.match(refresh.stderr, /not a valid bearer token/);
  assert.equal(await readFile(join(home.configDir, "auth.conf"), "utf8"), before);
  await server.setTokenMode("normal");
  await assertNowhere(home, "hostile-ACCESS", [refresh]);
});

for (
  const [name, token] of [
    ["NUL", "pasted-SECRET-9e1\u0000tail"],
    ["CR/LF", "pasted-SECRET-9e1\r\nX-Injected: yes"],
    ["a space", "pasted-SECRET-9e1 Basic"],
  ]
) {
  Deno.test(`login --with-token refuses a token with ${name} and never echoes it`, async () => {
    await using server = await startDevServer();
    await using home = await makeHome(server);
    const given = await twg(home, ["login", "--with-token"], { stdin: token! });
    expectExit(given, 2);
    await assertNowhere(home, "pasted-SECRET", [given]);
  });
}

Deno.test("TWG_OAUTH_ACCESS_TOKEN with a NUL is refused before any header is built", async () => {
  await using server = await startDevServer();
  await using home = await makeHome(server);
  const result = await twg(home, ["api", "rest/api/3/myself"], {
    env: { TWG_OAUTH_ACCESS_TOKEN: "env-SECRET-c4\u0001tail" },
  });
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /TWG_OAUTH_ACCESS_TOKEN is not a valid bearer token/);
  assert.ok(!result.stderr.includes("env-SECRET") && !result.stdout.includes("env-SECRET"));
});

Deno.test("a runtime error that quotes a header value is shown without it", async () => {
  await using env = fakeEnv({
    fetch: () => Promise.reject(new TypeError('Invalid header value: "Bearer leak-SECRET\r\nX"')),
    vars: { TWG_OAUTH_ACCESS_TOKEN: "fine-token", TWG_API_URL: "https://api.example.test" },
  });
  const code = await runCli(env, ["api", "x"]);
  assert.notEqual(code, 0);
  assert.ok(!env.stderrText().includes("leak-SECRET"), env.stderrText());
  assert.ok(!env.stdoutText().includes("leak-SECRET"), env.stdoutText());
});

Deno.test("b64token: what RFC 6750 allows and nothing else", () => {
  for (const good of ["abc", "a.b-c_d~e+f/g==", "eyJ0.eyJ1.sig"]) {
    assert.ok(isBearerTokenSyntax(good));
  }
  for (const bad of ["", "a b", "a\r\nb", "a\u0000", "=abc", "a=b", "é", "a\tb", "a,b"]) {
    assert.ok(!isBearerTokenSyntax(bad), JSON.stringify(bad));
    assert.throws(() => bearerAuthorization(bad, "the token"), (error: Error) => {
      return !error.message.includes(bad || "\u0001");
    });
  }
  assert.equal(
    withoutHeaderValues('Headers.append: "Bearer x\ny" is an invalid header value.')
      .includes("x"),
    false,
  );
});
