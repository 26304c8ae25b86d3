import assert from "node:assert/strict";
import { testRequiring } from "../_requires.ts";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import {
  validatePlist,
  validateTaskXml,
  validationTest,
  verifySystemdUnits,
} from "../platform/_schemas.ts";
import {
  ageToken,
  expectExit,
  type Home,
  isDenoBuild,
  login,
  makeHome,
  readOnlySandbox,
  storedCredentials,
  twg,
} from "./_twg.ts";

/** Where upkeep enable writes a checkout's launcher: the per-user data directory. */
function launcherPath(home: Home): string {
  return join(home.path, ".local", "share", "twg", "twg-launcher");
}

async function upkeepState(home: Home): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(join(home.configDir, "upkeep.json"), "utf8"));
}

Deno.test("upkeep run refreshes only when the refresh is due within 15 minutes", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  await server.resetStats();
  // One hour tokens: due at 45 min. At 20 min the due time is 25 min away.
  await ageToken(home, 20 / 60);
  expectExit(await twg(home, ["upkeep", "run"]), 0);
  assert.equal((await server.stats()).tokenRequests, 0, "nothing due: no request at all");
  let state = await upkeepState(home);
  assert.equal(state.lastResult, "fresh");
  assert.equal(state.lastRefresh, null);
  // At 31 min the due time is 14 min away: refresh now, outside any sandbox.
  await ageToken(home, 31 / 60);
  const before = (await storedCredentials(home)).oauth.refreshToken;
  const run = await twg(home, ["upkeep", "run"]);
  expectExit(run, 0);
  assert.equal(run.stdout, "");
  assert.equal((await server.stats()).refreshRequests, 1);
  assert.notEqual((await storedCredentials(home)).oauth.refreshToken, before);
  state = await upkeepState(home);
  assert.equal(state.lastResult, "refreshed");
  assert.ok(state.lastRefresh);

  const status = JSON.parse((await twg(home, ["upkeep", "status", "--json"])).stdout);
  assert.deepEqual(Object.keys(status).sort(), [
    "broker",
    "enabled",
    "error",
    "intervalMinutes",
    "lastRefresh",
    "lastRun",
    "lastUpdateCheck",
    "nextUpdateCheckAfter",
    "scheduler",
    "schemaVersion",
  ]);
  assert.equal(status.intervalMinutes, 12);
  assert.equal(status.enabled, false);

  // Nothing the helper writes carries a token.
  const issued = await server.lastTokens();
  for (const name of await readdir(home.configDir)) {
    if (name === "auth.conf") continue;
    const text = await readFile(join(home.configDir, name), "utf8");
    // The access-token file exists to carry the access token; never the refresh token.
    const secrets = name === "access-token.json"
      ? [issued.refreshToken]
      : [issued.accessToken, issued.refreshToken, before];
    for (const secret of secrets) {
      assert.ok(secret && !text.includes(secret), `${name} holds no token`);
    }
  }
});

Deno.test("upkeep run when logged out succeeds silently and sends nothing", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  const run = await twg(home, ["upkeep", "run"]);
  expectExit(run, 0);
  assert.equal(run.stdout + run.stderr, "");
  const stats = await server.stats();
  assert.equal(stats.tokenRequests + stats.deviceAuthorizations, 0);
  assert.equal((await upkeepState(home)).lastResult, "skipped: not logged in");
});

testRequiring(
  ["bwrap"],
  "upkeep run with an unwritable store records it and sends nothing",
  async () => {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    await ageToken(home, 0.8);
    expectExit(await twg(home, ["upkeep", "run"]), 0);
    await ageToken(home, 0.8);
    await server.resetStats();
    const sandbox = readOnlySandbox();
    const run = await twg(home, ["upkeep", "run"], { wrap: sandbox });
    expectExit(run, 4);
    assert.equal((await server.stats()).tokenRequests, 0);
    // Inside the read-only sandbox nothing could be recorded; outside, the
    // state still shows the last real run.
    assert.equal((await upkeepState(home)).lastResult, "refreshed");
  },
);

/** A fake `systemctl` on PATH that records its argv and answers as scripted. */
async function fakeSystemctl(
  home: Home,
  enableAnswer: { code: number; stderr: string },
): Promise<string> {
  const bin = join(home.path, "bin");
  await Deno.mkdir(bin, { recursive: true });
  const log = join(home.path, "systemctl.log");
  await writeFile(
    join(bin, "systemctl"),
    `#!/bin/sh
echo "$*" >> '${log}'
case "$*" in
  "--user enable --now twg-upkeep.timer") echo '${enableAnswer.stderr}' >&2; exit ${enableAnswer.code} ;;
  "--user is-enabled twg-upkeep.timer") echo enabled ;;
  "--user is-active twg-upkeep.timer") echo active ;;
esac
exit 0
`,
    { mode: 0o755 },
  );
  home.env.PATH = `${bin}:${home.env.PATH}`;
  home.env.DBUS_SESSION_BUS_ADDRESS = "unix:path=/nonexistent/bus";
  return log;
}

