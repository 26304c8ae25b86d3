import assert from "node:assert/strict";
import { configPaths } from "../../src/config/paths.ts";
import { emptyCredentials } from "../../src/credentials/auth_conf.ts";
import { saveCredentials } from "../../src/credentials/store.ts";
import { runCli } from "../../src/main.ts";
import { FAKE_NOW, type FakeEnv, fakeEnv } from "../_fake_env.ts";
import { oauthTokens } from "../_tokens.ts";

async function signIn(env: FakeEnv): Promise<void> {
  await saveCredentials(env, configPaths(env).authConf, {
    ...emptyCredentials(),
    oauth: oauthTokens(FAKE_NOW, {
      expiresIn: 3600,
      consentExpiresAt: new Date(FAKE_NOW + 200 * 86_400_000).toISOString(),
    }),
    user: { id: "u", name: "Ada Lovelace", email: "ada@example.test" },
    site: { id: "site-1", url: "https://example.atlassian.test", name: "Example" },
  });
}

Deno.test("doctor --basic: first line Auth source, offline, exit 0 when signed in", async () => {
  await using env = fakeEnv();
  await signIn(env);
  assert.equal(await runCli(env, ["doctor", "--basic"]), 0);
  const lines = env.stdoutText().trimEnd().split("\n");
  assert.match(lines[0]!, /^Auth source: OAuth sign-in, file backend, ~\/\.config\/twg$/);
  assert.ok(lines.includes("User: Ada Lovelace (ada@example.test)"));
  assert.ok(lines.some((line) => /^Consent: expires .* \(in 200 days\)$/.test(line)));
  assert.ok(lines.length <= 8, "short");
  assert.equal(env.requests.length, 0, "offline");
  assert.deepEqual(env.calls, [], "runs nothing");
});

Deno.test("doctor --basic names the environment token, or none with the fix", async () => {
  await using fromEnv = fakeEnv({ vars: { TWG_OAUTH_ACCESS_TOKEN: "ci-token" } });
  assert.equal(await runCli(fromEnv, ["doctor", "--basic"]), 0);
  assert.match(fromEnv.stdoutText(), /^Auth source: environment \(TWG_OAUTH_ACCESS_TOKEN\)\n/);
  assert.ok(!fromEnv.stdoutText().includes("ci-token"));
  await using none = fakeEnv();
  assert.equal(await runCli(none, ["doctor", "--basic", "--json"]), 3);
  assert.equal(JSON.parse(none.stdoutText()).authSource, "none");
  await using text = fakeEnv();
  await runCli(text, ["doctor", "--basic"]);
  assert.match(text.stdoutText(), /^Auth source: none: run "twg login"\n/);
});
