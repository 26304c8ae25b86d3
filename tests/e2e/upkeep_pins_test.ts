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
import { readFile, writeFile } from "node:fs/promises";
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

/** Runs the installed service as systemd would: its ExecStart, its Environment= only. */
async function runJob(home: Home): Promise<TwgResult> {
  const unit = await readFile(
    join(home.path, ".config", "systemd", "user", "twg-upkeep.service"),
    "utf8",
  );
  const exec = unitWords(/^ExecStart=(.*)$/m.exec(unit)![1]!);
  const environment: Record<string, string> = {
    HOME: home.path,
    PATH: home.env.PATH!,
    DENO_DIR: home.env.DENO_DIR!,
  };
  for (const match of unit.matchAll(/^Environment=(.*)$/gm)) {
    const [pair] = unitWords(match[1]!);
    const at = pair!.indexOf("=");
    environment[pair!.slice(0, at)] = pair!.slice(at + 1);
  }
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
  "the checkout launcher lives in the data directory; a changed launcher is refused before anything is sent",
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
