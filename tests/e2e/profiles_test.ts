/**
 * Profiles (issue 21): two accounts of the development server signed in side
 * by side, each picked by `--profile`, by `TWG_PROFILE` and by a directory
 * mapping; `auth status` lists both; their refreshes and upkeep keep them
 * apart.
 */
import { strict as assert } from "node:assert";
import { mkdir, readFile, stat } from "node:fs/promises";
import { join } from "node:path";
import { type DevServer, startDevServer } from "../fixtures/dev_server_client.ts";
import { testRequiring } from "../_requires.ts";
import { twgOnTerminal } from "./_terminal.ts";
import {
  accessTokenFileOf,
  expectExit,
  type Home,
  isDenoBuild,
  login,
  makeHome,
  startKeeper,
  twg,
  writesOnlyIn,
} from "./_twg.ts";

const grace = "grace@example.test";

/** Ada (the server's test account) as `default`, Grace as `work`. */
async function twoProfiles(server: DevServer): Promise<Home> {
  const home = await makeHome(server);
  expectExit(await login(home, server), 0);
  expectExit(
    await login(home, server, ["--profile", "work"], {
      approve: (code) => server.approve(code, grace),
    }),
    0,
  );
  return home;
}

function workAuthConf(home: Home): string {
  return join(home.configDir, "profiles", "work", "auth.conf");
}

async function stored(
  path: string,
): Promise<{ oauth: { accessToken: string; obtainedAt: string; expiresIn: number } }> {
  return JSON.parse(await readFile(path, "utf8"));
}

/** Ages a stored sign-in so that `fraction` of its lifetime has passed. */
async function age(path: string, fraction: number): Promise<void> {
  const credentials = await stored(path);
  credentials.oauth.obtainedAt = new Date(
    Date.now() - fraction * credentials.oauth.expiresIn * 1000,
  ).toISOString();
  await Deno.writeTextFile(path, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
}

Deno.test("two accounts as two profiles: flag, TWG_PROFILE and a directory mapping pick the right one", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await twoProfiles(server);
  const ada = (await stored(join(home.configDir, "auth.conf"))).oauth.accessToken;
  const work = (await stored(workAuthConf(home))).oauth.accessToken;
  assert.notEqual(ada, work);
  // The default profile kept today's path; the other has a 0700 directory of its own.
  assert.equal((await stat(join(home.configDir, "profiles", "work"))).mode & 0o777, 0o700);

  const token = async (args: string[], env: Record<string, string> = {}) => {
    const result = await twg(home, ["auth", "token", ...args], { env });
    expectExit(result, 0);
    return result.stdout.trim();
  };
  assert.equal(await token([]), ada);
  assert.equal(await token(["--profile", "work"]), work);
  assert.equal(await token(["--profile=work"]), work);
  assert.equal(await token([], { TWG_PROFILE: "work" }), work);
  // The flag wins over the variable.
  assert.equal(await token(["--profile", "default"], { TWG_PROFILE: "work" }), ada);

  const api = await twg(home, ["--profile", "work", "api", "/rest/api/3/myself"]);
  expectExit(api, 0);
  assert.equal(JSON.parse(api.stdout).sub, grace);
  const apiDefault = await twg(home, ["api", "/rest/api/3/myself"]);
  assert.equal(JSON.parse(apiDefault.stdout).sub, "user-1");

  const exec = await twg(home, [
    "exec",
    "--profile",
    "work",
    "--",
    "sh",
    "-c",
    'echo "$TWG_OAUTH_ACCESS_TOKEN $TWG_PROFILE"',
  ]);
  expectExit(exec, 0);
  assert.equal(exec.stdout.trim(), `${work} work`);

  // A directory mapped to `work`, and a directory below it; elsewhere the default.
  const repo = join(home.path, "repo");
  const below = join(repo, "src");
  const elsewhere = join(home.path, "other");
  for (const dir of [below, elsewhere]) await mkdir(dir, { recursive: true });
  expectExit(await twg(home, ["auth", "switch", "--profile", "work", "--here"], { cwd: repo }), 0);
  assert.equal((await twg(home, ["auth", "token"], { cwd: repo })).stdout.trim(), work);
  assert.equal((await twg(home, ["auth", "token"], { cwd: below })).stdout.trim(), work);
  assert.equal((await twg(home, ["auth", "token"], { cwd: elsewhere })).stdout.trim(), ada);
  // TWG_PROFILE still wins over the mapping.
  const variable = await twg(home, ["auth", "token"], { env: { TWG_PROFILE: "default" } });
  assert.equal(variable.stdout.trim(), ada);

  // Switching the default applies everywhere that is not mapped.
  expectExit(await twg(home, ["auth", "switch", "--profile", "work"], { cwd: elsewhere }), 0);
  assert.equal((await twg(home, ["auth", "token"], { cwd: elsewhere })).stdout.trim(), work);
  expectExit(await twg(home, ["auth", "switch", "--profile", "default"], { cwd: elsewhere }), 0);
  assert.equal((await twg(home, ["auth", "token"], { cwd: elsewhere })).stdout.trim(), ada);

  // The choice lives in twg's own config, never in the repository.
  const choices = JSON.parse(await readFile(join(home.configDir, "profiles.json"), "utf8"));
  assert.deepEqual(choices.directories, { [repo]: "work" });
  assert.equal((await stat(join(home.configDir, "profiles.json"))).mode & 0o777, 0o600);
});

