/**
 * Attack: a device authorization answer that misleads the person approving:
 * a complete link on a foreign host, a verification page away from the
 * issuer, and control characters that rewrite the terminal line.
 */
import assert from "node:assert/strict";
import { runCli } from "../../src/main.ts";
import { terminalSafe } from "../../src/ui/terminal_text.ts";
import { fakeEnv, jsonResponse } from "../_fake_env.ts";

const issuer = "https://auth.example.test";

/** An authorization server whose device authorization answer is `device`; the person then denies. */
function server(device: Record<string, unknown>) {
  return (request: Request): Response => {
    const url = new URL(request.url);
    if (url.pathname.startsWith("/.well-known/")) {
      return jsonResponse({
        issuer,
        token_endpoint: `${issuer}/token`,
        device_authorization_endpoint: `${issuer}/device/auth`,
      });
    }
    if (url.pathname === "/device/auth") {
      return jsonResponse({ device_code: "dc", expires_in: 600, interval: 1, ...device });
    }
    return jsonResponse(
      { error: "access_denied", error_description: device.error_description },
      400,
    );
  };
}

function loginEnv(device: Record<string, unknown>) {
  return fakeEnv({
    respond: server(device),
    vars: { TWG_ISSUER: issuer, TWG_CLIENT_ID: "client", DISPLAY: ":0", NO_COLOR: "1" },
    // The browser opener starts; a test that never opens one says so.
    commands: [{ command: "xdg-open", result: {}, optional: true }],
  });
}

Deno.test("login never opens a complete link whose host differs from the verification page", async () => {
  await using env = loginEnv({
    user_code: "ABCD-EFGH",
    verification_uri: `${issuer}/device`,
    verification_uri_complete: "https://evil.example/device?user_code=ABCD-EFGH",
  });
  await runCli(env, ["login"]);
  const opened = env.calls.filter((call) => call.command === "xdg-open").map((call) => call.args);
  assert.deepEqual(opened, [[`${issuer}/device`]]);
  assert.match(env.stderrText(), /evil\.example.*ignoring the link/);
  assert.match(env.stderrText(), new RegExp(`Opened ${issuer}/device in your browser`));
  assert.doesNotMatch(env.stderrText(), /or open:/);
});

Deno.test("login shows the issuer's host, and opens nothing when the verification page is elsewhere", async () => {
  await using env = loginEnv({
    user_code: "ABCD-EFGH",
    verification_uri: "https://evil.example/device",
    verification_uri_complete: "https://evil.example/device?user_code=ABCD-EFGH",
  });
  await runCli(env, ["login"]);
  assert.deepEqual(env.calls.filter((call) => call.command === "xdg-open"), []);
  const stderr = env.stderrText();
  assert.match(stderr, /Signing in at auth\.example\.test/);
  assert.match(
    stderr,
    /verification page is on evil\.example, not on the issuer's host auth\.example\.test/,
  );
});

Deno.test("login --json drops a foreign complete link from the device_authorization event", async () => {
  await using env = loginEnv({
    user_code: "ABCD-EFGH",
    verification_uri: `${issuer}/device`,
    verification_uri_complete: "https://evil.example/x",
  });
  await runCli(env, ["login", "--json", "--no-browser"]);
  const first = JSON.parse(env.stdoutText().split("\n")[0]!);
  assert.equal(first.event, "device_authorization");
  assert.equal(first.verificationUriComplete, null);
});

Deno.test("control and bidi characters in the server's strings never reach the terminal", async () => {
  await using env = loginEnv({
    user_code: "AB\u202eCD\x1b[2K",
    verification_uri: `${issuer}/device\r\x1b[2Khttps://evil.example/`,
    error_description: "denied\x1b]0;pwned\x07\u2067",
  });
  // The token endpoint denies with a description full of controls too.
  await runCli(env, ["login", "--no-browser"]);
  const stderr = env.stderrText();
  // deno-lint-ignore no-control-regex -- looking for them is the test
  assert.doesNotMatch(stderr, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  assert.match(stderr, /Your one-time code: ABCD\[2K/);
});

Deno.test("terminalSafe removes C0, C1 and bidi controls and nothing else", () => {
  assert.equal(
    terminalSafe("a\x00b\x1b[31mc\x7f\x9bd\u200e\u200f\u061c\u2066e\u2069\u202ef"),
    "ab[31mcdef",
  );
  assert.equal(terminalSafe("Ådå 日本 ✔"), "Ådå 日本 ✔");
});

Deno.test("auth status and doctor print a hostile user and site name without its controls", async () => {
  await using env = fakeEnv({ vars: { NO_COLOR: "1" } });
  const { saveCredentials } = await import("../../src/credentials/store.ts");
  const { configPaths } = await import("../../src/config/paths.ts");
  await saveCredentials(env, configPaths(env).authConf, {
    version: 1,
    oauth: {
      accessToken: "a",
      refreshToken: "r",
      tokenType: "Bearer",
      scope: null,
      obtainedAt: new Date(env.now()).toISOString(),
      expiresIn: 3600,
      issuer,
      clientId: "client",
      tokenEndpoint: `${issuer}/token`,
      revocationEndpoint: null,
      rejectedAt: null,
    },
    user: { id: "u", name: "Ada\x1b]0;owned\x07\u202eevil", email: null },
    site: { id: "s", url: "https://site.example", name: "Site\r\x1b[2KFake" },
    bitbucketToken: null,
  } as never);
  await runCli(env, ["auth", "status"]);
  await runCli(env, ["doctor"]);
  const printed = env.stdoutText() + env.stderrText();
  // deno-lint-ignore no-control-regex -- looking for them is the test
  assert.doesNotMatch(printed, /[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
  assert.match(printed, /Ada\]0;ownedevil/);
});
