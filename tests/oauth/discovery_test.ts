import assert from "node:assert/strict";
import { discover, metadataUrls } from "../../src/oauth/discovery.ts";
import { UsageError } from "../../src/errors.ts";
import { runCli } from "../../src/main.ts";
import { fakeEnv, jsonResponse } from "../_fake_env.ts";

const issuer = "https://auth.example.test";
const metadata = {
  issuer,
  token_endpoint: `${issuer}/token`,
  device_authorization_endpoint: `${issuer}/device`,
  jwks_uri: `${issuer}/jwks`,
};

Deno.test("RFC 8414 metadata is tried first, at the well-known path before the issuer's path", () => {
  assert.deepEqual(metadataUrls("https://auth.example.test/tenant"), [
    "https://auth.example.test/.well-known/oauth-authorization-server/tenant",
    "https://auth.example.test/tenant/.well-known/openid-configuration",
  ]);
});

Deno.test("discovery falls back from RFC 8414 to OpenID discovery", async () => {
  await using env = fakeEnv({
    respond: (request) =>
      request.url.endsWith("/.well-known/openid-configuration")
        ? jsonResponse(metadata)
        : jsonResponse({ error: "not_found" }, 404),
  });
  const result = await discover(env, issuer);
  assert.equal(result.tokenEndpoint, `${issuer}/token`);
  assert.deepEqual(env.requests.map((request) => new URL(request.url).pathname), [
    "/.well-known/oauth-authorization-server",
    "/.well-known/openid-configuration",
  ]);
});

Deno.test("metadata naming another issuer is refused", async () => {
  await using env = fakeEnv({
    respond: () => jsonResponse({ ...metadata, issuer: "https://evil.test" }),
  });
  await assert.rejects(discover(env, issuer), /names issuer https:\/\/evil\.test/);
});

Deno.test("an insecure endpoint in the metadata is refused", async () => {
  await using env = fakeEnv({
    respond: () => jsonResponse({ ...metadata, token_endpoint: "http://evil.test/token" }),
  });
  await assert.rejects(discover(env, issuer), /must use https/);
});

for (
  const insecure of ["http://auth.example.test", "http://10.0.0.5:8080", "ftp://auth.example.test"]
) {
  Deno.test(`a non-https issuer other than loopback is refused: ${insecure}`, async () => {
    await using env = fakeEnv();
    await assert.rejects(discover(env, insecure), UsageError);
    assert.equal(env.requests.length, 0, "nothing is sent to it");
    const code = await runCli(env, ["doctor", "--json"]);
    assert.equal(code, 1);
  });
}

for (const loopback of ["http://127.0.0.1:4000", "http://localhost:4000", "http://[::1]:4000"]) {
  Deno.test(`plain http is accepted for the loopback issuer ${loopback}`, async () => {
    await using env = fakeEnv({
      respond: () =>
        jsonResponse({ ...metadata, issuer: loopback, token_endpoint: `${loopback}/token` }),
    });
    assert.equal((await discover(env, loopback)).tokenEndpoint, `${loopback}/token`);
  });
}
