/**
 * The development authorization server, exercised with plain `fetch` the way
 * twg will use it: discovery, the device flow, rotation with reuse detection,
 * revocation, the resource routes and the faults the admin API injects.
 */
import assert from "node:assert/strict";
import { setTimeout as delay } from "node:timers/promises";
import { createRemoteJWKSet, jwtVerify } from "jose";
import { type DevServer, startDevServer } from "./fixtures/dev_server_client.ts";

const DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code";
const SCOPE = "openid profile email offline_access";

interface Metadata {
  issuer: string;
  device_authorization_endpoint: string;
  token_endpoint: string;
  revocation_endpoint: string;
  userinfo_endpoint: string;
  jwks_uri: string;
  grant_types_supported: string[];
}

interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
  interval: number;
}

interface TokenResponse {
  access_token: string;
  refresh_token: string;
  id_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
}

interface JsonResponse {
  status: number;
  body: Record<string, unknown>;
}

async function getJson(
  url: string,
  accessToken?: string,
): Promise<{ status: number; body: unknown }> {
  const response = await fetch(url, {
    headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
  });
  return { status: response.status, body: await response.json() };
}

async function discover(server: DevServer): Promise<Metadata> {
  const { status, body } = await getJson(`${server.issuer}/.well-known/openid-configuration`);
  assert.equal(status, 200);
  return body as Metadata;
}

async function postForm(url: string, params: Record<string, string>): Promise<JsonResponse> {
  const response = await fetch(url, { method: "POST", body: new URLSearchParams(params) });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : {} };
}

async function startDeviceAuthorization(server: DevServer, metadata: Metadata) {
  const { status, body } = await postForm(metadata.device_authorization_endpoint, {
    client_id: server.clientId,
    scope: SCOPE,
  });
  assert.equal(status, 200);
  return body as unknown as DeviceAuthorization;
}

/** One poll of the token endpoint, after waiting the interval as RFC 8628 §3.5 asks. */
async function poll(
  server: DevServer,
  metadata: Metadata,
  authorization: DeviceAuthorization,
): Promise<JsonResponse> {
  await delay(authorization.interval * 1000);
  return postForm(metadata.token_endpoint, {
    client_id: server.clientId,
    grant_type: DEVICE_CODE_GRANT,
    device_code: authorization.device_code,
  });
}

async function login(server: DevServer, metadata: Metadata): Promise<TokenResponse> {
  const authorization = await startDeviceAuthorization(server, metadata);
  await server.approve(authorization.user_code);
  const { status, body } = await poll(server, metadata, authorization);
  assert.equal(status, 200, JSON.stringify(body));
  return body as unknown as TokenResponse;
}

function refresh(server: DevServer, metadata: Metadata, refreshToken: string) {
  return postForm(metadata.token_endpoint, {
    client_id: server.clientId,
    grant_type: "refresh_token",
    refresh_token: refreshToken,
  });
}

Deno.test("discovery serves the same metadata at the OpenID and RFC 8414 addresses", async () => {
  await using server = await startDevServer();
  const openid = await discover(server);
  const rfc8414 = await getJson(`${server.issuer}/.well-known/oauth-authorization-server`);

  assert.equal(rfc8414.status, 200);
  assert.deepEqual(rfc8414.body, openid);
  assert.match(server.issuer, /^http:\/\/127\.0\.0\.1:\d+$/);
  assert.equal(openid.issuer, server.issuer);
  assert.equal(openid.device_authorization_endpoint, `${server.issuer}/device/auth`);
  assert.ok(openid.grant_types_supported.includes(DEVICE_CODE_GRANT));
  assert.ok(openid.revocation_endpoint);
});

Deno.test("without RFC 8414 only OpenID discovery answers, and --resources-fail answers 500", async () => {
  await using server = await startDevServer({ rfc8414: false, resourcesFail: true });

  const rfc8414 = await getJson(`${server.issuer}/.well-known/oauth-authorization-server`);
  assert.equal(rfc8414.status, 404);
  assert.equal((await discover(server)).issuer, server.issuer);
  assert.equal((await getJson(server.resourcesUrl, "any")).status, 500);
});

