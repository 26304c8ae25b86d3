import assert from "node:assert/strict";
import { configPaths } from "../../src/config/paths.ts";
import { emptyCredentials, type OAuthTokens } from "../../src/credentials/auth_conf.ts";
import { saveCredentials } from "../../src/credentials/store.ts";
import { consentExpiresAtFor, dueConsentNotice } from "../../src/auth/consent_expiry.ts";
import { readUpkeepState } from "../../src/config/upkeep_state.ts";
import { upkeepRound } from "../../src/upkeep/run.ts";
import { runCli } from "../../src/main.ts";
import { FAKE_NOW, type FakeEnv, fakeEnv, jsonResponse } from "../_fake_env.ts";
import { oauthTokens } from "../_tokens.ts";

const day = 24 * 3_600_000;

function tokens(env: FakeEnv, consentExpiresAt: string | null): OAuthTokens {
  return oauthTokens(env.now(), { expiresIn: 3600, consentExpiresAt });
}

async function signIn(env: FakeEnv, consentExpiresAt: string | null): Promise<void> {
  await saveCredentials(env, configPaths(env).authConf, {
    ...emptyCredentials(),
    oauth: tokens(env, consentExpiresAt),
    user: { id: "u", name: "Ada", email: null },
  });
}

/** notify-send calls that announce the consent's expiry. */
function consentNotices(env: FakeEnv): string[] {
  return env.calls.filter((call) =>
    call.command === "notify-send" && call.args.join(" ").includes("sign-in ends")
  ).map((call) => call.args.join(" "));
}

Deno.test("Atlassian's consent lasts 365 days from the login; an unknown issuer's is not guessed", () => {
  const env = { getVar: () => undefined };
  assert.equal(
    consentExpiresAtFor(env, "https://auth.atlassian.com", FAKE_NOW),
    new Date(FAKE_NOW + 365 * day).toISOString(),
  );
  assert.equal(consentExpiresAtFor(env, "https://auth.example.test", FAKE_NOW), null);
  const configured = {
    getVar: (name: string) => name === "TWG_CONSENT_LIFETIME_DAYS" ? "30" : undefined,
  };
  assert.equal(
    consentExpiresAtFor(configured, "https://auth.example.test", FAKE_NOW),
    new Date(FAKE_NOW + 30 * day).toISOString(),
  );
});

Deno.test("upkeep announces the consent's expiry at 14 and 3 days ahead, once each", async () => {
  await using env = fakeEnv({
    commands: [{ command: "notify-send", result: {}, optional: true }],
    // The update check has no manifest here; the refresh is not due.
  });
  const paths = configPaths(env);
  await signIn(env, new Date(FAKE_NOW + 20 * day).toISOString());
  const round = async () => {
    await upkeepRound(env, paths);
    return consentNotices(env).length;
  };
  assert.equal(await round(), 0, "20 days ahead: nothing");
  env.advance(5 * day);
  assert.equal(await round(), 0, "15 days ahead: nothing");
  env.advance(1 * day);
  assert.equal(await round(), 1, "14 days ahead: announced");
  assert.match(consentNotices(env)[0]!, /in 14 days.*twg login/);
  for (let i = 0; i < 10; i++) {
    env.advance(day);
    // Upkeep runs every 12 minutes; a day's worth of runs is represented by two.
    await upkeepRound(env, paths);
    await upkeepRound(env, paths);
  }
  assert.equal(consentNotices(env).length, 1, "4 days ahead: still one");
  env.advance(day);
  assert.equal(await round(), 2, "3 days ahead: the second");
  assert.match(consentNotices(env)[1]!, /in 3 days/);
  env.advance(2 * day);
  assert.equal(await round(), 2, "1 day ahead: nothing more");
  assert.match(env.stderrText(), /in 14 days[^\n]*\n[\s\S]*in 3 days/, "in the upkeep log too");
  assert.deepEqual((await readUpkeepState(env, paths.upkeepJson)).consentNotice?.announcedDays, [
    14,
    3,
  ]);
});

Deno.test("a new login's consent is announced afresh; thresholds passed together count once", () => {
  const first = new Date(FAKE_NOW + 2 * day).toISOString();
  const due = dueConsentNotice(first, null, FAKE_NOW);
  assert.deepEqual(due?.state.announcedDays, [14, 3]);
  assert.equal(dueConsentNotice(first, due!.state, FAKE_NOW + 3_600_000), null);
  const renewed = new Date(FAKE_NOW + 10 * day).toISOString();
  assert.equal(dueConsentNotice(renewed, due!.state, FAKE_NOW)?.daysLeft, 10);
});

Deno.test("auth status shows the consent's expiry, and once it has passed: exit 77, nothing sent", async () => {
  await using env = fakeEnv({ respond: () => jsonResponse({ access_token: "x" }) });
  await signIn(env, new Date(FAKE_NOW + 14 * day).toISOString());
  assert.equal(await runCli(env, ["auth", "status"]), 0);
  assert.match(
    env.stdoutText(),
    /Consent: expires 2026-12-12 \(in 14 days\); "twg login" renews it/,
  );
  await using json = fakeEnv({ respond: () => jsonResponse({ access_token: "x" }) });
  await signIn(json, new Date(FAKE_NOW + day).toISOString());
  json.advance(day + 1);
  assert.equal(await runCli(json, ["auth", "status", "--json"]), 77);
  const status = JSON.parse(json.stdoutText());
  assert.equal(status.needsLogin, true);
  assert.equal(status.consentExpiresAt, new Date(FAKE_NOW + day).toISOString());
  assert.equal(await runCli(json, ["auth", "refresh", "--force", "--json"]), 77);
  assert.match(json.stdoutText(), /"code": "AUTH_EXPIRED"/);
  assert.equal(json.requests.length, 0, "nothing is sent past the consent's expiry");
  assert.equal(await runCli(json, ["doctor", "--json"]), 1);
  const consent = JSON.parse(
    json.stdoutText().slice(json.stdoutText().lastIndexOf('{\n  "schemaVersion"')),
  )
    .checks.find((check: { name: string }) => check.name === "consent");
  assert.equal(consent.status, "fail");
});
