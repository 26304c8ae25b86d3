import assert from "node:assert/strict";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import { verifyIdToken } from "../../src/oauth/id_token.ts";
import { displayNameOf } from "../../src/oauth/claims.ts";
import { NetworkError } from "../../src/errors.ts";
import { FAKE_NOW, fakeEnv, jsonResponse } from "../_fake_env.ts";

const issuer = "https://auth.example.test";
const jwksUri = `${issuer}/jwks`;
const { privateKey, publicKey } = await generateKeyPair("ES256");
const jwks = { keys: [{ ...(await exportJWK(publicKey)), kid: "k1", alg: "ES256", use: "sig" }] };

function idToken(
  claims: Record<string, unknown>,
  options: { audience?: string; issuer?: string; expiresAt?: number } = {},
) {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setIssuer(options.issuer ?? issuer)
    .setAudience(options.audience ?? "client")
    .setSubject("user-1")
    .setIssuedAt(Math.floor(FAKE_NOW / 1000))
    .setExpirationTime(options.expiresAt ?? Math.floor(FAKE_NOW / 1000) + 600)
    .sign(privateKey);
}

Deno.test("a valid ID token gives its identity claims", async () => {
  await using env = fakeEnv({ respond: () => jsonResponse(jwks) });
  const claims = await verifyIdToken(env, await idToken({ name: "Ada", email: "a@x.test" }), {
    issuer,
    clientId: "client",
    jwksUri,
  });
  assert.deepEqual(claims, {
    sub: "user-1",
    name: "Ada",
    preferredUsername: null,
    email: "a@x.test",
  });
});

for (
  const [what, options] of [
    ["another audience", { audience: "someone-else" }],
    ["another issuer", { issuer: "https://evil.test" }],
    ["an expired token", { expiresAt: Math.floor(FAKE_NOW / 1000) - 1 }],
  ] as const
) {
  Deno.test(`an ID token with ${what} is refused`, async () => {
    await using env = fakeEnv({ respond: () => jsonResponse(jwks) });
    await assert.rejects(
      verifyIdToken(env, await idToken({ name: "Ada" }, options), {
        issuer,
        clientId: "client",
        jwksUri,
      }),
      NetworkError,
    );
  });
}

Deno.test("an ID token signed by a key not in the issuer's JWKS is refused", async () => {
  const other = await generateKeyPair("ES256");
  const forged = await new SignJWT({ name: "Mallory" })
    .setProtectedHeader({ alg: "ES256", kid: "k1" })
    .setIssuer(issuer).setAudience("client").setSubject("user-1")
    .setExpirationTime(Math.floor(FAKE_NOW / 1000) + 600)
    .sign(other.privateKey);
  await using env = fakeEnv({ respond: () => jsonResponse(jwks) });
  await assert.rejects(
    verifyIdToken(env, forged, { issuer, clientId: "client", jwksUri }),
    /signature/,
  );
});

Deno.test("the display name falls back from name to preferred_username, email, then sub", () => {
  const claims = { sub: "s", name: null, preferredUsername: null, email: null };
  assert.equal(displayNameOf({ ...claims, name: "N", preferredUsername: "p", email: "e" }), "N");
  assert.equal(displayNameOf({ ...claims, preferredUsername: "p", email: "e" }), "p");
  assert.equal(displayNameOf({ ...claims, email: "e" }), "e");
  assert.equal(displayNameOf(claims), "s");
});
