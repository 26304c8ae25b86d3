import assert from "node:assert/strict";
import { signInStateOf } from "../../src/auth/sign_in_state.ts";
import { type Credentials, emptyCredentials } from "../../src/credentials/auth_conf.ts";
import { FAKE_NOW, fakeEnv } from "../_fake_env.ts";

function stored(overrides: Partial<NonNullable<Credentials["oauth"]>> = {}): Credentials {
  return {
    ...emptyCredentials(),
    oauth: {
      accessToken: "access-1",
      refreshToken: "refresh-1",
      tokenType: "Bearer",
      scope: null,
      obtainedAt: new Date(FAKE_NOW).toISOString(),
      expiresIn: 1000,
      issuer: "https://auth.example.test",
      clientId: "c",
      tokenEndpoint: "https://auth.example.test/token",
      revocationEndpoint: null,
      rejectedAt: null,
      ...overrides,
    },
  };
}

Deno.test("the sign-in state: fresh, then due at 75%, then expired", async () => {
  await using env = fakeEnv();
  const fresh = signInStateOf(env, stored());
  assert.equal(fresh.storedMethod, "oauth");
  assert.equal(fresh.isRefreshDue, false);
  assert.equal(fresh.isExpired, false);
  assert.equal(fresh.usableAccessToken, "access-1");
  assert.equal(fresh.refreshDueAt, new Date(FAKE_NOW + 750_000).toISOString());
  env.advance(750_000);
  assert.equal(signInStateOf(env, stored()).isRefreshDue, true);
  env.advance(250_000);
  const expired = signInStateOf(env, stored());
  assert.equal(expired.isExpired, true);
  assert.equal(expired.usableAccessToken, null);
});

Deno.test("a rejected sign-in is neither usable nor due; a given token has no refresh time", async () => {
  await using env = fakeEnv();
  const rejected = signInStateOf(env, stored({ rejectedAt: new Date(FAKE_NOW).toISOString() }));
  assert.equal(rejected.isStoredUsable, false);
  assert.equal(rejected.isRejected, true);
  assert.equal(rejected.isRefreshDue, null);
  assert.equal(rejected.usableAccessToken, null);
  const given = signInStateOf(env, stored({ method: "token", refreshToken: null, expiresIn: 0 }));
  assert.equal(given.storedMethod, "token");
  assert.equal(given.isRefreshable, false);
  assert.equal(given.refreshDueAt, null);
  assert.equal(given.expiresAt, null);
  assert.equal(given.usableAccessToken, "access-1");
});

Deno.test("the environment's token wins and is named, never shown", async () => {
  await using env = fakeEnv({ vars: { TWG_OAUTH_ACCESS_TOKEN: "from-env", TWG_BBC_TOKEN: "bb" } });
  const state = signInStateOf(env, null);
  assert.equal(state.envTokenVariable, "TWG_OAUTH_ACCESS_TOKEN");
  assert.equal(state.usableAccessToken, "from-env");
  assert.equal(state.bitbucketToken, "env");
  assert.equal(state.storedMethod, null);
});
