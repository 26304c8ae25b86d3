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
