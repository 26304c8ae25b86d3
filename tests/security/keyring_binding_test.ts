/**
 * Attacks on the keyring backend (issue 23, finding 10), against a real
 * Secret Service (gnome-keyring in a private D-Bus session):
 *
 * - a sealed refresh token is bound to its sign-in (config directory, issuer,
 *   client) as AES-GCM associated data: an `auth.conf` whose issuer and
 *   endpoints were edited to point at another server does not open, and
 *   nothing is sent there;
 * - a token sealed the old way (v1) still opens, and is sealed bound at the
 *   next save;
 * - a key item planted under twg's name before a keyring sign-in is never
 *   adopted.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import {
  missingSecretService,
  type SecretService,
  startSecretService,
} from "../e2e/_secret_service.ts";
// Type only: puts the addon in Deno's cache for the twg processes, never loads it here.
import type { AsyncEntry as _AsyncEntry } from "@napi-rs/keyring";
import { expectExit, type Home, login, makeHome, twg } from "../e2e/_twg.ts";

const missing = await missingSecretService;
if (missing && Deno.env.get("CI") === "true") throw new Error(`Cannot run in CI: ${missing}`);
const named = (name: string) => missing ? `${name} (skipped: ${missing})` : name;

const bytes = (text: string) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
const base64 = (data: Uint8Array) => btoa(String.fromCharCode(...data));

/** The key twg keeps for `home`, read with secret-tool. */
async function storedKey(keyring: SecretService, home: Home): Promise<string> {
  const lookup = await new Deno.Command("secret-tool", {
    args: ["lookup", "service", "twg", "username", `auth.conf key for ${home.configDir}`],
    env: keyring.env,
    stdout: "piped",
    stderr: "null",
  }).output();
  return new TextDecoder().decode(lookup.stdout).trim();
}

async function authConf(home: Home): Promise<Record<string, Record<string, string>>> {
  return JSON.parse(await Deno.readTextFile(join(home.configDir, "auth.conf")));
}

Deno.test({
  name: named("a sealed refresh token edited into another issuer's record opens for nobody"),
  ignore: missing !== null,
  async fn() {
    await using keyring = await startSecretService();
    await using server = await startDevServer();
    await using attacker = await startDevServer();
    await using home = await makeHome(server, keyring.env);
    expectExit(await login(home, server, ["--backend", "keyring"]), 0);
    const stored = await authConf(home);
    assert.match(stored.oauth!.refreshToken!, /^twg-keyring:/);
    stored.oauth!.issuer = attacker.issuer;
    stored.oauth!.tokenEndpoint = `${attacker.issuer}/token`;
    stored.oauth!.revocationEndpoint = `${attacker.issuer}/token/revocation`;
    await Deno.writeTextFile(join(home.configDir, "auth.conf"), JSON.stringify(stored), {
      mode: 0o600,
    });
    await attacker.resetStats();
    const refresh = await twg(home, ["auth", "refresh", "--force"], {
      env: { TWG_ISSUER: attacker.issuer },
    });
    await twg(home, ["logout"]);
    const seen = await attacker.stats();
    assert.equal(seen.tokenRequests, 0, "no refresh token reached the other server");
    assert.equal(seen.revocations, 0, "none was revoked there either");
    assert.notEqual(refresh.code, 0, refresh.stderr);
    assert.match(refresh.stderr, /does not open the stored refresh token/);
  },
});

Deno.test({
  name: named(
    "a refresh token sealed the old way still opens, and is sealed bound at the next save",
  ),
  ignore: missing !== null,
  async fn() {
    await using keyring = await startSecretService();
    await using server = await startDevServer();
    await using home = await makeHome(server, keyring.env);
    expectExit(await login(home, server, ["--backend", "keyring"]), 0);
    const plain = (await server.lastTokens()).refreshToken!;
    const key = await crypto.subtle.importKey(
      "raw",
      bytes(await storedKey(keyring, home)),
      "AES-GCM",
      false,
      ["encrypt"],
    );
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const sealed = new Uint8Array(
      await crypto.subtle.encrypt(
        { name: "AES-GCM", iv, additionalData: new TextEncoder().encode("twg refresh token v1") },
        key,
        new TextEncoder().encode(plain),
      ),
    );
    const stored = await authConf(home);
    stored.oauth!.refreshToken = `twg-keyring:v1:${base64(iv)}:${base64(sealed)}`;
    await Deno.writeTextFile(join(home.configDir, "auth.conf"), JSON.stringify(stored), {
      mode: 0o600,
    });
    expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
    assert.match((await authConf(home)).oauth!.refreshToken!, /^twg-keyring:v2:/);
  },
});

Deno.test({
  name: named("a key planted under twg's name before a keyring sign-in is never adopted"),
  ignore: missing !== null,
  async fn() {
    await using keyring = await startSecretService();
    await using server = await startDevServer();
    await using home = await makeHome(server, keyring.env);
    const planted = base64(crypto.getRandomValues(new Uint8Array(32)));
    const store = new Deno.Command("secret-tool", {
      args: [
        "store",
        "--label=planted",
        "service",
        "twg",
        "username",
        `auth.conf key for ${home.configDir}`,
        "target",
        "default",
      ],
      env: keyring.env,
      stdin: "piped",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const writer = store.stdin.getWriter();
    await writer.write(new TextEncoder().encode(planted));
    await writer.close();
    assert.ok((await store.status).success);
    expectExit(await login(home, server, ["--backend", "keyring"]), 0);
    assert.notEqual(await storedKey(keyring, home), planted);
  },
});

Deno.test({
  name: named("under the keyring backend the Bitbucket token is sealed too, and still works"),
  ignore: missing !== null,
  async fn() {
    await using keyring = await startSecretService();
    await using server = await startDevServer();
    await using home = await makeHome(server, keyring.env);
    expectExit(await login(home, server, ["--backend", "keyring"]), 0);
    expectExit(
      await twg(home, ["setup", "bitbucket", "--with-token"], { stdin: server.bitbucketToken }),
      0,
    );
    const configText = [...Deno.readDirSync(home.configDir)]
      .filter((entry) => entry.isFile)
      .map((entry) => Deno.readTextFileSync(join(home.configDir, entry.name)))
      .join("\n");
    assert.ok(
      !configText.includes(server.bitbucketToken),
      "the Bitbucket token is not in plaintext",
    );
    assert.match((await authConf(home)).bitbucketToken as unknown as string, /^twg-keyring:v2:/);
    // It still reaches Bitbucket, and survives a logout that keeps it.
    expectExit(await twg(home, ["api", "--bitbucket", "user"]), 0);
    expectExit(await twg(home, ["logout"]), 0);
    expectExit(await twg(home, ["api", "--bitbucket", "user"]), 0);
    // Back to the file backend with a new sign-in: opened again, as asked.
    expectExit(await login(home, server, ["--backend", "file"]), 0);
    assert.equal((await authConf(home)).bitbucketToken, server.bitbucketToken);
  },
});