Deno.test("upkeep enable that systemctl refuses reports its error verbatim and leaves upkeep disabled", async () => {
  await using home = await makeHome();
  const refusal = "Failed to enable unit: Unit twg-upkeep.timer is masked.";
  await fakeSystemctl(home, { code: 1, stderr: refusal });
  for (let attempt = 0; attempt < 2; attempt++) {
    const enable = await twg(home, ["upkeep", "enable"]);
    expectExit(enable, 1);
    assert.ok(enable.stderr.includes(refusal), enable.stderr);
  }
  const status = JSON.parse((await twg(home, ["upkeep", "status", "--json"])).stdout);
  assert.equal(status.enabled, false);
  // The one error shape of every --json document (issue 25, item 10).
  assert.equal(status.error.code, "upkeep-failed");
  assert.ok(String(status.error.message).includes(refusal));
  assert.equal((await upkeepState(home)).enabled, false);
  const unitDir = join(home.path, ".config", "systemd", "user");
  assert.deepEqual(await readdir(unitDir).catch(() => []), [], "nothing half-installed");
  assert.ok(!(await readdir(home.configDir)).includes("twg-launcher"));
  const setup = await twg(home, ["setup"]);
  // Not logged in in this home: setup is not complete (exit 3), and says both steps.
  expectExit(setup, 3);
  assert.ok(setup.stderr.includes(refusal), "setup gives the reason and repair guidance");
  assert.match(setup.stderr, /twg upkeep enable/);
  assert.match(setup.stderr, /Run "twg login", then "twg setup" again/);
  assert.doesNotMatch(setup.stderr, /otherwise complete/);
});

Deno.test("upkeep enable, status and disable with a working systemd user manager", async () => {
  await using home = await makeHome();
  const log = await fakeSystemctl(home, { code: 0, stderr: "" });
  const enable = await twg(home, ["upkeep", "enable"]);
  expectExit(enable, 0);
  assert.match(enable.stderr, /every 12 minutes/);
  const unitDir = join(home.path, ".config", "systemd", "user");
  assert.deepEqual((await readdir(unitDir)).sort(), [
    "twg-keeper.service",
    "twg-upkeep.service",
    "twg-upkeep.timer",
  ]);
  assert.match(enable.stderr, /keeps the token keeper .*auth serve/);
  if (isDenoBuild) {
    const service = await readFile(join(unitDir, "twg-upkeep.service"), "utf8");
    assert.ok(
      service.includes(`ExecStart="${launcherPath(home)}" "upkeep" "run"`),
    );
    const launcher = await readFile(launcherPath(home), "utf8");
    assert.match(
      launcher,
      new RegExp(`--allow-write=${home.configDir}`),
      "least privilege: writes only the config dir",
    );
  }
  const status = JSON.parse((await twg(home, ["upkeep", "status", "--json"])).stdout);
  assert.equal(status.enabled, true);
  assert.equal(status.scheduler, "systemd");
  const doctor = JSON.parse((await twg(home, ["doctor", "--json"])).stdout);
  assert.equal(
    doctor.checks.find((check: { name: string }) => check.name === "upkeep").status,
    "ok",
  );
  expectExit(await twg(home, ["upkeep", "disable"]), 0);
  expectExit(await twg(home, ["upkeep", "disable"]), 0);
  assert.deepEqual(await readdir(unitDir), []);
  assert.ok(!(await readdir(home.configDir)).includes("twg-launcher"));
  const calls = (await readFile(log, "utf8")).trim().split("\n");
  assert.deepEqual(calls.slice(0, 3), [
    "--user show-environment",
    "--user daemon-reload",
    "--user enable --now twg-upkeep.timer",
  ]);
  assert.ok(calls.includes("--user enable twg-keeper.service"));
  assert.ok(calls.includes("--user disable --now twg-upkeep.timer"));
  assert.ok(calls.includes("--user disable --now twg-keeper.service"));
});

for (
  const [os, validate] of [
    ["macos", async (files: string[]) => [
      await validatePlist(files.find((file) => file.endsWith(".plist"))!),
    ]],
    ["windows", async (files: string[]) => [
      await validateTaskXml(files.find((file) => file.endsWith(".xml"))!),
    ]],
    ["linux", async (files: string[]) => [
      await verifySystemdUnits(files.filter((file) => /\.(service|timer)$/.test(file))),
    ]],
  ] as const
) {
  validationTest(`upkeep enable --dry-run --os ${os} renders files that validate`, [
    "schemas",
    "xmllint",
    "systemd-analyze",
  ], async () => {
    await using home = await makeHome();
    const output = join(home.path, "rendered");
    const result = await twg(home, [
      "upkeep",
      "enable",
      "--dry-run",
      "--os",
      os,
      "--output-dir",
      output,
    ]);
    expectExit(result, 0);
    if (os === "linux" && isDenoBuild) {
      // systemd-analyze checks that ExecStart exists: the launcher script is rendered, not installed.
      await Deno.mkdir(join(launcherPath(home), ".."), { recursive: true });
      await Deno.copyFile(join(output, "twg-launcher"), launcherPath(home));
      await Deno.chmod(launcherPath(home), 0o755);
    }
    const files = (await readdir(output)).map((name) => join(output, name));
    for (const validation of await validate(files)) {
      assert.equal(validation.code, 0, validation.stderr);
      if (os !== "windows") assert.equal(validation.stderr, "");
    }
    const printed = await twg(home, ["upkeep", "enable", "--dry-run", "--os", os]);
    expectExit(printed, 0);
    assert.match(printed.stdout, /upkeep/);
    assert.deepEqual(
      await readdir(home.path).then((names) => names.includes("Library")),
      false,
      "installs nothing",
    );
  });
}