Deno.test("auth status lists both profiles, the active one marked; --json keeps the top-level document", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await twoProfiles(server);
  const status = await twg(home, ["auth", "status", "--json", "--profile", "work"]);
  expectExit(status, 0);
  const document = JSON.parse(status.stdout);
  // Today's top-level object describes the active profile.
  assert.equal(document.loggedIn, true);
  assert.equal(document.user.email, grace);
  assert.equal(document.profile, "work");
  assert.deepEqual(
    document.profiles.map((p: { name: string; active: boolean; user: { email: string } }) => [
      p.name,
      p.active,
      p.user.email,
    ]),
    [["default", false, "ada@example.test"], ["work", true, grace]],
  );
  const text = await twg(home, ["auth", "status"]);
  expectExit(text, 0);
  assert.match(text.stdout, /Logged in as Ada Lovelace/);
  assert.match(text.stdout, /^\* default: ✔ ada@example\.test/m);
  assert.match(text.stdout, /^ {2}work: ✔ grace@example\.test/m);
});

Deno.test("racing refreshes of two profiles send exactly one request each; upkeep refreshes both", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await twoProfiles(server);
  const paths = [join(home.configDir, "auth.conf"), workAuthConf(home)];
  for (const path of paths) await age(path, 1.2);
  await server.resetStats();
  const runs = await Promise.all(
    Array.from(
      { length: 8 },
      (_, index) => twg(home, ["auth", "token", ...(index % 2 ? ["--profile", "work"] : [])]),
    ),
  );
  const after = await Promise.all(
    paths.map(async (path) => (await stored(path)).oauth.accessToken),
  );
  runs.forEach((run, index) => {
    expectExit(run, 0);
    assert.equal(run.stdout.trim(), after[index % 2]);
  });
  let stats = await server.stats();
  assert.equal(stats.refreshRequests, 2, "one refresh per profile");
  assert.equal(stats.invalidGrants, 0);

  for (const path of paths) await age(path, 0.95);
  await server.resetStats();
  const upkeep = await twg(home, ["upkeep", "run"]);
  expectExit(upkeep, 0);
  stats = await server.stats();
  assert.equal(stats.refreshRequests, 2, "upkeep refreshed both profiles");
  const upkeepState = JSON.parse(await readFile(join(home.configDir, "upkeep.json"), "utf8"));
  assert.equal(upkeepState.lastResult, "default: refreshed; work: refreshed");
  // Each profile's access-token file, in their own directory, holds its own token.
  for (const [index, profile] of ["default", "work"].entries()) {
    const file = JSON.parse(await readFile(accessTokenFileOf(home, profile), "utf8"));
    assert.equal(file.token, (await stored(paths[index]!)).oauth.accessToken);
  }
});