Deno.test("startDevServer reports a server that cannot start, with its stderr", async () => {
  await assert.rejects(
    startDevServer({ sites: -1 }),
    /Cannot start the dev server: the process exited.*\n[\s\S]*Invalid --sites/,
  );
});

Deno.test("device flow: approval, ID token, resources, rotation and reuse detection", async (t) => {
  await using server = await startDevServer({ interval: 1, sites: 2 });
  const metadata = await discover(server);
  const authorization = await startDeviceAuthorization(server, metadata);
  let tokens: TokenResponse;

  await t.step("the device authorization carries the configured interval", () => {
    assert.equal(authorization.interval, 1);
    assert.equal(authorization.expires_in, 600);
    assert.match(authorization.user_code, /^[A-Z]{4}-[A-Z]{4}$/);
    assert.equal(authorization.verification_uri, `${server.issuer}/device`);
  });

  await t.step("the browser verification page is served", async () => {
    const response = await fetch(authorization.verification_uri);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /<form[\s\S]*name="user_code"/);
  });

  await t.step("polling before approval is pending", async () => {
    const { status, body } = await poll(server, metadata, authorization);
    assert.equal(status, 400);
    assert.equal(body.error, "authorization_pending");
  });

  await t.step("approval accepts the user code in any case, without its dash", async () => {
    await server.approve(authorization.user_code.replace("-", "").toLowerCase());
    const { status, body } = await poll(server, metadata, authorization);
    assert.equal(status, 200, JSON.stringify(body));
    tokens = body as unknown as TokenResponse;
    assert.equal(tokens.token_type, "Bearer");
    assert.equal(tokens.expires_in, 3600);
    assert.equal(tokens.scope, SCOPE);
    assert.ok(tokens.refresh_token);
  });

  await t.step("the ID token verifies against the JWKS and names the user", async () => {
    const jwks = createRemoteJWKSet(new URL(metadata.jwks_uri));
    const { payload, protectedHeader } = await jwtVerify(tokens.id_token, jwks, {
      issuer: server.issuer,
      audience: server.clientId,
    });
    assert.equal(protectedHeader.alg, "RS256");
    assert.equal(payload.sub, "user-1");
    assert.equal(payload.name, "Ada Lovelace");
    assert.equal(payload.email, "ada@example.test");
  });

  await t.step("userinfo, resources and the API accept the access token", async () => {
    const userinfo = await getJson(metadata.userinfo_endpoint, tokens.access_token);
    assert.deepEqual(userinfo, {
      status: 200,
      body: {
        sub: "user-1",
        name: "Ada Lovelace",
        preferred_username: "ada",
        email: "ada@example.test",
        email_verified: true,
      },
    });

    assert.deepEqual(await getJson(server.resourcesUrl, tokens.access_token), {
      status: 200,
      body: [
        { id: "site-1", url: "https://example-1.atlassian.test", name: "Example One" },
        { id: "site-2", url: "https://example-2.atlassian.test", name: "Example Two" },
      ],
    });

    const api = await fetch(`${server.apiUrl.replace("{siteId}", "site-2")}/rest/api/3/issue?x=1`, {
      method: "PUT",
      headers: {
        authorization: `Bearer ${tokens.access_token}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ summary: "hello" }),
    });
    assert.deepEqual(await api.json(), {
      ok: true,
      sub: "user-1",
      siteId: "site-2",
      path: "/rest/api/3/issue",
      query: "x=1",
      method: "PUT",
      body: { summary: "hello" },
    });
  });

  await t.step("resources and the API reject a missing or unknown token", async () => {
    assert.equal((await getJson(server.resourcesUrl)).status, 401);
    const api = await getJson(server.apiUrl.replace("{siteId}", "site-1") + "/x", "not-a-token");
    assert.equal(api.status, 401);
    assert.equal((api.body as Record<string, unknown>).error, "invalid_token");
    const unknownSite = await getJson(
      `${server.apiUrl.replace("{siteId}", "site-9")}/x`,
      tokens.access_token,
    );
    assert.equal(unknownSite.status, 404);
  });

  await t.step("a refresh rotates the refresh token, and reuse revokes the grant", async () => {
    const rotated = await refresh(server, metadata, tokens.refresh_token);
    assert.equal(rotated.status, 200);
    const newTokens = rotated.body as unknown as TokenResponse;
    assert.notEqual(newTokens.refresh_token, tokens.refresh_token);
    assert.notEqual(newTokens.access_token, tokens.access_token);
    assert.deepEqual(await server.lastTokens(), {
      accessToken: newTokens.access_token,
      refreshToken: newTokens.refresh_token,
    });

    const reused = await refresh(server, metadata, tokens.refresh_token);
    assert.equal(reused.status, 400);
    assert.equal(reused.body.error, "invalid_grant");

    const afterReuse = await refresh(server, metadata, newTokens.refresh_token);
    assert.equal(afterReuse.status, 400);
    assert.equal(afterReuse.body.error, "invalid_grant");
    assert.equal((await getJson(server.resourcesUrl, newTokens.access_token)).status, 401);
  });

  await t.step("stats count every request", async () => {
    assert.deepEqual(await server.stats(), {
      deviceAuthorizations: 1,
      tokenRequests: 5,
      refreshRequests: 3,
      refreshSuccesses: 1,
      invalidGrants: 2,
      revocations: 0,
      userinfoRequests: 1,
      resourcesRequests: 3,
      apiRequests: 3,
    });
    await server.resetStats();
    assert.equal((await server.stats()).tokenRequests, 0);
  });
});

Deno.test("a denied device authorization ends in access_denied", async () => {
  await using server = await startDevServer({ interval: 1 });
  const metadata = await discover(server);
  const authorization = await startDeviceAuthorization(server, metadata);

  await server.deny(authorization.user_code);
  const { status, body } = await poll(server, metadata, authorization);

  assert.equal(status, 400);
  assert.equal(body.error, "access_denied");
  await assert.rejects(server.approve(authorization.user_code), /409/);
  await assert.rejects(server.approve("BBBB-BBBB"), /404 .*Unknown user code/);
});

Deno.test("approval as another account derives the user's name", async () => {
  await using server = await startDevServer({ interval: 1 });
  const metadata = await discover(server);
  const authorization = await startDeviceAuthorization(server, metadata);

  await server.approve(authorization.user_code, "grace.hopper");
  const { body } = await poll(server, metadata, authorization);
  const userinfo = await getJson(metadata.userinfo_endpoint, String(body.access_token));

  assert.deepEqual(userinfo.body, {
    sub: "grace.hopper",
    name: "Grace Hopper",
    preferred_username: "grace.hopper",
    email: "grace.hopper@example.test",
    email_verified: true,
  });
});

Deno.test("revoking the refresh token ends the grant and is counted", async () => {
  await using server = await startDevServer({ interval: 1 });
  const metadata = await discover(server);
  const tokens = await login(server, metadata);

  const revoked = await postForm(metadata.revocation_endpoint, {
    client_id: server.clientId,
    token: tokens.refresh_token,
    token_type_hint: "refresh_token",
  });
  assert.equal(revoked.status, 200);

  const refreshed = await refresh(server, metadata, tokens.refresh_token);
  assert.equal(refreshed.body.error, "invalid_grant");
  const stats = await server.stats();
  assert.equal(stats.revocations, 1);
  assert.equal(stats.invalidGrants, 1);
});

Deno.test("access tokens expire after --access-token-ttl", async () => {
  await using server = await startDevServer({ interval: 1, accessTokenTtl: 2 });
  const metadata = await discover(server);
  const tokens = await login(server, metadata);
  const siteApi = `${server.apiUrl.replace("{siteId}", "site-1")}/rest/api/3/myself`;

  assert.equal(tokens.expires_in, 2);
  assert.equal((await getJson(siteApi, tokens.access_token)).status, 200);
  await delay(2_100);
  assert.equal((await getJson(siteApi, tokens.access_token)).status, 401);
});

Deno.test("token modes misbehave on refresh without consuming the refresh token", async (t) => {
  await using server = await startDevServer({ interval: 1 });
  const metadata = await discover(server);
  const tokens = await login(server, metadata);
  await server.resetStats();

  const refreshRaw = () =>
    fetch(metadata.token_endpoint, {
      method: "POST",
      body: new URLSearchParams({
        client_id: server.clientId,
        grant_type: "refresh_token",
        refresh_token: tokens.refresh_token,
      }),
    });

  await t.step("500", async () => {
    await server.setTokenMode("500");
    const response = await refreshRaw();
    assert.equal(response.status, 500);
    assert.equal((await response.json()).error, "server_error");
  });

  await t.step("not-json", async () => {
    await server.setTokenMode("not-json");
    const response = await refreshRaw();
    assert.equal(response.status, 200);
    assert.match(response.headers.get("content-type") ?? "", /^text\/html/);
    assert.match(await response.text(), /^<!DOCTYPE html>/);
  });

  await t.step("huge", async () => {
    await server.setTokenMode("huge");
    const response = await refreshRaw();
    const text = await response.text();
    assert.equal(response.status, 200);
    assert.ok(text.length > 2 * 1024 * 1024, `${text.length} bytes`);
    assert.equal(typeof JSON.parse(text).access_token, "string");
  });

  await t.step("no-access-token", async () => {
    await server.setTokenMode("no-access-token");
    const response = await refreshRaw();
    assert.equal(response.status, 200);
    assert.equal("access_token" in await response.json(), false);
  });

  await t.step("the refresh token survived every fault", async () => {
    await server.setTokenMode("normal");
    const response = await refreshRaw();
    assert.equal(response.status, 200);
    tokens.refresh_token = (await response.json()).refresh_token;
  });

  await t.step("slow delays, then refreshes", async () => {
    await server.setTokenMode("slow", 400);
    const started = performance.now();
    const response = await refreshRaw();
    assert.equal(response.status, 200);
    assert.ok((await response.json()).refresh_token);
    assert.ok(performance.now() - started >= 400);
  });

  await t.step("late rotates and records first, then holds the answer back", async () => {
    // The token the slow step's rotation issued.
    const slowToken = (await server.lastTokens()).refreshToken!;
    tokens.refresh_token = slowToken;
    await server.setTokenMode("late", 600);
    const started = performance.now();
    const pending = refreshRaw();
    // Rotated at the server while the client still waits for the answer.
    while ((await server.lastTokens()).refreshToken === slowToken) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    const rotatedAt = performance.now() - started;
    const response = await pending;
    assert.equal(response.status, 200);
    const answered = (await response.json()).refresh_token;
    assert.equal(answered, (await server.lastTokens()).refreshToken);
    assert.ok(performance.now() - started >= 600);
    assert.ok(rotatedAt < 600, `rotated after ${rotatedAt} ms, before the answer`);
    tokens.refresh_token = String(answered);
    await server.setTokenMode("normal");
  });

  await t.step("faults are counted as refresh requests, not successes", async () => {
    const stats = await server.stats();
    assert.equal(stats.tokenRequests, 7);
    assert.equal(stats.refreshRequests, 7);
    assert.equal(stats.refreshSuccesses, 3);
    assert.equal(stats.invalidGrants, 0);
  });

  await t.step("an unknown mode is refused", async () => {
    // @ts-expect-error: not a TokenMode
    await assert.rejects(server.setTokenMode("teapot"), /400/);
  });
});

Deno.test("the Bitbucket API accepts only the dev token; the manifest version can be set", async () => {
  await using server = await startDevServer();

  const authorized = await getJson(`${server.bitbucketApiUrl}/2.0/user`, server.bitbucketToken);
  assert.deepEqual(authorized, { status: 200, body: { ok: true, path: "/2.0/user" } });
  assert.match(server.bitbucketToken, /^bbdev-/);
  assert.equal((await getJson(`${server.bitbucketApiUrl}/2.0/user`, "bbdev-wrong")).status, 401);

  const initial = await getJson(server.manifestUrl);
  assert.deepEqual(
    { ...initial.body as object, released: "?" },
    {
      version: "0.1.0",
      released: "?",
      notes: `${server.issuer}/CHANGELOG.md`,
      npm: "@twg/cli",
      artifacts: {},
    },
  );
  await server.setManifestVersion("0.2.0");
  assert.equal(((await getJson(server.manifestUrl)).body as { version: string }).version, "0.2.0");
  assert.equal(server.env.TWG_UPDATE_MANIFEST_URL, server.manifestUrl);
  assert.equal(server.env.TWG_API_URL, `${server.issuer}/api/{siteId}`);
});
