// deno-lint-ignore-file no-console -- the explorer's counts are the report this test exists for
/**
 * The crash-state explorer: each kind of change the door makes to the stored
 * sign-in (refresh, login, login --force, logout, backend move, Bitbucket
 * token, site choice) is run once with its file operations recorded through
 * the `Env`; then, for every prefix of those operations and every state a
 * power cut may leave under the persistence rules of `tests/_crash_fs.ts`
 * (after ALICE, OSDI 2014), the directory is rebuilt and the next
 * `twg auth token` is run on it. Each state must hold:
 *
 * - `auth.conf` reads (never torn, never empty) as the old or the new sign-in;
 * - `auth token` answers with a working access token, or "not logged in"
 *   when the state is signed out;
 * - a spent refresh token is never sent again once its replacement had been
 *   flushed (the replacement is adopted instead);
 * - once the command has returned, only the new state can come back.
 *
 * A deliberately broken save (its flush dropped, or the rename made before
 * the flush) and logout without its directory flush must make it fail.
 *
 * @module
 */
import assert from "node:assert/strict";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { configPaths } from "../../src/config/paths.ts";
import {
  type Credentials,
  emptyCredentials,
  type OAuthTokens,
} from "../../src/credentials/auth_conf.ts";
import { saveBitbucketToken } from "../../src/credentials/bitbucket_token.ts";
import { readCredentials, saveCredentials } from "../../src/credentials/store.ts";
import type { Env, KeyringEntry, KeyringModule } from "../../src/env.ts";
import { fileSystem } from "../../src/env_deno.ts";
import { runCli } from "../../src/main.ts";
import { type Breakage, crashStates, type FsOp, type Recorder, recordingFs } from "../_crash_fs.ts";
import { type FakeEnv, fakeEnv, type FakeEnvOverrides, jsonResponse } from "../_fake_env.ts";
import { oauthTokens } from "../_tokens.ts";

const issuer = "https://auth.example.test";
// Each crash state's server accepts the token the interrupted refresh sent
// (the state after it is explored from a fresh server): an issuer with a
// reuse leeway, which twg must know to send that token again (issue 22).
const vars = {
  TWG_ISSUER: issuer,
  TWG_CLIENT_ID: "twg-test",
  NO_COLOR: "1",
  TWG_REFRESH_REUSE_LEEWAY_SECONDS: "600",
};
const transactionPid = 4242;
const checkerPid = 5151;

function tokens(obtainedAt: number, overrides: Partial<OAuthTokens> = {}): OAuthTokens {
  return oauthTokens(obtainedAt, {
    clientId: "twg-test",
    revocationEndpoint: `${issuer}/revoke`,
    ...overrides,
  });
}

const sites = [
  { id: "site-1", url: "https://one.example.test", name: "One" },
  { id: "site-2", url: "https://two.example.test", name: "Two" },
];

function signedIn(now: number, overrides: Partial<Credentials> = {}): Credentials {
  return {
    ...emptyCredentials(),
    oauth: tokens(now),
    user: { id: "u1", name: "Ada", email: null },
    site: sites[0]!,
    sites,
    bitbucketToken: "bb-1",
    ...overrides,
  };
}

/** The authorization server of both runs: every refresh token works and is answered with the next. */
function server(sent: string[]) {
  let issued = 0;
  return (request: Request): Promise<Response> | Response => {
    const path = new URL(request.url).pathname;
    if (path === "/.well-known/oauth-authorization-server") {
      return jsonResponse({
        issuer,
        token_endpoint: `${issuer}/token`,
        device_authorization_endpoint: `${issuer}/device`,
        userinfo_endpoint: `${issuer}/me`,
        revocation_endpoint: `${issuer}/revoke`,
      });
    }
    if (path === "/device") {
      return jsonResponse({
        device_code: "dc",
        user_code: "ABCD-EFGH",
        verification_uri: `${issuer}/activate`,
        expires_in: 600,
        interval: 1,
      });
    }
    if (path === "/me") return jsonResponse({ sub: "u2", name: "Bea" });
    if (path === "/revoke") return new Response(null, { status: 200 });
    if (path === "/token") {
      return request.text().then((body) => {
        const form = new URLSearchParams(body);
        if (form.get("grant_type") === "refresh_token") sent.push(form.get("refresh_token")!);
        issued++;
        const next = form.get("grant_type") === "refresh_token" ? `r${issued}` : "login";
        return jsonResponse({
          access_token: `access-${next}`,
          refresh_token: `refresh-${next}`,
          token_type: "bearer",
          expires_in: 1000,
        });
      });
    }
    return jsonResponse({ error: "not_found" }, 404);
  };
}

