import assert from "node:assert/strict";
import { configPaths } from "../../src/config/paths.ts";
import { updateCheckRound } from "../../src/update/check.ts";
import { fetchManifest, parseManifest } from "../../src/install/manifest.ts";
import { upkeepRound } from "../../src/upkeep/run.ts";
import {
  initialUpkeepState,
  readUpkeepState,
  type UpkeepState,
} from "../../src/config/upkeep_state.ts";
import { FAKE_NOW, fakeEnv, type FakeEnvOverrides, jsonResponse } from "../_fake_env.ts";

const MANIFEST_URL = "https://releases.example.test/manifest.json";
const hour = 3_600_000;

function manifest(version: string) {
  return { version, released: "2026-11-20T00:00:00Z", notes: null, npm: "@twg/cli", artifacts: {} };
}

function releaseEnv(version: string, { vars, ...overrides }: FakeEnvOverrides = {}) {
  return fakeEnv({
    vars: { TWG_UPDATE_MANIFEST_URL: MANIFEST_URL, ...vars },
    respond: () => jsonResponse(manifest(version)),
    ...overrides,
  });
}

/** `notify-send` shows the notification. */
const NOTIFY_SEND_OK = { command: "notify-send", result: {} };

Deno.test("the first upkeep run checks, logged out and unscheduled, and prints nothing", async () => {
  await using env = releaseEnv("0.2.0", { commands: [NOTIFY_SEND_OK] });
  const paths = configPaths(env);
  const outcome = await upkeepRound(env, paths);
  assert.equal(outcome.exitCode, 0);
  assert.equal(outcome.result, "skipped: not logged in");
  assert.deepEqual(env.requests.map((request) => request.url), [MANIFEST_URL]);
  const state = await readUpkeepState(env, paths.upkeepJson);
  assert.equal(state.enabled, false);
  assert.equal(state.lastUpdateCheck, new Date(FAKE_NOW).toISOString());
  const wait = Date.parse(state.nextUpdateCheckAfter!) - FAKE_NOW;
  assert.ok(wait >= 24 * hour && wait <= 25 * hour, `next check in ${wait / hour} h`);
  assert.equal(state.latestVersion, "0.2.0");
  assert.equal(state.updateCheckError, null);
  assert.equal(env.stdoutText() + env.stderrText(), "");
  assert.deepEqual(env.calls.map((call) => call.command), ["notify-send"], "shown natively");

  env.advance(23 * hour);
  await upkeepRound(env, paths);
  assert.equal(env.requests.length, 1, "no second check within 24 hours");
  env.advance(2 * hour);
  await upkeepRound(env, paths);
  assert.equal(env.requests.length, 2, "checked again once due");
});

Deno.test("a failed check is recorded, retried at the next due time, and never fails upkeep", async () => {
  await using env = fakeEnv({
    vars: { TWG_UPDATE_MANIFEST_URL: MANIFEST_URL },
    respond: () => new Response("upstream down", { status: 503 }),
  });
  const paths = configPaths(env);
  const outcome = await upkeepRound(env, paths);
  assert.equal(outcome.exitCode, 0);
  const state = await readUpkeepState(env, paths.upkeepJson);
  assert.match(state.updateCheckError ?? "", /Cannot read the release manifest .*: HTTP 503/);
  assert.equal(state.lastUpdateCheck, new Date(FAKE_NOW).toISOString());
  assert.ok(Date.parse(state.nextUpdateCheckAfter!) >= FAKE_NOW + 24 * hour);
  assert.equal(state.latestVersion, null);
  assert.equal(env.stdoutText() + env.stderrText(), "");
  env.advance(hour);
  await upkeepRound(env, paths);
  assert.equal(env.requests.length, 1, "not retried every 12 minutes");
});

Deno.test("without a manifest URL there is no check and nothing is recorded", async () => {
  await using env = fakeEnv({ respond: () => jsonResponse(manifest("9.9.9")) });
  const state = await updateCheckRound(env, initialUpkeepState());
  assert.equal(env.requests.length, 0);
  assert.equal(state.lastUpdateCheck, null);
});

/** A compiled twg, which `twg update` replaces in place. */
const compiled = { execPath: "/opt/twg/twg" };

Deno.test("a new version is notified natively once, with which version and what to run", async () => {
  await using env = releaseEnv("0.2.0", { ...compiled, commands: [NOTIFY_SEND_OK] });
  const state = await updateCheckRound(env, initialUpkeepState(), { currentVersion: "0.1.0" });
  assert.deepEqual(env.calls, [{
    command: "notify-send",
    args: [
      "--app-name=twg",
      "--",
      "twg update available",
      'twg 0.2.0 is available (you have 0.1.0): run "twg update"',
    ],
  }]);
  assert.deepEqual(state.notifications, {
    version: "0.2.0",
    firstSeenAt: new Date(FAKE_NOW).toISOString(),
    sentAt: [new Date(FAKE_NOW).toISOString()],
    pendingNotice: null,
  });
  env.advance(12 * 60_000);
  await updateCheckRound(env, state, { currentVersion: "0.1.0" });
  assert.equal(env.calls.length, 1, "the next upkeep run does not repeat it");
});

