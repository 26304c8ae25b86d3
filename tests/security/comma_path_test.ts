/**
 * Attack: a comma in the config directory's path (issue 23, finding 12).
 * Deno splits permission lists at commas and has no dependable escape
 * (src/permission_list.ts), so `--allow-write=/tmp/x,/home/ada` grants the whole home
 * directory: the refresh child and the upkeep launcher would get more than
 * the process that starts them. Such a path never reaches a flag.
 */
import assert from "node:assert/strict";
import { permissionFlag } from "../../src/permission_list.ts";
import { checkoutLauncherScript } from "../../src/install/checkout.ts";
import { UsageError } from "../../src/errors.ts";
import { fakeEnv } from "../_fake_env.ts";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, isDenoBuild, login, makeHome, twg, writesOnlyIn } from "../e2e/_twg.ts";

Deno.test("a path with a comma is never put in a Deno permission list", () => {
  assert.equal(permissionFlag("allow-write", ["/home/ada/x,/home/ada"]), null);
  assert.equal(permissionFlag("allow-read", ["/proc", "/tmp/a,b"]), null);
  assert.equal(permissionFlag("allow-read", [""]), null);
  assert.equal(permissionFlag("allow-read", ["/a", "/b"]), "--allow-read=/a,/b");
});

Deno.test("upkeep's launcher refuses a config dir with a comma instead of granting its parts", async () => {
  await using env = fakeEnv({ install: "checkout" });
  const configDir = `${env.homeDir}/cfg,${env.homeDir}`;
  assert.throws(
    () => checkoutLauncherScript(env, { configDir, netHosts: ["auth.example.test"] }),
    (error: Error) => error instanceof UsageError && /has a comma/.test(error.message),
  );
  const fine = checkoutLauncherScript(env, {
    configDir: `${env.homeDir}/cfg`,
    netHosts: ["auth.example.test"],
  });
  assert.match(fine.content, new RegExp(`--allow-write=${env.homeDir}/cfg'`));
});

Deno.test({
  name: "a refresh in a config dir with a comma works under least-privilege flags, never split",
  ignore: !isDenoBuild,
  async fn() {
    await using server = await startDevServer();
    await using home = await makeHome(server);
    const configDir = join(home.path, "cfg,other");
    home.env.TWG_CONFIG_DIR = configDir;
    expectExit(await login(home, server), 0);
    await server.resetStats();
    const refresh = await twg(home, ["auth", "refresh", "--force", "--json"], {
      denoFlags: writesOnlyIn(home.path),
    });
    expectExit(refresh, 0);
    assert.equal(JSON.parse(refresh.stdout).refreshed, true);
    assert.equal((await server.stats()).refreshSuccesses, 1);
  },
});
