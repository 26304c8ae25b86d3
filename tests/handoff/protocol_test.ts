import assert from "node:assert/strict";
import {
  errorAnswerLine,
  parseAnswer,
  parseRequest,
  requestLine,
  RequestRefusal,
  tokenAnswerLine,
} from "../../src/handoff/protocol.ts";
import { brokerAnswerer, tokenBucket } from "../../src/broker/server.ts";
import { configPaths } from "../../src/config/paths.ts";
import { fakeEnv } from "../_fake_env.ts";

const document = {
  version: 1 as const,
  token: "at-1",
  expiresAt: "2026-11-28T13:00:00.000Z",
  tokenType: "Bearer",
  site: "https://example.atlassian.net",
  cloudId: "site-1",
  issuer: "https://auth.example.com",
};

function refusalCode(line: string): string | undefined {
  try {
    parseRequest(line);
    return undefined;
  } catch (error) {
    return error instanceof RequestRefusal ? error.code : "thrown";
  }
}

Deno.test("a request names nothing but its version, its op and the lifetime it wants", () => {
  assert.deepEqual(parseRequest(requestLine({ op: "token", minValidSeconds: 90 })), {
    op: "token",
    minValidSeconds: 90,
  });
  assert.deepEqual(parseRequest('{"v":1,"op":"status"}'), { op: "status", minValidSeconds: 0 });
  assert.equal(
    refusalCode('{"v":1,"op":"token","issuer":"https://evil.example"}'),
    "unknown-field",
  );
  assert.equal(refusalCode('{"v":1,"op":"token","tokenEndpoint":"x"}'), "unknown-field");
  assert.equal(refusalCode('{"v":1,"op":"token","file":"/etc/passwd"}'), "unknown-field");
  assert.equal(refusalCode('{"v":2,"op":"token"}'), "unsupported-version");
  assert.equal(refusalCode('{"v":1,"op":"refresh"}'), "malformed");
  assert.equal(refusalCode('{"v":1,"op":"token","minValidSeconds":-1}'), "malformed");
  assert.equal(refusalCode('{"v":1,"op":"token","minValidSeconds":1.5}'), "malformed");
  assert.equal(refusalCode("[1]"), "malformed");
  assert.equal(refusalCode("not json"), "malformed");
});

Deno.test("an answer carries the access token and never a refresh token; a refusal is an error", () => {
  const line = tokenAnswerLine(document);
  assert.equal(JSON.parse(line).refreshToken, undefined);
  assert.deepEqual(parseAnswer(line), document);
  assert.throws(() => parseAnswer(errorAnswerLine("rate-limited", "Too many")), /Too many/);
  assert.throws(() => parseAnswer('{"v":1,"ok":true,"token":"has space"}'), /wrong shape/);
});

Deno.test("the rate limit allows a burst, then refuses, then refills with time", () => {
  const env = fakeEnv();
  const bucket = tokenBucket(env, { perSecond: 2, burst: 3 });
  assert.deepEqual([bucket.take(), bucket.take(), bucket.take(), bucket.take()], [
    true,
    true,
    true,
    false,
  ]);
  env.advance(500);
  assert.equal(bucket.take(), true);
  assert.equal(bucket.take(), false);
});

Deno.test("the keeper refuses an oversized or unknown request before reading any credential", async () => {
  await using env = fakeEnv();
  const answer = brokerAnswerer(env, configPaths(env), new AbortController().signal);
  assert.equal(JSON.parse(await answer(null)).error.code, "too-large");
  assert.equal(JSON.parse(await answer('{"v":1,"op":"token","x":1}')).error.code, "unknown-field");
  assert.equal(JSON.parse(await answer('{"v":1,"op":"status"}')).status, "running");
  // No credentials here: a valid token request is answered with the store's error.
  assert.equal(JSON.parse(await answer('{"v":1,"op":"token"}')).error.code, "not-logged-in");
  assert.equal(env.requests.length, 0);
});

Deno.test("a request may name a profile: a valid name only, never a path", () => {
  assert.deepEqual(
    parseRequest(requestLine({ op: "token", minValidSeconds: 0, profile: "work" })),
    { op: "token", minValidSeconds: 0, profile: "work" },
  );
  // The default profile is asked for without the field, as an older keeper expects.
  assert.equal(requestLine({ op: "token", minValidSeconds: 0 }).includes("profile"), false);
  for (const bad of ["../x", "a/b", "..", "", "x".repeat(41), 7, null]) {
    assert.equal(
      refusalCode(JSON.stringify({ v: 1, op: "token", profile: bad })),
      "malformed",
      String(bad),
    );
  }
});
