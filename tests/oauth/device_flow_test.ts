import assert from "node:assert/strict";
import {
  type DeviceAuthorization,
  DeviceFlowError,
  pollForToken,
  requestDeviceAuthorization,
} from "../../src/oauth/device_flow.ts";
import { fakeEnv, jsonResponse } from "../_fake_env.ts";

const tokenEndpoint = "https://auth.example.test/token";

function authorization(
  now: number,
  overrides: Partial<DeviceAuthorization> = {},
): DeviceAuthorization {
  return {
    deviceCode: "device-code",
    userCode: "ABCD-EFGH",
    verificationUri: "https://auth.example.test/device",
    verificationUriComplete: null,
    expiresAt: now + 600_000,
    intervalSeconds: 5,
    ...overrides,
  };
}

/** Answers the polls in order, recording the clock at each one. */
async function pollWith(answers: (() => Response)[], overrides: Partial<DeviceAuthorization> = {}) {
  const pollTimes: number[] = [];
  let next = 0;
  await using env = fakeEnv({
    respond: () => {
      pollTimes.push(env.now());
      const answer = answers[Math.min(next++, answers.length - 1)]!;
      return answer();
    },
  });
  const start = env.now();
  const result = pollForToken(env, {
    tokenEndpoint,
    clientId: "client",
    authorization: authorization(start, overrides),
  });
  const settled: { value?: Awaited<typeof result>; error?: unknown } = await result.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  return {
    ...settled,
    gaps: pollTimes.map((time, index) => (time - (index ? pollTimes[index - 1]! : start)) / 1000),
    env,
  };
}

const pending = () => jsonResponse({ error: "authorization_pending" }, 400);
const slowDown = () => jsonResponse({ error: "slow_down" }, 400);
const granted = () =>
  jsonResponse({ access_token: "at", refresh_token: "rt", token_type: "Bearer", expires_in: 60 });

Deno.test("the interval is 5 s when the server gives none", async () => {
  await using env = fakeEnv({
    respond: () =>
      jsonResponse({
        device_code: "d",
        user_code: "U",
        verification_uri: "https://x.test/d",
        expires_in: 300,
      }),
  });
  const result = await requestDeviceAuthorization(
    env,
    "https://x.test/device",
    "client",
    "openid offline_access",
  );
  assert.equal(result.intervalSeconds, 5);
  assert.equal(result.expiresAt, env.now() + 300_000);
  assert.equal(new URLSearchParams(env.requests[0]!.body).get("scope"), "openid offline_access");
});

Deno.test("polling waits the interval between polls", async () => {
  const { value, gaps } = await pollWith([pending, pending, granted], { intervalSeconds: 5 });
  assert.equal(value?.accessToken, "at");
  assert.deepEqual(gaps, [5, 5, 5]);
});

Deno.test("polling honours the server's interval", async () => {
  const { gaps } = await pollWith([pending, granted], { intervalSeconds: 2 });
  assert.deepEqual(gaps, [2, 2]);
});

Deno.test("slow_down adds 5 s each time and the slower interval stays", async () => {
  const { value, gaps } = await pollWith([slowDown, slowDown, pending, pending, granted]);
  assert.equal(value?.refreshToken, "rt");
  assert.deepEqual(gaps, [5, 10, 15, 15, 15]);
});

for (const error of ["expired_token", "access_denied", "invalid_grant"]) {
  Deno.test(`polling stops on ${error}`, async () => {
    const { error: thrown, gaps } = await pollWith([
      pending,
      () => jsonResponse({ error }, 400),
      granted,
    ]);
    assert.ok(thrown instanceof DeviceFlowError, String(thrown));
    assert.equal(gaps.length, 2, "no poll after the final answer");
  });
}

Deno.test("a 5xx answer backs off and keeps the code", async () => {
  const { value, gaps } = await pollWith([
    () => new Response("oops", { status: 503 }),
    pending,
    granted,
  ]);
  assert.equal(value?.accessToken, "at");
  assert.deepEqual(
    gaps,
    [5, 10, 5],
    "doubled after the 5xx, back to the interval after a real answer",
  );
});

Deno.test("a network error backs off and keeps the code", async () => {
  const { value, gaps } = await pollWith([
    () => {
      throw new TypeError("fetch failed");
    },
    () => {
      throw new TypeError("fetch failed");
    },
    granted,
  ]);
  assert.equal(value?.accessToken, "at");
  assert.deepEqual(gaps, [5, 10, 20]);
});

Deno.test("polling gives up when the code's own lifetime runs out", async () => {
  const { error, gaps } = await pollWith([pending], {
    expiresAt: Date.parse("2026-11-28T12:00:12Z"),
  });
  assert.ok(error instanceof DeviceFlowError);
  assert.match((error as Error).message, /expired/);
  assert.deepEqual(gaps, [5, 5], "a third poll would land after the expiry");
});

Deno.test("a token answer without access_token is refused", async () => {
  const { error } = await pollWith([() => jsonResponse({ token_type: "Bearer" })]);
  assert.match(String(error), /without an access token/);
});

Deno.test("an interrupt ends the wait", async () => {
  const controller = new AbortController();
  await using env = fakeEnv({ respond: pending });
  controller.abort(new DOMException("Interrupted", "AbortError"));
  await assert.rejects(
    pollForToken(env, {
      tokenEndpoint,
      clientId: "c",
      authorization: authorization(env.now()),
      signal: controller.signal,
    }),
    (error: unknown) => error instanceof DOMException && error.name === "AbortError",
  );
  assert.equal(env.requests.length, 0);
});