Deno.test("a profile name that could leave the config directory is refused (exit 2)", async () => {
  await using home = await makeHome();
  for (const name of ["../x", "a/b", "..", ".hidden", "x".repeat(41)]) {
    const result = await twg(home, ["auth", "token", "--profile", name]);
    expectExit(result, 2);
    assert.match(result.stderr, /Invalid profile name/);
  }
  expectExit(await twg(home, ["auth", "token"], { env: { TWG_PROFILE: "../x" } }), 2);
});

/** What must hold after an interrupted `login --force`: the old sign-in intact and unrevoked. */
async function assertOldSignInWorks(home: Home, server: DevServer, before: string): Promise<void> {
  const after = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
  assert.equal(after.oauth.refreshToken, before, "the old sign-in is still stored");
  assert.equal((await server.stats()).revocations, 0, "nothing was revoked");
  // Its refresh token still works at the server.
  expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
  const stats = await server.stats();
  assert.equal(stats.refreshSuccesses, 1);
  assert.equal(stats.invalidGrants, 0);
}

for (
  const [when, signal, waitMs] of [
    ["at the code prompt", "SIGINT", 0],
    ["during polling", "SIGKILL", 2_500],
  ] as const
) {
  Deno.test(`login --force interrupted ${when} (${signal}) keeps the old sign-in working and unrevoked`, async () => {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    const before = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
    await server.resetStats();
    const result = await login(home, server, ["--force"], {
      approve: async (_code, pid) => {
        if (waitMs) await new Promise((resolve) => setTimeout(resolve, waitMs));
        Deno.kill(pid, signal);
      },
    });
    assert.equal(result.code, signal === "SIGINT" ? 130 : 137, result.stderr);
    if (signal === "SIGKILL") assert.ok((await server.stats()).tokenRequests > 0, "it was polling");
    await assertOldSignInWorks(home, server, before.oauth.refreshToken);
  });
}

Deno.test("login --force completed: the new sign-in is saved, then the old one is revoked at the server", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  const before = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
  await server.resetStats();
  const result = await login(home, server, ["--force"], {
    approve: (code) => server.approve(code, grace),
  });
  expectExit(result, 0);
  // It said who was signed in before replacing them.
  assert.match(result.stderr, /Profile default is signed in as ada@example\.test/);
  const after = JSON.parse(await readFile(join(home.configDir, "auth.conf"), "utf8"));
  assert.notEqual(after.oauth.refreshToken, before.oauth.refreshToken);
  assert.equal(after.user.email, grace);
  assert.equal((await server.stats()).revocations, 1, "the old refresh token was revoked");
  // The old refresh token is dead at the server: put it back and try it.
  await Deno.writeTextFile(
    join(home.configDir, "auth.conf"),
    JSON.stringify(before, null, 2) + "\n",
    { mode: 0o600 },
  );
  await server.resetStats();
  const refresh = await twg(home, ["auth", "refresh", "--force"]);
  assert.notEqual(refresh.code, 0);
  assert.equal((await server.stats()).invalidGrants, 1);
});

Deno.test("logout --profile names the profile and leaves the other signed in", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await twoProfiles(server);
  const logout = await twg(home, ["logout", "--profile", "work"]);
  expectExit(logout, 0);
  assert.match(logout.stderr, /Logged out .*\(profile work\)/);
  expectExit(await twg(home, ["auth", "token", "--profile", "work"]), 3);
  expectExit(await twg(home, ["auth", "token"]), 0);
});

