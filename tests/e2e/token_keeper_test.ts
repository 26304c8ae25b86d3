/**
 * The host keeps, the sandbox reads: `auth token --json` / `--format env`,
 * the access-token file read by a sandbox that cannot see `auth.conf`, and
 * the token keeper (`auth serve`) answering sandboxes over its socket.
 *
 * @module
 */
import assert from "node:assert/strict";
import { chown, mkdir, readFile, stat, symlink } from "node:fs/promises";
import { join } from "node:path";
import { testRequiring } from "../_requires.ts";
import { type DevServer, startDevServer } from "../fixtures/dev_server_client.ts";
import {
  accessTokenFileOf,
  ageToken,
  expectExit,
  type Home,
  login,
  makeHome,
  startKeeper,
  storedCredentials,
  twg,
} from "./_twg.ts";

/** A socket path nothing listens on: the default one may belong to another run on this host. */
function noBroker(home: Home): Record<string, string> {
  return { TWG_BROKER_SOCKET: join(home.path, "no-broker", "broker.sock") };
}

/**
 * bwrap with the root read-only and `auth.conf` masked by /dev/null, as a
 * sandbox that denies reading the refresh token; `extra` binds more.
 */
function maskedSandbox(home: Home, ...extra: string[]): (argv: string[]) => string[] {
  // With the whole config directory hidden, no bind over auth.conf: binding
  // onto a name the keeper is renaming over races (bwrap: "Unable to mount
  // source on destination"), and the tmpfs hides it anyway.
  const hidesConfigDir = extra.includes("--tmpfs") &&
    extra[extra.indexOf("--tmpfs") + 1] === home.configDir;
  const mask = hidesConfigDir ? [] : ["--ro-bind", "/dev/null", join(home.configDir, "auth.conf")];
  return (argv) => [
    "bwrap",
    "--ro-bind",
    "/",
    "/",
    "--dev",
    "/dev",
    "--proc",
    "/proc",
    ...mask,
    ...extra,
    ...argv,
  ];
}

/** Sends one raw line to the socket and reads the answer line. */
async function rawRequest(socket: string, bytes: Uint8Array): Promise<Record<string, unknown>> {
  const conn = await Deno.connect({ transport: "unix", path: socket });
  await conn.write(bytes);
  // The answer line, then the keeper closes (consuming readable closes ours).
  const text = await new Response(conn.readable).text();
  return JSON.parse(text.split("\n")[0]!);
}

async function signedIn(server: DevServer, extra: Record<string, string> = {}): Promise<Home> {
  const home = await makeHome(server, extra);
  Object.assign(home.env, noBroker(home));
  expectExit(await login(home, server), 0);
  return home;
}

Deno.test("auth token --json is the typed document and --format env is shell-safe; neither holds the refresh token", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  const stored = await storedCredentials(home);
  const json = await twg(home, ["auth", "token", "--json"]);
  expectExit(json, 0);
  const document = JSON.parse(json.stdout);
  // The contract's six fields, in the frame of every --json document (issue 25, item 10).
  assert.deepEqual(Object.keys(document), [
    "schemaVersion",
    "token",
    "expiresAt",
    "tokenType",
    "site",
    "cloudId",
    "source",
    "error",
  ]);
  assert.equal(document.error, null);
  assert.equal(document.token, stored.oauth.accessToken);
  assert.equal(document.source, "file");
  assert.equal(document.tokenType, "Bearer");
  assert.equal(document.cloudId, "site-1");
  assert.ok(Date.parse(document.expiresAt) > Date.now());
  assert.equal(new Date(document.expiresAt).toISOString(), document.expiresAt, "RFC 3339 UTC");
  const lines = await twg(home, ["auth", "token", "--format", "env"]);
  expectExit(lines, 0);
  // What eval in a POSIX shell makes of it.
  const shell = await new Deno.Command("sh", {
    args: [
      "-c",
      `eval "$1"; printf %s "$TWG_OAUTH_ACCESS_TOKEN|$TWG_CLOUD_ID"`,
      "sh",
      lines.stdout,
    ],
    stdout: "piped",
  }).output();
  assert.equal(new TextDecoder().decode(shell.stdout), `${stored.oauth.accessToken}|site-1`);
  for (const output of [json.stdout, lines.stdout]) {
    assert.ok(!output.includes(stored.oauth.refreshToken), "never the refresh token");
  }
  const both = await twg(home, ["auth", "token", "--json", "--format", "env"]);
  expectExit(both, 2);
});

