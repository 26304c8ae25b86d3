// deno-lint-ignore-file no-console -- the walk's counts are the report this test exists for
/**
 * Walks every file call of the refresh path against the development server,
 * failing each in turn with each errno of the fault model: at every point,
 * either no refresh was sent, or the new tokens are in `auth.conf` (at once,
 * or after the next run adopts the kept save), never a spent token with
 * nothing saved.
 *
 * @module
 */
import assert from "node:assert/strict";
import { chmod, readdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { refreshIfDue } from "../../src/auth/refresh.ts";
import type { ConfigPaths } from "../../src/config/paths.ts";
import { createProcessEnv } from "../../src/env_deno.ts";
import { TwgError } from "../../src/errors.ts";
import { type Errno, faultyEnv } from "../_faulty_env.ts";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import {
  ageToken,
  expectExit,
  isDenoBuild,
  login,
  makeHome,
  storedCredentials,
  twg,
} from "./_twg.ts";

const errnos: Errno[] = ["ENOSPC", "EIO", "EACCES", "EROFS", "EMFILE"];

function pathsOf(dir: string): ConfigPaths {
  return {
    dir,
    authConf: join(dir, "auth.conf"),
    configJson: join(dir, "config.json"),
    upkeepJson: join(dir, "upkeep.json"),
    accessTokenFile: join(dir, "access-token.json"),
    lock: join(dir, "auth.lock"),
  };
}

/** Refresh tokens held in temporary files of the config dir (a kept save). */
async function keptRefreshTokens(dir: string): Promise<string[]> {
  const tokens = [];
  for (const name of await readdir(dir)) {
    if (!name.startsWith("auth.conf.tmp-")) continue;
    try {
      tokens.push(JSON.parse(await readFile(join(dir, name), "utf8")).oauth.refreshToken);
    } catch {
      // A reservation or a probe, not a save.
    }
  }
  return tokens;
}

/**
 * What the end of the process does to a lock whose release failed: its owner
 * is gone and the next run takes it over. Here the owner (this test) lives
 * on, so the leftover is removed by hand.
 */
async function endOfProcess(paths: ConfigPaths): Promise<void> {
  try {
    if (JSON.parse(await readFile(paths.lock, "utf8")).pid === Deno.pid) {
      await Deno.remove(paths.lock);
    }
  } catch {
    // No lock left.
  }
}

Deno.test({
  name: "every file call of the refresh path failing with each errno never loses the session",
  // In-process against the sources: the same under every build of the CLI.
  ignore: !isDenoBuild,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    const paths = pathsOf(home.configDir);
    const real = createProcessEnv();
    const faulty = faultyEnv(real);
    const clean = faultyEnv(real).env;

    // A dry run lists the calls of one forced refresh.
    faulty.failAt(Infinity, "EIO");
    await refreshIfDue(faulty.env, paths, { force: true });
    const walk = [...faulty.calls];
    assert.ok(walk.length >= 20, `the walk covers the whole path (${walk.join(", ")})`);

    const counts = { beforeRequest: 0, savedAtOnce: 0, adoptedNextRun: 0, afterSave: 0 };
    for (const errno of errnos) {
      for (let n = 1; n <= walk.length; n++) {
        const where = `${errno} at call ${n}`;
        const before = (await storedCredentials(home)).oauth.refreshToken;
        const statsBefore = await server.stats();
        faulty.failAt(n, errno);
        let failure: unknown;
        await refreshIfDue(faulty.env, paths, { force: true }).catch((error) => failure = error);
        const call = faulty.calls[n - 1] ?? "(not reached)";
        await endOfProcess(paths);
        if (failure !== undefined) {
          assert.ok(
            failure instanceof TwgError,
            `${where} (${call}): a typed error, not "Unexpected error": ${failure}`,
          );
        }
        const stats = await server.stats();
        const rotated = stats.refreshSuccesses > statsBefore.refreshSuccesses;
        const stored = (await storedCredentials(home)).oauth.refreshToken;
        const issued = (await server.lastTokens()).refreshToken;
        if (!rotated) {
          assert.equal(stored, before, `${where} (${call}): nothing sent, nothing changed`);
          counts.beforeRequest++;
        } else if (stored === issued) {
          if (failure === undefined) counts.savedAtOnce++;
          else counts.afterSave++;
        } else {
          assert.ok(
            (await keptRefreshTokens(home.configDir)).includes(issued!),
            `${where} (${call}): the spent token's replacement is kept for the next run`,
          );
          counts.adoptedNextRun++;
        }
        // The next run: adopts what was kept, rotates, and the server never
        // saw a spent token again.
        await refreshIfDue(clean, paths, { force: true }).catch((error) => {
          throw new Error(
            `${where} (${call}), failure ${failure}, rotated ${rotated}: the next run failed`,
            { cause: error },
          );
        });
        const after = await server.stats();
        assert.equal(after.invalidGrants, 0, `${where} (${call}): no spent token was sent again`);
        assert.equal(
          (await storedCredentials(home)).oauth.refreshToken,
          (await server.lastTokens()).refreshToken,
          `${where} (${call}): auth.conf holds the server's current token`,
        );
      }
    }
    // What this process could not remove (a failed rm) is removed by the
    // first run after it ends; the only leftovers are this live process's own.
    expectExit(await twg(home, ["auth", "refresh", "--force"]), 0);
    const strays = (await readdir(home.configDir)).filter((name) =>
      name !== "auth.conf" && name !== "access-token.json" &&
      !new RegExp(`^(auth\\.(conf|lock)|access-token\\.json)\\.tmp-${Deno.pid}-[0-9a-z]+$`).test(
        name,
      )
    );
    assert.deepEqual(strays, [], "nothing left behind but this process's own temporary files");
    console.log(
      `fault walk: ${walk.length} file calls x ${errnos.length} errnos; ` +
        `failed before the request ${counts.beforeRequest}, saved at once ${counts.savedAtOnce}, ` +
        `failed after the save ${counts.afterSave}, kept and adopted by the next run ${counts.adoptedNextRun}, lost 0`,
    );
  },
});

