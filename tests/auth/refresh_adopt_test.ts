// deno-lint-ignore-file no-console -- the trial count is part of the report
/**
 * Two refreshers race for the same refresh token: twg (with its lock) and
 * another program writing `auth.conf` atomically but without twg's lock.
 * The server rotates for whichever comes first and answers `invalid_grant`
 * to the other. Whatever the interleaving, twg adopts the other program's
 * newer credential or leaves it alone: after every trial, `auth.conf`
 * holds the newest live refresh token, never an older one or a blank.
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import { configPaths } from "../../src/config/paths.ts";
import { type Credentials, emptyCredentials } from "../../src/credentials/auth_conf.ts";
import { saveCredentials } from "../../src/credentials/store.ts";
import { refreshIfDue } from "../../src/auth/refresh.ts";
import { AuthExpiredError } from "../../src/errors.ts";
import { fakeEnv, jsonResponse } from "../_fake_env.ts";
import { oauthTokens } from "../_tokens.ts";

const trials = Number(Deno.env.get("TWG_ADOPT_TRIALS") ?? 150);

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function credentialsWith(refreshToken: string, obtainedAt: number): Credentials {
  return {
    ...emptyCredentials(),
    oauth: oauthTokens(obtainedAt, { accessToken: `access-for-${refreshToken}`, refreshToken }),
    user: { id: "u", name: "Ada", email: null },
  };
}

Deno.test(`a refresh racing another program's unlocked writer adopts, never clobbers (${trials} trials)`, async () => {
  let live = "refresh-0";
  let issued = 0;
  /** The server: the live token rotates once; anything else is invalid_grant. */
  function rotate(sent: string): string | null {
    if (sent !== live) return null;
    live = `refresh-${++issued}`;
    return live;
  }
  let foreignSave: Promise<void> = Promise.resolve();
  await using env = fakeEnv({
    respond: async (request) => {
      const sent = new URLSearchParams(await request.text()).get("refresh_token") ?? "";
      await pause(Math.random() * 2);
      const next = rotate(sent);
      return next
        ? jsonResponse({
          access_token: `access-for-${next}`,
          refresh_token: next,
          expires_in: 1000,
        })
        : jsonResponse({ error: "invalid_grant" }, 400);
    },
  });
  const paths = configPaths(env);
  const counts = { twgFirst: 0, adopted: 0, refusedBeforeTheSave: 0 };
  for (let trial = 0; trial < trials; trial++) {
    await saveCredentials(env, paths.authConf, credentialsWith(live, env.now()));
    await env.fs.rm(`${paths.authConf}.inflight`, { force: true });
    const start = live;
    // The other program: rotates the same token at a random moment and saves
    // its answer a random moment later, with no lock, as a plain atomic write.
    const foreign = (async () => {
      await pause(Math.random() * 40);
      const next = rotate(start);
      if (!next) return; // twg was first: the other program saves nothing
      await pause(Math.random() * 20);
      foreignSave = saveCredentials(env, paths.authConf, credentialsWith(next, env.now() + 1));
      await foreignSave;
    })();
    const ours = refreshIfDue(env, paths, { force: true, inProcess: true }).then(
      (result) => result.tokens.refreshToken === start ? "unchanged" : "ok",
      (error) => {
        if (!(error instanceof AuthExpiredError)) throw error;
        return "refused";
      },
    );
    const [outcome] = await Promise.all([ours, foreign]);
    const stored = JSON.parse(await readFile(paths.authConf, "utf8"));
    assert.ok(stored.oauth.accessToken, `trial ${trial}: never a blank access token`);
    assert.equal(stored.oauth.refreshToken, live, `trial ${trial}: the newest token is kept`);
    assert.equal(stored.oauth.rejectedAt, null, `trial ${trial}: never marked over a live token`);
    const foreignSaved = stored.oauth.accessToken === `access-for-${live}` &&
      Date.parse(stored.oauth.obtainedAt) > env.now();
    if (outcome === "refused") counts.refusedBeforeTheSave++;
    else if (foreignSaved) counts.adopted++;
    else counts.twgFirst++;
    // The stored, live token still works: the next refresh is an ordinary one.
    const next = await refreshIfDue(env, paths, { force: true, inProcess: true });
    assert.equal(next.tokens.refreshToken, live, `trial ${trial}: the kept token is live`);
  }
  console.log(
    `adoption trials: ${trials}: twg rotated first ${counts.twgFirst}, adopted the other ` +
      `program's save ${counts.adopted}, exit 77 before that save landed ` +
      `${counts.refusedBeforeTheSave}; nothing older or blank written in any trial`,
  );
});
