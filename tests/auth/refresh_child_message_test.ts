import assert from "node:assert/strict";
import {
  type ChildAnswer,
  doneAnswer,
  errorOfFailure,
  failedAnswer,
  parseChildAnswer,
  parseChildRequest,
} from "../../src/auth/refresh_child_message.ts";
import { KeyringUnavailableError } from "../../src/credentials/keyring.ts";
import { StoreNotWritableError } from "../../src/credentials/preflight.ts";
import { AuthRequiredError, NetworkError, TwgError } from "../../src/errors.ts";

/** What the parent rebuilds from the line the child would print for `error`. */
function acrossTheBoundary(error: unknown): Error {
  const answer = parseChildAnswer(JSON.stringify(failedAnswer(error)) + "\n");
  assert.ok(answer && answer.outcome === "failed", "a failed answer parses");
  return errorOfFailure(answer.failure);
}

Deno.test("a rejected refresh token keeps its code and hint across the boundary", () => {
  const rebuilt = acrossTheBoundary(
    new AuthRequiredError(
      "The server rejected the stored sign-in: gone",
      "Sign in again",
      "refresh-token-rejected",
    ),
  );
  assert.ok(rebuilt instanceof AuthRequiredError);
  assert.equal(rebuilt.code, "refresh-token-rejected");
  assert.equal(rebuilt.hint, "Sign in again");
  assert.equal(rebuilt.exitCode, 3);
});

Deno.test("a store error is rebuilt from its fields, whatever its reason says", () => {
  const reason = 'the refreshed sign-in could not be written (EIO): "x": y';
  const rebuilt = acrossTheBoundary(new StoreNotWritableError("/home/a/.config/twg", reason));
  assert.ok(rebuilt instanceof StoreNotWritableError);
  assert.equal(rebuilt.configDir, "/home/a/.config/twg");
  assert.equal(rebuilt.reason, reason);
  assert.equal(rebuilt.exitCode, 4);
});

Deno.test("a keyring error keeps its problem, detail and fix", () => {
  const rebuilt = acrossTheBoundary(
    new KeyringUnavailableError("/d", "locked", "is locked", "Unlock it"),
  );
  assert.ok(rebuilt instanceof KeyringUnavailableError);
  assert.equal(rebuilt.problem, "locked");
  assert.equal(rebuilt.fix, "Unlock it");
  assert.equal(rebuilt.message, 'Cannot update the credentials in "/d": the OS keyring is locked');
});

Deno.test("network and other errors keep code, hint and exit code", () => {
  const network = acrossTheBoundary(
    new NetworkError("refused", undefined, { code: "invalid-client", hint: "Check TWG_CLIENT_ID" }),
  );
  assert.ok(network instanceof NetworkError);
  assert.equal(network.code, "invalid-client");
  assert.equal(network.hint, "Check TWG_CLIENT_ID");
  const other = acrossTheBoundary(new TwgError("lost", { hint: "again", code: "lock-lost" }));
  assert.ok(other instanceof TwgError);
  assert.equal(other.code, "lock-lost");
  assert.equal(other.exitCode, 1);
  const plain = acrossTheBoundary(new Error("boom"));
  assert.equal(plain.message, "boom");
});

Deno.test("an answer of another version or shape is not trusted", () => {
  const good: ChildAnswer = doneAnswer(true, "due");
  assert.deepEqual(parseChildAnswer(`noise\n${JSON.stringify(good)}\n`), good);
  for (
    const bad of [
      "",
      "not json",
      JSON.stringify({ ...good, version: 2 }),
      JSON.stringify({ ok: true, refreshed: true, reason: "due" }),
      JSON.stringify({ ...good, reason: "because" }),
      JSON.stringify({ version: 1, outcome: "failed", failure: { kind: "store-not-writable" } }),
      JSON.stringify({
        version: 1,
        outcome: "failed",
        failure: { kind: "other", message: "m", exitCode: 99 },
      }),
    ]
  ) {
    assert.equal(parseChildAnswer(bad), null, bad);
  }
});

Deno.test("the child refuses a request of another version", () => {
  const paths = {
    dir: "/d",
    authConf: "/d/a",
    configJson: "/d/c",
    upkeepJson: "/d/u",
    lock: "/d/l",
  };
  const request = { version: 1, paths, force: false, dueWithinMs: 0, lockNonce: "n" };
  assert.deepEqual(parseChildRequest(JSON.stringify(request)), request);
  assert.equal(parseChildRequest(JSON.stringify({ ...request, version: 0 })), null);
  assert.equal(parseChildRequest(JSON.stringify({ ...request, force: "yes" })), null);
  assert.equal(parseChildRequest(null), null);
});
