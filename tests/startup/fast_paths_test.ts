/**
 * The fast paths stay fast: `auth token` on a fresh token, `--version`,
 * `auth status --json`, an idle `upkeep run`, `__complete` and help load no
 * module they do not need. The
 * modules a run reads are taken from Deno's debug log (one
 * "FileFetcher::fetch_no_follow - specifier: <url>" line per module file
 * read, and a "V8 code cache hit" line per module evaluated once the cache
 * is warm: each argv runs twice and the second run is read), so this also
 * sees the modules Deno reads ahead of time: without
 * deno.json's `"unstable": ["lazy-dynamic-imports"]`, Deno walks every
 * string-literal `import()` before running anything (denoland/deno#28593),
 * and `--version` read all 149 modules of the tree. The probe proves itself
 * on every run: it must see `src/main.ts`, and `twg config list` must show
 * commander, or the assertions below would pass on an empty list.
 */
import assert from "node:assert/strict";
import { expectExit, login, makeHome, projectRoot } from "../e2e/_twg.ts";
import { startDevServer } from "../fixtures/dev_server_client.ts";

/** Dependencies no fast path may load: the parser, ID tokens, jq, the keyring addon, the dev server's. */
const heavy = /commander|jose|jq-wasm|@napi-rs|oidc-provider|ext:deno_node|\/npm\//;

async function loadedModules(env: Record<string, string>, args: string[]): Promise<string[]> {
  let log = "";
  for (let run = 0; run < 2; run++) {
    const output = await new Deno.Command(Deno.execPath(), {
      args: ["run", "--quiet", "--no-prompt", "-A", "src/main.ts", ...args],
      cwd: projectRoot,
      env: { ...env, DENO_LOG: "debug" },
      clearEnv: true,
      stdout: "null",
      stderr: "piped",
    }).output();
    log = new TextDecoder().decode(output.stderr);
  }
  // npm packages are not read through the file fetcher: their evaluation shows as a code cache hit.
  const read = [...log.matchAll(/FileFetcher::fetch_no_follow - specifier: (\S+)/g)];
  const evaluated = [...log.matchAll(/V8 code cache hit for ES module: (\S+?),/g)];
  const modules = [...new Set([...read, ...evaluated].map((match) => match[1]!))]
    .map((url) => url.replace(`file://${projectRoot}`, ""));
  assert.ok(
    modules.includes("src/main.ts"),
    `the probe sees the modules loaded: ${log.slice(-500)}`,
  );
  return modules;
}

Deno.test("the fast paths load no parser, no npm package, no Node compatibility layer", async (t) => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);

  await t.step("the probe sees commander when the parser is loaded", async () => {
    const modules = await loadedModules(home.env, ["config", "list"]);
    assert.ok(modules.some((url) => heavy.test(url)), modules.join("\n"));
  });
  for (
    const args of [
      ["auth", "token"],
      ["auth", "token", "--json"],
      ["--version"],
      ["auth", "status", "--json"],
    ]
  ) {
    await t.step(`twg ${args.join(" ")}`, async () => {
      const modules = await loadedModules(home.env, args);
      assert.deepEqual(modules.filter((url) => heavy.test(url)), []);
      // The command modules, the update check and the other commands' logic stay unloaded.
      assert.deepEqual(
        modules.filter((url) =>
          /^src\/(commands\/(?!auth_status\.ts)|cli\.ts|update\/|upkeep\/|api\/|install\/)/.test(
            url,
          )
        ),
        [],
      );
      if (args[1] !== "token") return;
      // A fresh token loads no refresh machinery: no preflight, lock, door, child or grant.
      assert.deepEqual(
        modules.filter((url) =>
          /^src\/(agents\/|credentials\/(lock|sign_in_door)\.ts|auth\/refresh_(due|transaction|parent_side)\.ts|oauth\/(refresh_grant|http)\.ts)/
            .test(url)
        ),
        [],
      );
    });
  }
  await t.step(
    "an idle upkeep run loads no Node compatibility layer, no notifier, no install modules",
    async () => {
      // The first run (in loadedModules) does the update check due after login; the second is idle.
      const modules = await loadedModules(home.env, ["upkeep", "run"]);
      assert.deepEqual(modules.filter((url) => heavy.test(url)), []);
      // Nothing due: no notifier, no manifest or HTTP client, no agent detection.
      assert.deepEqual(
        modules.filter((url) =>
          /^(src\/install\/(?!semver\.ts)|src\/agents\/|src\/oauth\/http\.ts|platform\/notify\.ts)/
            .test(url)
        ),
        [],
      );
    },
  );
  await t.step("--version loads only main's own modules", async () => {
    const modules = await loadedModules(home.env, ["--version"]);
    // main.ts's static imports: the Env, the output sanitiser, and the answer to a refused
    // read of twg's own files (which could not be loaded then); the error report loads on failure.
    assert.ok(modules.length <= 9, `${modules.length} modules: ${modules.join(" ")}`);
  });
  for (
    const args of [
      ["__complete", "1", "auth", "st"],
      ["__complete", "0", "au"],
      ["--help"],
      ["auth", "token", "--help"],
      ["help", "auth", "status"],
    ]
  ) {
    await t.step(`twg ${args.join(" ")} reads the generated tree, not commander`, async () => {
      const modules = await loadedModules(home.env, args);
      assert.ok(modules.includes("src/tree/snapshot.ts"), modules.join(" "));
      assert.deepEqual(modules.filter((url) => heavy.test(url)), []);
      assert.deepEqual(
        modules.filter((url) => /^src\/(cli\.ts|commands\/|tree\/shape_of\.ts)/.test(url)),
        [],
      );
    });
  }
});