Deno.test("login writes the access-token file (0600, no refresh token), a refresh rewrites it, logout removes it", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  const path = accessTokenFileOf(home);
  const first = JSON.parse(await readFile(path, "utf8"));
  const stored = await storedCredentials(home);
  assert.equal(first.token, stored.oauth.accessToken);
  assert.equal((await stat(path)).mode & 0o777, 0o600);
  assert.deepEqual(Object.keys(first).sort(), [
    "cloudId",
    "expiresAt",
    "issuer",
    "site",
    "token",
    "tokenType",
    "version",
  ]);
  expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
  const rotated = await storedCredentials(home);
  const second = JSON.parse(await readFile(path, "utf8"));
  assert.equal(second.token, rotated.oauth.accessToken);
  assert.ok(!JSON.stringify(second).includes(rotated.oauth.refreshToken));
  expectExit(await twg(home, ["logout"]), 0);
  await assert.rejects(stat(path), { code: "ENOENT" });
});

testRequiring(
  ["bwrap"],
  "a read-only sandbox that cannot see auth.conf gets the host's token from the access-token file; it can read no refresh token",
  async () => {
    await using server = await startDevServer({ interval: 1 });
    await using home = await signedIn(server);
    // The host keeps it fresh: this rotation is what the sandbox must see.
    expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
    const stored = await storedCredentials(home);
    await server.resetStats();
    const sandbox = maskedSandbox(home);
    const token = await twg(home, ["auth", "token", "--json"], { wrap: sandbox });
    expectExit(token, 0);
    const document = JSON.parse(token.stdout);
    assert.equal(document.source, "token-file");
    assert.equal(document.token, stored.oauth.accessToken);
    // The authorization server's resource accepts it, from inside the sandbox.
    const api = await twg(home, ["api", "/rest/api/3/myself"], { wrap: sandbox });
    expectExit(api, 0);
    assert.equal(JSON.parse(api.stdout).ok, true);
    assert.equal((await server.stats()).tokenRequests, 0, "the sandbox sent no token request");
    // Everything the sandbox can read of the home directory: no refresh token.
    const [bwrap, ...args] = sandbox(["grep", "-rlF", "--", stored.oauth.refreshToken, home.path]);
    const search = await new Deno.Command(bwrap!, { args, stdout: "piped", stderr: "piped" })
      .output();
    // Exit 1 (nothing found) or 2 with the masked auth.conf unreadable; 0 lists a match.
    assert.notEqual(search.code, 0, `grep found it in: ${new TextDecoder().decode(search.stdout)}`);
    assert.equal(new TextDecoder().decode(search.stdout), "");
    // Without the file and without the store: the store's own error, exit 1.
    await Deno.remove(accessTokenFileOf(home));
    expectExit(await twg(home, ["auth", "token"], { wrap: sandbox }), 1);
  },
);

testRequiring(
  ["bwrap"],
  "20 racing sandboxed auth token runs through the keeper's socket all get the new token; the server sees one refresh",
  async () => {
    await using server = await startDevServer({ interval: 1, accessTokenTtl: 600 });
    await using home = await signedIn(server);
    const socketDir = join(home.path, "keeper");
    const socket = join(socketDir, "broker.sock");
    await using _keeper = await startKeeper(home, socket);
    assert.equal((await stat(socketDir)).mode & 0o777, 0o700);
    assert.equal((await stat(socket)).mode & 0o777, 0o600);
    // Expired on the host's clock: the first request must refresh.
    await ageToken(home, 1.1);
    const before = await storedCredentials(home);
    await server.resetStats();
    // The whole config directory hidden: a bind over auth.conf alone is undone
    // for a running sandbox when the keeper renames the rotated file over it.
    const sandbox = maskedSandbox(home, "--tmpfs", home.configDir, "--bind", socket, socket);
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        twg(home, ["auth", "token", "--json"], {
          wrap: sandbox,
          env: { TWG_BROKER_SOCKET: socket },
        })),
    );
    const after = await storedCredentials(home);
    assert.notEqual(after.oauth.accessToken, before.oauth.accessToken);
    for (const result of results) {
      expectExit(result, 0);
      const document = JSON.parse(result.stdout);
      assert.equal(document.source, "broker");
      assert.equal(document.token, after.oauth.accessToken);
      assert.ok(!result.stdout.includes(after.oauth.refreshToken));
    }
    const stats = await server.stats();
    assert.equal(stats.refreshRequests, 1, "exactly one refresh for twenty requests");
    assert.equal(stats.invalidGrants, 0);
    // The keeper kept the file fresh too.
    const file = JSON.parse(await readFile(accessTokenFileOf(home), "utf8"));
    assert.equal(file.token, after.oauth.accessToken);
  },
);