/** An in-memory keyring shared by a transaction and its checks (the keyring outlives a power cut). */
function sharedKeyring(): KeyringModule {
  const items = new Map<string, string>();
  return {
    AsyncEntry: class implements KeyringEntry {
      #key: string;
      constructor(service: string, account: string) {
        this.#key = `${service}/${account}`;
      }
      getPassword() {
        return Promise.resolve(items.get(this.#key) ?? null);
      }
      setPassword(password: string) {
        items.set(this.#key, password);
        return Promise.resolve();
      }
      deletePassword() {
        return Promise.resolve(items.delete(this.#key));
      }
    },
  };
}

/** One kind of change, as the explorer runs it. */
interface Transaction {
  name: string;
  /** The stored sign-in before (null: none). */
  before: (now: number) => Credentials | null;
  /** How far the clock moves before the change (a refresh needs a due token). */
  advanceMs: number;
  /** Runs the change; returns its exit code. */
  run: (env: Env) => Promise<number>;
  /** Extra members of both environments. */
  env?: FakeEnvOverrides;
  /** Signed out is a state between the old and the new one (`login --force` discards first). */
  passesThroughSignedOut?: boolean;
  /** The stored file is readable by others (so refused) before: `login --force` moves it aside. */
  isUntrustedBefore?: boolean;
}

/** What one walk found. */
interface WalkReport {
  ops: FsOp[];
  operations: number;
  states: number;
  lost: string[];
}

async function materialize(env: FakeEnv, files: Map<string, { data: Uint8Array; mode: number }>) {
  const dir = configPaths(env).dir;
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
  for (const [name, file] of files) {
    await writeFile(`${dir}/${name}`, file.data, { mode: file.mode });
    await chmod(`${dir}/${name}`, file.mode);
  }
}

/** The prefix length after which the new refresh token was flushed to some file, or Infinity. */
function flushedNewTokenAt(ops: FsOp[], spent: string): number {
  const latest = new Map<number, string>();
  for (const [index, op] of ops.entries()) {
    if (op.kind === "write") latest.set(op.inode, new TextDecoder().decode(op.bytes));
    if (op.kind === "fsync") {
      const text = latest.get(op.inode) ?? "";
      const match = /"refreshToken": "([^"]+)"/.exec(text);
      if (match && match[1] !== spent) return index + 1;
    }
  }
  return Infinity;
}

function describe(credentials: Credentials | null): string {
  return credentials === null ? "signed out" : JSON.stringify(credentials);
}

/** Records `transaction`, then checks every crash state it may leave. */
async function walk(transaction: Transaction, breakage: Breakage = {}): Promise<WalkReport> {
  const keyring = sharedKeyring();
  const common: FakeEnvOverrides = {
    vars,
    mayLoadAddons: () => Promise.resolve(true),
    loadKeyring: () => Promise.resolve(keyring),
    ...transaction.env,
  };
  let recorder: Recorder;
  let before: Credentials | null;
  let after: Credentials | null;
  let ops: FsOp[];
  const spent = "refresh-1";
  const sentDuring: string[] = [];
  {
    const dirOf = (env: Env) => configPaths(env).dir;
    await using env = fakeEnv({ ...common, pid: transactionPid, respond: server(sentDuring) });
    const initial = transaction.before(env.now());
    await mkdir(dirOf(env), { recursive: true, mode: 0o700 });
    await chmod(dirOf(env), 0o700);
    if (initial) await saveCredentials(env, configPaths(env).authConf, initial);
    if (transaction.isUntrustedBefore) await chmod(configPaths(env).authConf, 0o644);
    before = transaction.isUntrustedBefore
      ? null
      : await readCredentials(env, configPaths(env).authConf);
    env.advance(transaction.advanceMs);
    recorder = recordingFs(fileSystem, dirOf(env), breakage);
    env.fs = recorder.fs;
    await recorder.start();
    const code = await transaction.run(env);
    recorder.stop();
    assert.equal(code, 0, `${transaction.name} failed: ${env.stderrText()}`);
    after = await readCredentials(env, configPaths(env).authConf);
    ops = recorder.ops;
  }
  const flushedAt = flushedNewTokenAt(ops, spent);
  const lost: string[] = [];
  let states = 0;
  for (const state of crashStates(recorder)) {
    states++;
    const sent: string[] = [];
    await using env = fakeEnv({
      ...common,
      pid: checkerPid,
      deadPids: [transactionPid],
      respond: server(sent),
    });
    env.advance(transaction.advanceMs);
    await materialize(env, state.files);
    const where = `${transaction.name}, crash after ${state.prefix}/${ops.length} operations`;
    let stored: Credentials | null;
    try {
      stored = await readCredentials(env, configPaths(env).authConf);
    } catch (error) {
      // The old file, refused as before (its mode, not its content): nothing changed yet.
      const isOldUntrusted = transaction.isUntrustedBefore === true &&
        ((state.files.get("auth.conf")?.mode ?? 0) & 0o077) !== 0 &&
        state.prefix < ops.length;
      if (!isOldUntrusted) lost.push(`${where}: auth.conf unreadable: ${(error as Error).message}`);
      continue;
    }
    const isOld = describe(stored) === describe(before) ||
      (transaction.passesThroughSignedOut === true && stored === null);
    const isNew = describe(stored) === describe(after);
    if (!isOld && !isNew) {
      lost.push(`${where}: auth.conf is neither the old nor the new sign-in: ${describe(stored)}`);
      continue;
    }
    if (state.prefix === ops.length && !isNew) {
      lost.push(`${where}: the command had returned, but the old state came back`);
      continue;
    }
    const code = await runCli(env, ["auth", "token"]);
    const printed = env.stdoutText().trim();
    if (stored?.oauth) {
      if (code !== 0 || !/^access-/.test(printed)) {
        lost.push(`${where}: auth token failed (exit ${code}): ${env.stderrText().trim()}`);
        continue;
      }
    } else if (code !== 3) {
      lost.push(`${where}: signed out, but auth token exited ${code}: ${env.stderrText().trim()}`);
      continue;
    }
    if (state.prefix >= flushedAt && sent.includes(spent)) {
      lost.push(
        `${where}: the spent refresh token was sent again after its replacement was flushed`,
      );
    }
  }
  return { ops, operations: ops.length, states, lost };
}

const transactions: Transaction[] = [
  {
    name: "refresh",
    before: (now) => signedIn(now),
    advanceMs: 800_000,
    run: (env) => runCli(env, ["auth", "token"]),
  },
  {
    name: "login",
    before: (now) => signedIn(now),
    advanceMs: 10_000,
    run: (env) => runCli(env, ["login", "--no-browser"]),
  },
  {
    name: "login --force",
    before: (now) => signedIn(now),
    passesThroughSignedOut: true,
    advanceMs: 10_000,
    run: (env) => runCli(env, ["login", "--force", "--no-browser"]),
  },
  {
    name: "login --force over a refused auth.conf (moved aside)",
    before: (now) => signedIn(now),
    isUntrustedBefore: true,
    passesThroughSignedOut: true,
    advanceMs: 10_000,
    run: (env) => runCli(env, ["login", "--force", "--no-browser"]),
  },
  {
    name: "logout",
    before: (now) => signedIn(now, { bitbucketToken: null }),
    advanceMs: 10_000,
    run: (env) => runCli(env, ["logout"]),
  },
  {
    name: "logout keeping the Bitbucket token",
    before: (now) => signedIn(now),
    advanceMs: 10_000,
    run: (env) => runCli(env, ["logout"]),
  },
  {
    name: "backend move to the keyring",
    before: (now) => signedIn(now),
    advanceMs: 10_000,
    run: (env) => runCli(env, ["auth", "backend", "keyring"]),
  },
  {
    name: "Bitbucket token",
    before: (now) => signedIn(now),
    advanceMs: 10_000,
    run: async (env) => {
      await saveBitbucketToken(env, configPaths(env), "bb-2");
      return 0;
    },
  },
  {
    name: "site choice",
    before: (now) => signedIn(now),
    advanceMs: 10_000,
    run: (env) => runCli(env, ["auth", "switch", "--site", "site-2"]),
  },
];

for (const transaction of transactions) {
  Deno.test(`a power cut at any point of ${transaction.name} loses nothing`, async () => {
    const report = await walk(transaction);
    console.log(
      `  ${transaction.name}: ${report.operations} file operations, ` +
        `${report.states} crash states explored, ${report.lost.length} lose anything`,
    );
    assert.deepEqual(report.lost, []);
    assert.ok(report.states > report.operations, "every prefix was explored");
    if (transaction.isUntrustedBefore) {
      assert.ok(
        report.ops.some((op) => op.kind === "rename" && op.to.startsWith("auth.conf.bad-")),
        "the refused file was moved aside",
      );
    }
  });
}

Deno.test("the explorer catches a save that renames data it never flushed", async () => {
  const report = await walk(transactions[0]!, { dropFileSync: true });
  assert.ok(report.lost.some((line) => /unreadable/.test(line)), report.lost.join("\n"));
});

Deno.test("the explorer catches a save that renames before it flushes", async () => {
  const report = await walk(transactions[0]!, { renameBeforeSync: true });
  assert.ok(report.lost.some((line) => /unreadable/.test(line)), report.lost.join("\n"));
});

Deno.test("the explorer catches a logout that does not flush its removal", async () => {
  const logout = transactions.find((transaction) => transaction.name === "logout")!;
  const report = await walk(logout, { dropDirSyncAfterUnlink: true });
  assert.ok(report.lost.some((line) => /old state came back/.test(line)), report.lost.join("\n"));
});
