/**
 * Attack: `login --force` moving a keyring sign-in to a plaintext refresh
 * token (issue 23, finding 3), which twg's own keyring hints advise. With a
 * real Secret Service (gnome-keyring in a private D-Bus session): after
 * `login --force` the refresh token is still sealed, is nowhere on disk in
 * plaintext, and the keyring holds exactly the one key, which seals the new
 * token: `--force` keeps the working sign-in (and so its key) until the new
 * one is saved (issue 21), so no orphaned key is left behind.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { missingSecretService, startSecretService } from "../e2e/_secret_service.ts";
// Type only: puts the addon in Deno's cache for the twg processes, never loads it here.
import type { AsyncEntry as _AsyncEntry } from "@napi-rs/keyring";
import { expectExit, login, makeHome } from "../e2e/_twg.ts";

const missing = await missingSecretService;
if (missing && Deno.env.get("CI") === "true") throw new Error(`Cannot run in CI: ${missing}`);

/** The `secret = …` lines of `secret-tool search`: the keys themselves. */
function secrets(search: string): string[] {
  return search.split("\n").filter((line) => line.startsWith("secret = "));
}

Deno.test({
  name: `login --force keeps a keyring sign-in in the keyring, under its one key${
    missing ? ` (skipped: ${missing})` : ""
  }`,
  ignore: missing !== null,
  async fn() {
    await using keyring = await startSecretService();
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server, keyring.env);
    expectExit(await login(home, server, ["--backend", "keyring"]), 0);
    const oldKeys = secrets(await keyring.search());
    assert.equal(oldKeys.length, 1);

    expectExit(await login(home, server, ["--force"]), 0);
    const issued = await server.lastTokens();
    const stored = JSON.parse(await Deno.readTextFile(join(home.configDir, "auth.conf")));
    assert.match(stored.oauth.refreshToken, /^twg-keyring:v2:/, "still sealed");
    for (const entry of Deno.readDirSync(home.configDir)) {
      if (!entry.isFile) continue;
      const text = await Deno.readTextFile(join(home.configDir, entry.name));
      assert.ok(!text.includes(issued.refreshToken!), `plaintext refresh token in ${entry.name}`);
    }
    const newKeys = secrets(await keyring.search());
    assert.equal(newKeys.length, 1, "one key for this config dir");
    assert.deepEqual(newKeys, oldKeys, "the same key seals the new token: none is orphaned");

    // Asking for the file backend is still possible, and said explicitly.
    expectExit(await login(home, server, ["--force", "--backend", "file"]), 0);
    const plain = JSON.parse(await Deno.readTextFile(join(home.configDir, "auth.conf")));
    assert.equal(plain.oauth.refreshToken, (await server.lastTokens()).refreshToken);
    assert.deepEqual(secrets(await keyring.search()), [], "no key left behind");
  },
});