Deno.test("the keeper refuses oversized, malformed and issuer-naming requests and sends nothing", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  const socket = join(home.path, "keeper", "broker.sock");
  await using _keeper = await startKeeper(home, socket);
  await ageToken(home, 1.1);
  await server.resetStats();
  const encoder = new TextEncoder();
  const oversized = await rawRequest(socket, encoder.encode("{" + " ".repeat(4096) + "}\n"));
  assert.equal((oversized.error as { code: string }).code, "too-large");
  const malformed = await rawRequest(socket, encoder.encode("not json\n"));
  assert.equal((malformed.error as { code: string }).code, "malformed");
  const issuer = await rawRequest(
    socket,
    encoder.encode(
      JSON.stringify({ v: 1, op: "token", issuer: "http://127.0.0.1:9/", tokenEndpoint: "x" }) +
        "\n",
    ),
  );
  assert.equal((issuer.error as { code: string }).code, "unknown-field");
  const version = await rawRequest(socket, encoder.encode('{"v":2,"op":"token"}\n'));
  assert.equal((version.error as { code: string }).code, "unsupported-version");
  assert.equal((await server.stats()).tokenRequests, 0, "no refused request reached the server");
  // A valid one still works (and refreshes the expired token once).
  const valid = await rawRequest(socket, encoder.encode('{"v":1,"op":"token"}\n'));
  assert.equal(valid.ok, true);
  assert.equal(valid.token, (await storedCredentials(home)).oauth.accessToken);
  assert.equal(valid.refreshToken, undefined);
});

Deno.test("auth serve refuses a planted symlink at the socket, and a socket directory that is group-writable or someone else's", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  // A symlink at the socket path, pointing at a file the attacker wants replaced.
  const linkDir = join(home.path, "linked");
  await mkdir(linkDir, { mode: 0o700 });
  const target = join(home.path, "victim");
  await Deno.writeTextFile(target, "keep me");
  await symlink(target, join(linkDir, "broker.sock"));
  const linked = await twg(home, ["auth", "serve", "--socket", join(linkDir, "broker.sock")]);
  expectExit(linked, 1);
  assert.match(linked.stderr, /symbolic link/);
  assert.equal(await Deno.readTextFile(target), "keep me");
  // A symlinked directory.
  await symlink(linkDir, join(home.path, "dir-link"));
  const dirLink = await twg(home, ["auth", "serve", "--socket", join(home.path, "dir-link", "s")]);
  expectExit(dirLink, 1);
  assert.match(dirLink.stderr, /symbolic link/);
  // Group-writable.
  const open = join(home.path, "open");
  await mkdir(open);
  await Deno.chmod(open, 0o770);
  const groupWritable = await twg(home, ["auth", "serve", "--socket", join(open, "broker.sock")]);
  expectExit(groupWritable, 1);
  assert.match(groupWritable.stderr, /others may enter or write it \(mode 770\)/);
  // Someone else's (only root can give a directory away).
  if (Deno.uid() === 0) {
    const foreign = join(home.path, "foreign");
    await mkdir(foreign, { mode: 0o700 });
    await chown(foreign, 65534, 65534);
    const refused = await twg(home, ["auth", "serve", "--socket", join(foreign, "broker.sock")]);
    expectExit(refused, 1);
    assert.match(refused.stderr, /belongs to user 65534/);
  }
  assert.equal((await server.stats()).refreshRequests, 0);
});

Deno.test("auth switch rewrites the access-token file's site", async () => {
  await using server = await startDevServer({ interval: 1, sites: 2 });
  await using home = await makeHome(server);
  Object.assign(home.env, noBroker(home));
  expectExit(await login(home, server, ["--site", "site-1"]), 0);
  const path = accessTokenFileOf(home);
  assert.equal(JSON.parse(await readFile(path, "utf8")).cloudId, "site-1");
  expectExit(await twg(home, ["auth", "switch", "--site", "site-2"]), 0);
  assert.equal(JSON.parse(await readFile(path, "utf8")).cloudId, "site-2");
});