Deno.test("a notification no notifier can show is kept as the pending notice", async () => {
  await using env = releaseEnv("0.2.0", {
    ...compiled,
    commands: [
      { command: "notify-send", result: { code: 127 } },
      { command: "gdbus", result: { code: 1, stderr: "Cannot autolaunch D-Bus without X11" } },
    ],
  });
  const state = await updateCheckRound(env, initialUpkeepState(), { currentVersion: "0.1.0" });
  assert.equal(
    state.notifications?.pendingNotice,
    'twg 0.2.0 is available (you have 0.1.0): run "twg update"',
  );
  assert.equal(state.notifications?.sentAt.length, 1);
});

Deno.test("the notice of a checkout names git pull, since twg update refuses a checkout", async () => {
  await using env = releaseEnv("0.2.0", { commands: [NOTIFY_SEND_OK] });
  env.mainPath = `${env.homeDir}/src/twg/src/main.ts`;
  await updateCheckRound(env, initialUpkeepState(), { currentVersion: "0.1.0" });
  assert.equal(
    env.calls[0]?.args.at(-1),
    'twg 0.2.0 is available (you have 0.1.0): run "git -C ~/src/twg pull"',
  );
});

Deno.test("the notice of an npm install names npm install -g with its package", async () => {
  await using env = releaseEnv("0.2.0", {
    runtime: "node 20.20.2",
    execPath: "/usr/bin/node",
    commands: [NOTIFY_SEND_OK],
  });
  const prefix = `${env.tempDir}/prefix`;
  Deno.mkdirSync(`${prefix}/bin`, { recursive: true });
  Deno.writeTextFileSync(`${prefix}/bin/twg`, "");
  env.mainPath = `${prefix}/lib/node_modules/@twg/cli/dist/twg.js`;
  await updateCheckRound(env, initialUpkeepState(), { currentVersion: "0.1.0" });
  assert.equal(
    env.calls[0]?.args.at(-1),
    'twg 0.2.0 is available (you have 0.1.0): run "npm install -g @twg/cli@0.2.0"',
  );
});

Deno.test("NO_UPDATE_NOTIFIER: the check is recorded, nothing is shown or kept", async () => {
  await using env = releaseEnv("0.2.0", { vars: { NO_UPDATE_NOTIFIER: "1" } });
  const state = await updateCheckRound(env, initialUpkeepState(), { currentVersion: "0.1.0" });
  assert.equal(state.latestVersion, "0.2.0");
  assert.deepEqual(env.calls, []);
  assert.equal(state.notifications, null);
});

Deno.test("a reminder is due a day later even when no check is", async () => {
  await using env = releaseEnv("0.2.0", { commands: [NOTIFY_SEND_OK] });
  let state: UpkeepState = await updateCheckRound(env, initialUpkeepState(), {
    currentVersion: "0.1.0",
    random: () => 0.99,
  });
  env.advance(24 * hour);
  state = await updateCheckRound(env, state, { currentVersion: "0.1.0" });
  assert.equal(env.requests.length, 1, "the check waits for its jitter");
  assert.equal(env.calls.length, 2, "the daily reminder does not");
  assert.equal(state.notifications?.sentAt.length, 2);
});

Deno.test("an interrupt during the check is not recorded as a failed check", async () => {
  const controller = new AbortController();
  await using env = fakeEnv({
    vars: { TWG_UPDATE_MANIFEST_URL: MANIFEST_URL },
    interrupt: controller.signal,
    respond: (request) => {
      const aborted = new Promise<Response>((_, reject) => {
        request.signal.addEventListener("abort", () => reject(request.signal.reason));
      });
      controller.abort(new DOMException("Interrupted", "AbortError"));
      return aborted;
    },
  });
  await assert.rejects(updateCheckRound(env, initialUpkeepState()), { name: "AbortError" });
});

Deno.test("manifests are validated before any value is used", () => {
  const valid = {
    version: "1.4.0",
    npm: "@twg/cli",
    artifacts: { "linux-x64": { url: "https://example.test/twg", sha256: "AB".repeat(32) } },
  };
  assert.equal(parseManifest(valid).artifacts["linux-x64"]?.sha256, "ab".repeat(32));
  assert.deepEqual(parseManifest({ version: "1.4.0" }).artifacts, {});
  const invalid: [unknown, RegExp][] = [
    [{ ...valid, version: "v1.4.0" }, /"version" is not a semantic version/],
    [{ ...valid, npm: "--registry=https://evil.test" }, /"npm" is not an npm package name/],
    [{ ...valid, npm: "git+https://evil.test/x.git" }, /"npm" is not an npm package name/],
    [
      { ...valid, artifacts: { "linux-x64": { url: "https://x.test/t", sha256: "00" } } },
      /"artifacts.linux-x64.sha256" is not a hex SHA-256/,
    ],
    [[], /the manifest is not a JSON object/],
  ];
  for (const [value, message] of invalid) assert.throws(() => parseManifest(value), message);
});

Deno.test("a manifest that is not JSON, too large or insecure is refused", async () => {
  await using env = fakeEnv({ respond: () => new Response("<html>") });
  await assert.rejects(fetchManifest(env, MANIFEST_URL), {
    name: "NetworkError",
    message: /is not valid: the manifest is not a JSON object/,
  });
  await assert.rejects(fetchManifest(env, "http://releases.example.test/manifest.json"), {
    name: "UsageError",
    message: /must use https/,
  });
  await using large = fakeEnv({ respond: () => new Response("x".repeat(1024 * 1024 + 1)) });
  await assert.rejects(fetchManifest(large, MANIFEST_URL), /larger than 1 MiB/);
});
