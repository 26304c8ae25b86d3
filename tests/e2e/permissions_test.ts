/**
 * twg under real, restricted Deno permission flags: a permission it was not
 * given is an expected condition that names the flag, never "Unexpected".
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { validate } from "../_json_schema.ts";
import { ageToken, expectExit, isDenoBuild, login, makeHome, projectRoot, twg } from "./_twg.ts";

/** The README's least-privilege `deno install` flags for `home`. */
function readmeFlags(home: string): string[] {
  return [
    "--allow-read",
    "--allow-env",
    "--allow-net",
    "--allow-run",
    "--allow-sys=hostname",
    `--allow-write=${home}/.config/twg,${home}/.config/systemd/user,${home}/Library/LaunchAgents,${home}/Library/Logs/twg`,
  ];
}

function assertExpected(result: { stderr: string }): void {
  assert.doesNotMatch(result.stderr, /Unexpected error|please report it/, result.stderr);
}

Deno.test({
  name:
    "upkeep enable --dry-run --output-dir outside --allow-write names the flag for that directory",
  ignore: !isDenoBuild,
  async fn() {
    await using home = await makeHome();
    const outputDir = join(home.path, "rendered");
    const result = await twg(home, ["upkeep", "enable", "--dry-run", "--output-dir", outputDir], {
      denoFlags: readmeFlags(home.path),
    });
    expectExit(result, 1);
    assertExpected(result);
    assert.match(
      result.stderr,
      new RegExp(`Deno's permissions do not allow twg to write "${outputDir}"`),
    );
    assert.match(
      result.stderr,
      new RegExp(`Add --allow-write=${outputDir} to the "deno run" or "deno install" flags`),
    );
    // Inside the allowed directories it works under the same flags.
    const allowed = await twg(
      home,
      ["upkeep", "enable", "--dry-run", "--output-dir", join(home.configDir, "rendered")],
      { denoFlags: readmeFlags(home.path) },
    );
    expectExit(allowed, 0);
  },
});

Deno.test({
  name: "a missing --allow-sys, --allow-net or --allow-read is named with its target",
  ignore: !isDenoBuild,
  async fn() {
    await using home = await makeHome(undefined, {
      TWG_ISSUER: "http://127.0.0.1:4567",
      TWG_CLIENT_ID: "twg-dev",
    });
    const withoutSys = readmeFlags(home.path).filter((flag) => !flag.startsWith("--allow-sys"));
    // Saving takes the lock, whose owner record names the host.
    const sys = await twg(home, ["setup", "bitbucket", "--with-token"], {
      stdin: "bb\n",
      denoFlags: withoutSys,
    });
    expectExit(sys, 1);
    assertExpected(sys);
    assert.match(sys.stderr, /read the system information "hostname"/);
    assert.match(sys.stderr, /Add --allow-sys=hostname/);

    const withoutNet = readmeFlags(home.path).filter((flag) => flag !== "--allow-net");
    const net = await twg(home, ["login", "--no-browser"], { denoFlags: withoutNet });
    expectExit(net, 1);
    assertExpected(net);
    assert.match(net.stderr, /connect to "127\.0\.0\.1:4567"/);
    assert.match(net.stderr, /Add --allow-net=127\.0\.0\.1:4567/);

    // --allow-run for other programs only: the browser is not opened, and the reason says why.
    // The code lives 2 s: nobody approves it, only the opener's reason matters.
    await using server = await startDevServer({ interval: 1, deviceCodeTtl: 2 });
    const browserFlags = [
      ...readmeFlags(home.path).filter((flag) => flag !== "--allow-run"),
      "--allow-run=systemctl",
    ];
    const opener = await twg(home, ["login"], {
      denoFlags: browserFlags,
      env: { ...server.env, BROWSER: "/usr/bin/true" },
    });
    assertExpected(opener);
    assert.match(
      opener.stderr,
      /No browser opened \(\/usr\/bin\/true could not be started: Deno's permissions do not allow twg to run "\/usr\/bin\/true"; add --allow-run=\/usr\/bin\/true/,
    );

    // No --allow-read at all: twg's own files come first. Deno reads each
    // module as it is first imported (deno.json's lazy-dynamic-imports), and
    // a local file read then needs the permission.
    const withoutRead = readmeFlags(home.path).filter((flag) => flag !== "--allow-read");
    const root = projectRoot.replace(/\/$/, "");
    const own = await twg(home, ["auth", "status"], { denoFlags: withoutRead });
    expectExit(own, 1);
    assertExpected(own);
    assert.match(
      own.stderr,
      new RegExp(`allow twg to read "${root}" \\(twg's own files\\)`),
    );
    assert.match(own.stderr, new RegExp(`Add --allow-read=${root} `));
    assert.doesNotMatch(own.stderr, /Uncaught|Requires read access/);
    // --json still answers with one document, in the command's own shape.
    const ownJson = await twg(home, ["auth", "status", "--json"], { denoFlags: withoutRead });
    expectExit(ownJson, 1);
    const document = JSON.parse(ownJson.stdout);
    assert.deepEqual(validate("auth-status.schema.json", document), []);
    assert.match(document.error.message, /twg's own files/);
    // Its own files readable, nothing else: the config directory's owner is
    // the next thing read (checked before auth.conf is trusted).
    const ownOnly = [...withoutRead, `--allow-read=${root}`];
    const read = await twg(home, ["auth", "status"], { denoFlags: ownOnly });
    expectExit(read, 1);
    assertExpected(read);
    assert.match(read.stderr, new RegExp(`allow twg to read "${home.configDir}"`));
    assert.match(read.stderr, new RegExp(`Add --allow-read=${home.configDir} `));
  },
});

Deno.test({
  name:
    "a config dir elsewhere (XDG_CONFIG_HOME) under the README's flags: login names the --allow-write it lacks, not a sandbox",
  ignore: !isDenoBuild,
  async fn() {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    const xdg = join(home.path, "xdg");
    const result = await twg(home, ["login", "--no-browser"], {
      denoFlags: readmeFlags(home.path),
      env: { XDG_CONFIG_HOME: xdg },
    });
    expectExit(result, 4);
    assertExpected(result);
    // The flag comes first, right after what was not sent.
    assert.match(
      result.stderr,
      new RegExp(
        `No request was sent[^\n]*\ntwg's own permissions refuse the write: add --allow-write=${xdg}/twg to the flags`,
      ),
    );
    assert.equal((await server.stats()).deviceAuthorizations, 0, "nothing was asked");
  },
});

Deno.test({
  name: "with --allow-read limited to the config and data directories and twg's own files, " +
    "a due refresh in the detached child succeeds",
  ignore: !isDenoBuild,
  async fn() {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    await ageToken(home, 0.8);
    await server.resetStats();
    const dataDir = join(home.path, ".local", "share", "twg");
    // The child is given the reads its parent has: before, it lacked twg's own
    // files, could not load the transaction, and ended without an answer.
    const readable = [home.configDir, dataDir, projectRoot.replace(/\/$/, ""), "/proc"];
    const result = await twg(home, ["auth", "token", "--json"], {
      denoFlags: [
        `--allow-read=${readable.join(",")}`,
        "--allow-env",
        "--allow-net",
        "--allow-run",
        "--allow-sys=hostname",
        `--allow-write=${home.configDir},${dataDir}`,
      ],
    });
    expectExit(result, 0);
    assert.equal((await server.stats()).refreshSuccesses, 1, result.stderr);
  },
});
