/**
 * The keyring backend's logic with an injected keyring (what runs on macOS
 * and Windows too, whose native stores cannot run here): sealing, the pinned
 * Linux store, the timeout, the permission check, the refresh preflight, and
 * moving between backends with a fault at every step.
 *
 * @module
 */
import assert from "node:assert/strict";
import { configPaths } from "../../src/config/paths.ts";
import {
  backendOf,
  type KeyringEntry,
  type KeyringModule,
  KeyringUnavailableError,
  openKeyring,
  sealToken,
  unsealToken,
} from "../../src/credentials/keyring.ts";
import { readCredentials, saveCredentials } from "../../src/credentials/store.ts";
import { refreshIfDue } from "../../src/auth/refresh.ts";
import { moveCredentials } from "../../src/commands/auth_backend.ts";
import { runLogout } from "../../src/commands/logout.ts";
import { ExitCode } from "../../src/errors.ts";
import type { Env } from "../../src/env.ts";
import { FAKE_NOW, fakeEnv, jsonResponse } from "../_fake_env.ts";
import { faultyEnv } from "../_faulty_env.ts";

/** An in-memory keyring shaped like @napi-rs/keyring's AsyncEntry. */
function fakeKeyring() {
  const items = new Map<string, string>();
  const state = {
    items,
    options: [] as unknown[],
    hang: false,
    calls: 0,
    /** The `failAt`th keyring call (1-based) throws; Infinity for none. */
    failAt: Infinity,
    fired: false,
  };
  const step = () => {
    state.calls++;
    if (state.calls === state.failAt) {
      state.fired = true;
      throw new Error("injected keyring fault");
    }
  };
  const module: KeyringModule = {
    AsyncEntry: class implements KeyringEntry {
      #key: string;
      constructor(service: string, account: string, options?: unknown) {
        step();
        state.options.push(options);
        this.#key = `${service}/${account}`;
      }
      getPassword() {
        if (state.hang) return new Promise<string | null>(() => {});
        step();
        return Promise.resolve(items.get(this.#key) ?? null);
      }
      setPassword(password: string) {
        step();
        items.set(this.#key, password);
        return Promise.resolve();
      }
      deletePassword() {
        step();
        return Promise.resolve(items.delete(this.#key));
      }
    },
  };
  return { module, state };
}

function keyringEnv(
  keyring: ReturnType<typeof fakeKeyring>,
  overrides: Parameters<typeof fakeEnv>[0] = {},
) {
  return fakeEnv({
    mayLoadAddons: () => Promise.resolve(true),
    loadKeyring: () => Promise.resolve(keyring.module),
    vars: { TWG_KEYRING_TIMEOUT_MS: "200" },
    ...overrides,
  });
}

/** The sign-in every sealed token of these tests is bound to. */
const binding = { issuer: "https://auth.example", clientId: "client-1" };

function credentialsWith(refreshToken: string, obtainedAt = new Date(FAKE_NOW).toISOString()) {
  return {
    version: 1 as const,
    oauth: {
      accessToken: "at-1",
      refreshToken,
      tokenType: "Bearer",
      scope: "openid",
      obtainedAt,
      expiresIn: 3600,
      issuer: "https://auth.example",
      clientId: "client-1",
      tokenEndpoint: "https://auth.example/token",
      revocationEndpoint: null as string | null,
      rejectedAt: null,
    },
    user: { id: "u1", name: "Ada", email: null },
    site: null,
    sites: null,
    bitbucketToken: null,
  };
}

async function sealedLogin(env: Env, token: string): Promise<void> {
  const paths = configPaths(env);
  const key = await (await openKeyring(env, paths.dir)).ensure();
  await saveCredentials(
    env,
    paths.authConf,
    credentialsWith(await sealToken(key, token, paths.dir, binding)),
  );
}

Deno.test("a sealed refresh token opens only with its key, and names its backend", async () => {
  const raw = (await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ])) as CryptoKey;
  const other = (await crypto.subtle.generateKey({ name: "AES-GCM", length: 256 }, false, [
    "encrypt",
    "decrypt",
  ])) as CryptoKey;
  const sealed = await sealToken(raw, "rt-secret", "/cfg", binding);
  assert.ok(!sealed.includes("rt-secret"));
  assert.equal(backendOf(sealed), "keyring");
  assert.equal(backendOf("rt-secret"), "file");
  assert.equal(await unsealToken(raw, sealed, "/cfg", binding), "rt-secret");
  await assert.rejects(unsealToken(other, sealed, "/cfg", binding));
});

Deno.test("every keyring entry is pinned to the Secret Service, never the kernel keyring", async () => {
  const keyring = fakeKeyring();
  await using env = keyringEnv(keyring);
  await (await openKeyring(env, "/cfg")).ensure();
  assert.deepEqual(keyring.state.options, [{ linux: { store: "secret-service" } }]);
  // The key is 256 random bits, and reads back.
  const [stored] = [...keyring.state.items.values()];
  assert.equal(atob(stored!).length, 32);
});

Deno.test("a keyring call that never answers ends with a timeout error, not a hang", async () => {
  const keyring = fakeKeyring();
  keyring.state.hang = true;
  await using env = keyringEnv(keyring);
  const started = performance.now();
  const error = await (await openKeyring(env, "/cfg")).read().catch((error) => error);
  assert.ok(error instanceof KeyringUnavailableError);
  assert.equal(error.problem, "timeout");
  assert.equal(error.exitCode, ExitCode.storeNotWritable);
  assert.ok(performance.now() - started < 2000);
});

Deno.test("without permission to load the addon: the flag to add, and the addon never loaded", async () => {
  const keyring = fakeKeyring();
  let loaded = false;
  await using env = keyringEnv(keyring, {
    mayLoadAddons: () => Promise.resolve(false),
    loadKeyring: () => {
      loaded = true;
      return Promise.resolve(keyring.module);
    },
  });
  const error = await openKeyring(env, "/cfg").catch((error) => error);
  assert.ok(error instanceof KeyringUnavailableError);
  assert.equal(error.problem, "permission");
  assert.match(error.fix, /--allow-ffi/);
  assert.equal(loaded, false);
});

const tokenAnswer = () =>
  jsonResponse({
    access_token: "at-2",
    token_type: "Bearer",
    expires_in: 3600,
    refresh_token: "rt-2",
  });

Deno.test("a refresh sends the unsealed token and saves the new one sealed, no keyring write", async () => {
  const keyring = fakeKeyring();
  await using env = keyringEnv(keyring, { respond: tokenAnswer });
  await sealedLogin(env, "rt-1");
  const items = new Map(keyring.state.items);
  const result = await refreshIfDue(env, configPaths(env), { force: true, inProcess: true });
  assert.equal(result.refreshed, true);
  assert.equal(env.requests.length, 1);
  assert.match(env.requests[0]!.body, /refresh_token=rt-1/);
  const text = await Deno.readTextFile(configPaths(env).authConf);
  assert.ok(!text.includes("rt-2") && !text.includes("rt-1"));
  const stored = (await readCredentials(env, configPaths(env).authConf))!.oauth!.refreshToken!;
  const key = await (await openKeyring(env, configPaths(env).dir)).read();
  assert.equal(await unsealToken(key!, stored, configPaths(env).dir, binding), "rt-2");
  assert.deepEqual(keyring.state.items, items);
});

Deno.test("the key missing from the keyring: exit 4 before any request, auth.conf unchanged", async () => {
  const keyring = fakeKeyring();
  await using env = keyringEnv(keyring, { respond: tokenAnswer });
  await sealedLogin(env, "rt-1");
  keyring.state.items.clear();
  const before = await Deno.readTextFile(configPaths(env).authConf);
  const error = await refreshIfDue(env, configPaths(env), { force: true, inProcess: true })
    .catch((error) => error);
  assert.ok(error instanceof KeyringUnavailableError, String(error));
  assert.equal(error.problem, "key-missing");
  assert.equal(env.requests.length, 0);
  assert.equal(await Deno.readTextFile(configPaths(env).authConf), before);
});

Deno.test("logout removes the key from the keyring", async () => {
  const keyring = fakeKeyring();
  await using env = keyringEnv(keyring);
  await sealedLogin(env, "rt-1");
  assert.equal(keyring.state.items.size, 1);
  await runLogout(env, { all: false });
  assert.equal(keyring.state.items.size, 0);
});

/** The refresh token readable from auth.conf, opened with the keyring's key when sealed. */
async function readableToken(env: Env, keyring: ReturnType<typeof fakeKeyring>): Promise<string> {
  const stored = JSON.parse(await Deno.readTextFile(configPaths(env).authConf)).oauth
    .refreshToken as string;
  if (backendOf(stored) === "file") return stored;
  const failAt = keyring.state.failAt;
  keyring.state.failAt = Infinity;
  try {
    const key = await (await openKeyring(env, configPaths(env).dir)).read();
    return await unsealToken(key!, stored, configPaths(env).dir, binding);
  } finally {
    keyring.state.failAt = failAt;
  }
}

Deno.test("moving between backends with a fault at every file and keyring step: never lost", async () => {
  let trials = 0;
  for (const target of ["keyring", "file"] as const) {
    for (const where of ["fs", "keyring"] as const) {
      for (let n = 1;; n++) {
        const keyring = fakeKeyring();
        await using base = keyringEnv(keyring);
        if (target === "keyring") {
          await saveCredentials(base, configPaths(base).authConf, credentialsWith("rt-plain"));
        } else await sealedLogin(base, "rt-plain");
        const faulty = faultyEnv(base);
        keyring.state.calls = 0;
        if (where === "fs") faulty.failAt(n, "EIO");
        else {
          faulty.failAt(Infinity, "EIO");
          keyring.state.failAt = n;
        }
        const outcome = await moveCredentials(faulty.env, target).then(
          () => "done",
          () => "failed",
        );
        trials++;
        assert.equal(await readableToken(base, keyring), "rt-plain", `${target} ${where} ${n}`);
        const fired = where === "fs" ? faulty.fired : keyring.state.fired;
        if (!fired) {
          assert.equal(outcome, "done");
          const stored = (await readCredentials(base, configPaths(base).authConf))!.oauth!;
          assert.equal(backendOf(stored.refreshToken), target);
          if (target === "file") assert.equal(keyring.state.items.size, 0);
          break;
        }
      }
    }
  }
  // deno-lint-ignore no-console -- the count the closing note reports
  console.log(`migration fault trials: ${trials}`);
  assert.ok(trials >= 50, `only ${trials} trials`);
});

Deno.test("a checkout's upkeep launcher may load the keyring addon only for a keyring sign-in", async () => {
  const { checkoutLauncherScript } = await import("../../src/install/checkout.ts");
  await using env = fakeEnv({ runtime: "deno 2.9.0" });
  const options = { configDir: "/cfg", netHosts: [] };
  assert.match(checkoutLauncherScript(env, { ...options, keyring: true }).content, /--allow-ffi/);
  assert.doesNotMatch(checkoutLauncherScript(env, options).content, /--allow-ffi/);
});

Deno.test("TWG_CREDENTIAL_BACKEND chooses the backend of a login; --backend wins; unknown is a usage error", async () => {
  const { loginSealing } = await import("../../src/credentials/keyring_use.ts");
  const keyring = fakeKeyring();
  await using env = keyringEnv(keyring, {
    vars: { TWG_CREDENTIAL_BACKEND: "keyring", TWG_KEYRING_TIMEOUT_MS: "200" },
  });
  const seal = await loginSealing(env, "/cfg", undefined, null);
  assert.equal(keyring.state.items.size, 1);
  assert.equal(backendOf((await seal({ refreshToken: "rt" })).refreshToken), "keyring");
  const plain = await loginSealing(env, "/cfg", "file", null);
  assert.equal((await plain({ refreshToken: "rt" })).refreshToken, "rt");
  await assert.rejects(loginSealing(env, "/cfg", "vault", null), { exitCode: ExitCode.usage });
  // Without either, a new login keeps the backend of the stored sign-in.
  await using bare = keyringEnv(keyring);
  const kept = await loginSealing(bare, "/cfg", undefined, {
    oauth: { refreshToken: "twg-keyring:v1:x:y" },
  });
  assert.equal(backendOf((await kept({ refreshToken: "rt" })).refreshToken), "keyring");
});

Deno.test("uninstall revokes the unsealed refresh token and removes the keyring item", async () => {
  const { runUninstall } = await import("../../src/commands/uninstall.ts");
  const keyring = fakeKeyring();
  await using env = keyringEnv(keyring, {
    respond: () => jsonResponse({}),
    commands: [{ command: "systemctl", args: ["--user", "disable"], result: {} }],
  });
  const paths = configPaths(env);
  const key = await (await openKeyring(env, paths.dir)).ensure();
  const sealed = await sealToken(key, "rt-secret", paths.dir, binding);
  const stored = credentialsWith(sealed);
  stored.oauth.revocationEndpoint = "https://auth.example/revoke";
  await saveCredentials(env, paths.authConf, stored);
  await runUninstall(env, { yes: true });
  const revoked = env.requests.filter((request) => request.url === "https://auth.example/revoke")
    .map((request) => new URLSearchParams(request.body).get("token"));
  assert.ok(revoked.includes("rt-secret"), JSON.stringify(revoked));
  assert.ok(!revoked.includes(sealed));
  assert.equal(keyring.state.items.size, 0);
  assert.match(env.stderrText(), /Removed the key from the OS keyring/);
});