Deno.test("the token keeper serves the profile the request names, or its own", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await twoProfiles(server);
  const socket = join(home.path, "keeper", "broker.sock");
  await using _keeper = await startKeeper(home, socket);
  // A client that cannot see any store (an empty config dir) asks the keeper.
  const empty = join(home.path, "empty");
  await mkdir(empty, { mode: 0o700 });
  const ask = async (env: Record<string, string>) => {
    const result = await twg(home, ["auth", "token", "--json"], {
      env: { TWG_CONFIG_DIR: empty, TWG_BROKER_SOCKET: socket, ...env },
    });
    expectExit(result, 0);
    return JSON.parse(result.stdout);
  };
  const work = await ask({ TWG_PROFILE: "work" });
  assert.equal(work.source, "broker");
  assert.equal(work.token, (await stored(workAuthConf(home))).oauth.accessToken);
  const ada = await ask({});
  assert.equal(ada.token, (await stored(join(home.configDir, "auth.conf"))).oauth.accessToken);
});

Deno.test("uninstall revokes and removes every profile, and the access-token files", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await twoProfiles(server);
  await server.resetStats();
  // No user manager reachable: this test must not touch the machine's own schedule.
  const result = await twg(home, ["uninstall", "--yes"], {
    env: {
      DBUS_SESSION_BUS_ADDRESS: "unix:path=/nonexistent/bus",
      XDG_RUNTIME_DIR: "/nonexistent",
    },
  });
  // Each profile: its refresh token and its access token.
  assert.equal((await server.stats()).revocations, 4, result.stderr);
  assert.match(result.stderr, /profile work: /);
  await assert.rejects(stat(join(home.configDir, "profiles")));
  await assert.rejects(stat(join(home.configDir, "auth.conf")));
  await assert.rejects(stat(accessTokenFileOf(home, "work")));
});

testRequiring(
  ["script"],
  "login on a terminal while signed in says who, and adds another profile when asked",
  async () => {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    const before = await stored(join(home.configDir, "auth.conf"));
    const session = twgOnTerminal(home, ["login", "--no-browser"], { columns: 100 });
    await session.waitFor(
      /signed in as ada@example\.test[\s\S]*\[r\]eplace\/\[a\]dd\/\[c\]ancel: /,
    );
    await session.type("a\r");
    await session.waitFor(/Name of the new profile \(e\.g\. work\): /);
    await session.type("../x\r");
    await session.waitFor(/Invalid profile name/);
    await session.type("work\r");
    const [, code] = await session.waitFor(/one-time code: (\S+)/);
    await server.approve(code!, grace);
    await session.waitFor(/Bitbucket token \(Enter to skip\): /);
    await session.type("\r");
    const { code: exit, screen } = await session.finish();
    assert.equal(exit, 0, screen);
    // The first sign-in is untouched; the second is the new profile.
    assert.deepEqual(await stored(join(home.configDir, "auth.conf")), before);
    assert.equal(JSON.parse(await readFile(workAuthConf(home), "utf8")).user.email, grace);
    assert.equal((await server.stats()).revocations, 0);
  },
);

Deno.test({
  name: "exit 4 under --profile names that profile's access-token file, not the default's",
  // Deno's permission flags make the store unwritable; the Node build has none here.
  ignore: !isDenoBuild,
  fn: exitFourUnderProfile,
});

async function exitFourUnderProfile(): Promise<void> {
  await using server = await startDevServer({ interval: 1 });
  await using home = await twoProfiles(server);
  // Writes allowed only elsewhere: the refresh cannot be saved, so nothing is sent.
  const elsewhere = join(home.path, "elsewhere");
  await mkdir(elsewhere);
  const result = await twg(home, ["--profile", "work", "auth", "refresh", "--force"], {
    denoFlags: writesOnlyIn(elsewhere),
  });
  expectExit(result, 4);
  assert.match(result.stderr, /access-tokens\/work\.json/);
  assert.doesNotMatch(result.stderr, /access-tokens\/default\.json/);
}