Deno.test({
  name:
    "a kept save is adopted only if it is twg's name, a regular 0600 file, valid, same issuer and newer",
  ignore: !isDenoBuild,
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    expectExit(await login(home, server), 0);
    const paths = pathsOf(home.configDir);
    const env = faultyEnv(createProcessEnv()).env;
    const stored = JSON.parse(await readFile(paths.authConf, "utf8"));
    const later = new Date(Date.now() + 1000).toISOString();
    const save = (oauth: Record<string, unknown>) =>
      JSON.stringify({ ...stored, oauth: { ...stored.oauth, obtainedAt: later, ...oauth } });
    // Above Linux's maximum pid: a writer that is gone.
    const dead = 4_194_305;
    const kept = (tag: string) => join(home.configDir, `auth.conf.tmp-${dead}-${tag}`);
    const outside = join(home.path, "elsewhere.json");
    await writeFile(outside, save({ refreshToken: "via-link" }), { mode: 0o600 });
    await writeFile(kept("mode"), save({ refreshToken: "readable" }), { mode: 0o644 });
    await chmod(kept("mode"), 0o644);
    await writeFile(kept("iss"), save({ refreshToken: "x", issuer: "https://other.test" }), {
      mode: 0o600,
    });
    await writeFile(kept("old"), save({ refreshToken: "x", obtainedAt: "2000-01-01T00:00:00Z" }), {
      mode: 0o600,
    });
    await writeFile(kept("shape"), '{"version":1,"oauth":{"accessToken":1}}', { mode: 0o600 });
    await writeFile(kept("nort"), save({ refreshToken: null }), { mode: 0o600 });
    await symlink(outside, kept("link"));
    await writeFile(join(home.configDir, `auth.conf.tmp-${dead}-final-draft`), save({}), {
      mode: 0o600,
    });

    await ageToken(home, 0.8);
    const before = await server.stats();
    await refreshIfDue(env, paths);
    const after = await server.stats();
    assert.equal(after.refreshSuccesses, before.refreshSuccesses + 1, "none adopted: refreshed");
    assert.equal(after.invalidGrants, 0);
    assert.equal(
      (await storedCredentials(home)).oauth.refreshToken,
      (await server.lastTokens()).refreshToken,
    );

    // A valid kept save is adopted, and then nothing is due: no request.
    await writeFile(kept("good"), save({ refreshToken: "kept-save" }), { mode: 0o600 });
    await ageToken(home, 0.8);
    await refreshIfDue(env, paths);
    assert.equal((await server.stats()).refreshRequests, after.refreshRequests, "nothing sent");
    assert.equal((await storedCredentials(home)).oauth.refreshToken, "kept-save");
  },
});
