/**
 * The sandbox escapes of issue 20, as attacks on the scheduled job: what it
 * runs lives outside the config directory and is checked; where it sends the
 * refresh token and asks for updates was pinned at `upkeep enable`, so a
 * sandbox that may write the config directory cannot redirect it.
 *
 * The job is run the way systemd runs it: the unit's ExecStart with the
 * unit's Environment= lines, and nothing else of the test's environment.
 *
 * @module
 */
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import {
  ageToken,
  expectExit,
  type Home,
  isDenoBuild,
  login,
  makeHome,
  storedCredentials,
  twg,
  type TwgResult,
} from "./_twg.ts";

/** A systemctl that accepts everything, first on PATH. */
async function fakeSystemctl(home: Home): Promise<void> {
  const bin = join(home.path, "bin");
  await Deno.mkdir(bin, { recursive: true });
  await writeFile(join(bin, "systemctl"), "#!/bin/sh\nexit 0\n", { mode: 0o755 });
  home.env.PATH = `${bin}:${home.env.PATH}`;
  home.env.DBUS_SESSION_BUS_ADDRESS = "unix:path=/nonexistent/bus";
}

/** The words of a unit line's value, as systemd splits the quoted form twg writes. */
function unitWords(value: string): string[] {
  return [...value.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((match) =>
    match[1]!.replace(/\\(.)/g, "$1").replaceAll("%%", "%")
  );
}

/** A unit's ExecStart argv and its Environment= variables (with the few systemd sets itself). */
async function unitCommand(
  home: Home,
  name: string,
  extraEnv: Record<string, string>,
): Promise<{ exec: string[]; environment: Record<string, string> }> {
  const unit = await readFile(join(home.path, ".config", "systemd", "user", name), "utf8");
  const exec = unitWords(/^ExecStart=(.*)$/m.exec(unit)![1]!);
  const environment: Record<string, string> = {
    HOME: home.path,
    PATH: home.env.PATH!,
    DENO_DIR: home.env.DENO_DIR!,
    ...extraEnv,
  };
  for (const match of unit.matchAll(/^Environment=(.*)$/gm)) {
    const [pair] = unitWords(match[1]!);
    const at = pair!.indexOf("=");
    environment[pair!.slice(0, at)] = pair!.slice(at + 1);
  }
  return { exec, environment };
}

/** Runs the installed service as systemd would: its ExecStart, its Environment= only. */
async function runJob(home: Home, extraEnv: Record<string, string> = {}): Promise<TwgResult> {
  const { exec, environment } = await unitCommand(home, "twg-upkeep.service", extraEnv);
  const output = await new Deno.Command(exec[0]!, {
    args: exec.slice(1),
    env: environment,
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** A loopback server that only counts what reaches it: the attacker's endpoint. */
function attackerEndpoint() {
  let requests = 0;
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, () => {
    requests++;
    return Response.json({ access_token: "stolen", token_type: "Bearer", expires_in: 3600 });
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests: () => requests,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

async function rewriteAuthConf(home: Home, change: (oauth: Record<string, unknown>) => void) {
  const path = join(home.configDir, "auth.conf");
  const credentials = JSON.parse(await readFile(path, "utf8"));
  change(credentials.oauth);
  await writeFile(path, JSON.stringify(credentials, null, 2), { mode: 0o600 });
}

Deno.test(
  `the checkout launcher lives in the data directory; a changed launcher is refused before anything is sent${
    isDenoBuild ? "" : " (skipped: only a checkout run by Deno has a launcher)"
  }`,
  {
    ignore: !isDenoBuild,
  },
  async () => {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    await fakeSystemctl(home);
    expectExit(await twg(home, ["upkeep", "enable"]), 0);
    const launcher = join(home.path, ".local", "share", "twg", "twg-launcher");
    assert.ok((await Deno.stat(launcher)).isFile);
    await assert.rejects(Deno.stat(join(home.configDir, "twg-launcher")), { name: "NotFound" });
    // The job as installed: it runs and refreshes a due token.
    await ageToken(home, 0.9);
    await server.resetStats();
    expectExit(await runJob(home), 0);
    assert.equal((await server.stats()).refreshRequests, 1);
    // What an attacker who may write it would do: run their code, then twg as usual.
    const original = await readFile(launcher, "utf8");
    const marker = join(home.path, "pwned");
    await writeFile(launcher, original.replace("exec ", `touch '${marker}'\nexec `), {
      mode: 0o755,
    });
    await ageToken(home, 0.9);
    await server.resetStats();
    const refused = await runJob(home);
    expectExit(refused, 1);
    assert.match(refused.stderr, /the launcher .* was changed since upkeep enable/);
    assert.match(refused.stderr, /upkeep enable/);
    assert.equal((await server.stats()).tokenRequests, 0, "nothing sent by a tampered job");
    // Written afresh by enable, it runs again.
    expectExit(await twg(home, ["upkeep", "enable"]), 0);
    expectExit(await runJob(home), 0);
    assert.equal((await server.stats()).refreshRequests, 1);
  },
);

Deno.test("auth.conf rewritten to another token endpoint or issuer: the job refuses and sends nothing there", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using attacker = attackerEndpoint();
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  await fakeSystemctl(home);
  expectExit(await twg(home, ["upkeep", "enable"]), 0);
  const genuine = (await storedCredentials(home)).oauth as unknown as Record<string, string>;
  for (
    const change of [
      (oauth: Record<string, unknown>) => oauth.tokenEndpoint = `${attacker.url}/oauth/token`,
      (oauth: Record<string, unknown>) => {
        oauth.issuer = attacker.url;
        oauth.tokenEndpoint = `${attacker.url}/oauth/token`;
      },
    ]
  ) {
    await rewriteAuthConf(home, (oauth) => {
      oauth.tokenEndpoint = genuine.tokenEndpoint;
      oauth.issuer = genuine.issuer;
      change(oauth);
    });
    await ageToken(home, 0.9);
    const refused = await runJob(home);
    expectExit(refused, 1);
    assert.match(
      refused.stderr,
      /Refusing to refresh: auth\.conf names the (token endpoint|issuer)/,
    );
    assert.match(refused.stderr, /nothing was sent/);
    assert.equal(attacker.requests(), 0, "the refresh token never reached the other origin");
  }
  const state = JSON.parse(await readFile(join(home.configDir, "upkeep.json"), "utf8"));
  assert.equal(state.lastResult, "failed: not what upkeep enable pinned");
});

Deno.test("auth.conf rewritten after the job's first check, while it waits under the lock: the refresh refuses and sends nothing there", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using attacker = attackerEndpoint();
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  await fakeSystemctl(home);
  expectExit(await twg(home, ["upkeep", "enable"]), 0);
  await ageToken(home, 0.9);
  await server.resetStats();
  // The job holds the lock (a fault-injection pause before its re-read):
  // its first look at auth.conf, before the lock, saw the genuine endpoint.
  const lock = join(home.configDir, "auth.lock");
  const job = runJob(home, { TWG_TEST_PAUSE_AFTER_LOCK_MS: "2500" });
  const deadline = Date.now() + 60_000;
  while (!(await Deno.lstat(lock).then(() => true, () => false))) {
    assert.ok(Date.now() < deadline, "the job never took the lock");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  // In that instant, a sandbox that may write the config directory strikes.
  await rewriteAuthConf(home, (oauth) => oauth.tokenEndpoint = `${attacker.url}/oauth/token`);
  const refused = await job;
  expectExit(refused, 1);
  assert.match(refused.stderr, /Refusing to refresh: auth\.conf names the token endpoint/);
  assert.equal(attacker.requests(), 0, "the refresh token never reached the other origin");
  assert.equal((await server.stats()).tokenRequests, 0, "nothing sent anywhere");
  const state = JSON.parse(await readFile(join(home.configDir, "upkeep.json"), "utf8"));
  assert.equal(state.lastResult, "failed: not what upkeep enable pinned");
});

Deno.test("config.json pointing the update manifest elsewhere after enable: the job asks the pinned one", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using attacker = attackerEndpoint();
  const { TWG_UPDATE_MANIFEST_URL: manifestUrl, ...serverEnv } = server.env;
  await using home = await makeHome();
  Object.assign(home.env, serverEnv);
  await Deno.mkdir(home.configDir, { recursive: true, mode: 0o700 });
  const configJson = join(home.configDir, "config.json");
  // The person's own setting, at enable time.
  await writeFile(configJson, JSON.stringify({ updateManifestUrl: manifestUrl }));
  expectExit(await login(home, server), 0);
  await fakeSystemctl(home);
  expectExit(await twg(home, ["upkeep", "enable"]), 0);
  // A sandbox that may write the config directory rewrites it.
  await writeFile(configJson, JSON.stringify({ updateManifestUrl: `${attacker.url}/manifest` }));
  expectExit(await runJob(home), 0);
  assert.equal(attacker.requests(), 0, "the job never asked the other manifest");
  const state = JSON.parse(await readFile(join(home.configDir, "upkeep.json"), "utf8"));
  assert.ok(state.lastUpdateCheck, "the update check ran, against the pinned manifest");
});

/** Sends one request line to the keeper's socket and reads its answer line. */
async function askKeeper(socket: string): Promise<Record<string, unknown>> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  await conn.write(new TextEncoder().encode('{"v":1,"op":"token"}\n'));
  const text = await new Response(conn.readable).text();
  return JSON.parse(text.split("\n")[0]!);
}

Deno.test("upkeep enable installs the keeper's service: run as systemd runs it, it answers over its socket and refuses another origin", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using attacker = attackerEndpoint();
  await using home = await makeHome(server);
  // The user manager's runtime directory, where clients look by default.
  const runtime = join(home.path, "run");
  await mkdir(runtime, { mode: 0o700 });
  home.env.XDG_RUNTIME_DIR = runtime;
  expectExit(await login(home, server), 0);
  await fakeSystemctl(home);
  expectExit(await twg(home, ["upkeep", "enable"]), 0);
  const socket = join(runtime, "twg", "broker.sock");
  const { exec, environment } = await unitCommand(home, "twg-keeper.service", {});
  assert.deepEqual(exec.slice(-4), ["auth", "serve", "--socket", socket]);
  const keeper = new Deno.Command(exec[0]!, {
    args: exec.slice(1),
    env: environment,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(keeper.stderr).text();
  const stdout = new Response(keeper.stdout).text();
  try {
    const deadline = Date.now() + 60_000;
    let ended = false;
    keeper.status.then(() => ended = true);
    while (!(await Deno.lstat(socket).then((info) => info.isSocket, () => false))) {
      if (ended || Date.now() > deadline) {
        assert.fail(`the keeper never listened: ${await stderr}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    // Expired: the keeper refreshes through the one door, and answers.
    await ageToken(home, 1.1);
    await server.resetStats();
    const answer = await askKeeper(socket);
    assert.equal(answer.ok, true, JSON.stringify(answer));
    assert.equal(answer.token, (await storedCredentials(home)).oauth.accessToken);
    assert.equal((await server.stats()).refreshRequests, 1);
    // A sandbox that may write the config directory points the endpoint elsewhere.
    await rewriteAuthConf(home, (oauth) => oauth.tokenEndpoint = `${attacker.url}/oauth/token`);
    await ageToken(home, 1.1);
    const refused = await askKeeper(socket);
    assert.notEqual(refused.ok, true, "no token for a redirected refresh");
    // The pin refuses (a checkout's Deno permissions would stop it too, later).
    assert.equal((refused.error as { code: string }).code, "pin-mismatch");
    assert.equal(attacker.requests(), 0, "the refresh token never reached the other origin");
  } finally {
    try {
      keeper.kill("SIGTERM");
    } catch {
      // Already ended.
    }
    await keeper.status;
    await stdout;
    await stderr;
  }
  if (!isDenoBuild) return;
  // The launcher it runs, changed by someone who may write it: the keeper refuses to start.
  const launcher = join(home.path, ".local", "share", "twg", "twg-launcher");
  const original = await readFile(launcher, "utf8");
  await writeFile(launcher, original.replace("exec ", "true\nexec "), { mode: 0o755 });
  const started = new Deno.Command(exec[0]!, {
    args: exec.slice(1),
    env: environment,
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A keeper that starts anyway would run until stopped: stop it, and fail below.
  const limit = setTimeout(() => started.kill("SIGKILL"), 30_000);
  const refused = await started.output();
  clearTimeout(limit);
  assert.equal(refused.code, 1);
  assert.match(
    new TextDecoder().decode(refused.stderr),
    /the launcher .* was changed since upkeep enable/,
  );
});
