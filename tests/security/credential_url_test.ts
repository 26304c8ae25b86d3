/**
 * Attack: a credential sent over plain http to a host that is not this
 * machine's loopback. The listener below binds this machine's own
 * non-loopback address (never another machine's) and counts what reaches it:
 * with the check in the HTTP layer, nothing does.
 */
import assert from "node:assert/strict";
import { configPaths } from "../../src/config/paths.ts";
import { emptyCredentials } from "../../src/credentials/auth_conf.ts";
import { saveCredentials } from "../../src/credentials/store.ts";
import { refreshIfDue } from "../../src/auth/refresh.ts";
import { runApi } from "../../src/commands/api.ts";
import { revokeToken } from "../../src/oauth/revoke.ts";
import { fetchSites } from "../../src/oauth/identity.ts";
import { fakeEnv } from "../_fake_env.ts";

/** This machine's first non-loopback IPv4 address, or null. */
function ownNonLoopbackAddress(): string | null {
  const found = Deno.networkInterfaces().find((entry) =>
    entry.family === "IPv4" && !entry.address.startsWith("127.")
  );
  return found?.address ?? null;
}

const address = ownNonLoopbackAddress();
const skipReason = address ? null : "this machine has no non-loopback IPv4 address to listen on";
if (skipReason && Deno.env.get("CI") === "true") throw new Error(`Cannot run in CI: ${skipReason}`);
/** The test's name, with the reason it is skipped when it is. */
const named = (name: string) => skipReason ? `${name} (skipped: ${skipReason})` : name;

/** A listener on this machine's own address that records every request. */
function listen() {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: address!, port: 0, onListen: () => {} }, (request) => {
    seen.push(
      `${request.method} ${new URL(request.url).pathname} ${
        request.headers.get("authorization") ?? ""
      }`,
    );
    return Response.json([]);
  });
  return {
    seen,
    base: `http://${address}:${server.addr.port}`,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

const realFetch: typeof fetch = (input, init) => globalThis.fetch(input, init);

Deno.test({
  name: named("an http resources URL on a non-loopback address never receives the bearer token"),
  ignore: skipReason !== null,
  async fn() {
    await using server = listen();
    await using env = fakeEnv({ fetch: realFetch });
    await assert.rejects(
      fetchSites(env, `${server.base}/resources`, "secret-access"),
      /must use https/,
    );
    assert.deepEqual(server.seen, []);
  },
});

Deno.test({
  name: named("twg api with an http API URL on a non-loopback address sends nothing"),
  ignore: skipReason !== null,
  async fn() {
    await using server = listen();
    await using env = fakeEnv({
      fetch: realFetch,
      vars: { TWG_BITBUCKET_API_URL: `${server.base}/2.0`, TWG_BBC_TOKEN: "secret-bitbucket" },
    });
    await assert.rejects(
      runApi(env, {
        path: "user",
        method: undefined,
        headers: [],
        data: undefined,
        rawFields: [],
        fields: [],
        input: undefined,
        include: false,
        silent: false,
        paginate: false,
        slurp: false,
        jq: undefined,
        bitbucket: true,
      }),
      /must use https/,
    );
    assert.deepEqual(server.seen, []);
  },
});

Deno.test({
  name: named(
    "a stored http token endpoint on a non-loopback address never receives the refresh token",
  ),
  ignore: skipReason !== null,
  async fn() {
    await using server = listen();
    await using env = fakeEnv({ fetch: realFetch });
    const paths = configPaths(env);
    await saveCredentials(env, paths.authConf, {
      ...emptyCredentials(),
      oauth: {
        accessToken: "secret-access",
        refreshToken: "secret-refresh",
        tokenType: "Bearer",
        scope: null,
        obtainedAt: new Date(env.now()).toISOString(),
        expiresIn: 1000,
        issuer: "https://auth.example.test",
        clientId: "client",
        tokenEndpoint: `${server.base}/token`,
        revocationEndpoint: null,
        rejectedAt: null,
      },
    });
    await assert.rejects(refreshIfDue(env, paths, { force: true }));
    assert.deepEqual(server.seen, []);
  },
});

Deno.test({
  name: named("revocation at an http endpoint on a non-loopback address sends nothing"),
  ignore: skipReason !== null,
  async fn() {
    await using server = listen();
    await using env = fakeEnv({ fetch: realFetch });
    assert.equal(
      await revokeToken(env, `${server.base}/revoke`, "client", "secret-refresh", "refresh_token"),
      false,
    );
    assert.deepEqual(server.seen, []);
  },
});

Deno.test("loopback http still receives the token (the dev server's case)", async () => {
  const seen: string[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (request) => {
    seen.push(request.headers.get("authorization") ?? "");
    return Response.json([]);
  });
  try {
    await using env = fakeEnv({ fetch: realFetch });
    await fetchSites(env, `http://127.0.0.1:${server.addr.port}/resources`, "access");
    assert.deepEqual(seen, ["Bearer access"]);
  } finally {
    await server.shutdown();
  }
});
