/**
 * `twg logout`: revokes the refresh token and removes the OAuth credentials.
 *
 * @module
 */
import { removeAccessTokenFile } from "../handoff/access_token_file.ts";
import { Command } from "@commander-js/extra-typings";
import { configPaths } from "../config/paths.ts";
import { changeSignIn } from "../credentials/sign_in_door.ts";
import { assertStoreWritable } from "../credentials/preflight.ts";
import { readCredentials } from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { backendOf } from "../credentials/keyring.ts";
import { removeKeyringKey, revocableRefreshToken } from "../credentials/keyring_use.ts";
import { revokeToken } from "../oauth/revoke.ts";
import { styleFor, warn } from "../ui/style.ts";

/** Declares `twg logout`. */
export function logoutCommand(env: Env) {
  return new Command("logout")
    .description("Revoke the refresh token and remove the stored sign-in")
    .option("--all", "also remove the stored Bitbucket token")
    .action(async (options) => {
      await runLogout(env, { all: options.all ?? false });
    });
}

/** Signs out. Revocation is best effort; the local removal always happens. */
export async function runLogout(env: Env, options: { all: boolean }): Promise<void> {
  const paths = configPaths(env);
  const check = styleFor(env, env.stderr).success("✔");
  const initial = await readCredentials(env, paths.authConf);
  if (!initial?.oauth && !(options.all && initial?.bitbucketToken)) {
    env.stderr.write(`Not logged in (profile ${paths.profile}); nothing to do.\n`);
    return;
  }
  await assertStoreWritable(env, paths.dir, paths.authConf);
  await changeSignIn(env, paths, async (stored) => {
    if (!stored) return { kind: "keep", result: undefined };
    const tokens = stored.oauth;
    const refreshToken = await revocableRefreshToken(env, paths.dir, tokens?.refreshToken, tokens);
    if (tokens && refreshToken && tokens.revocationEndpoint) {
      const revoked = await revokeToken(
        env,
        tokens.revocationEndpoint,
        tokens.clientId,
        refreshToken,
        "refresh_token",
      );
      if (!revoked) {
        warn(env, "Could not revoke the refresh token at the server; it was removed locally");
      }
    }
    const bitbucketToken = options.all ? null : stored.bitbucketToken;
    const onSaved = async () => {
      // An access token must not outlive its sign-in on disk.
      await removeAccessTokenFile(env, paths).catch(() => {});
      // The sealed token is gone from disk: now its key, unless the
      // Bitbucket token kept is sealed under it.
      if (backendOf(bitbucketToken) !== "keyring") {
        await removeKeyringKey(env, paths.dir, {
          wasKeyring: backendOf(tokens?.refreshToken) === "keyring" ||
            backendOf(stored.bitbucketToken) === "keyring",
        });
      }
      env.stderr.write(
        `${check} Logged out${
          tokens && stored.user ? ` ${stored.user.name ?? stored.user.id}` : ""
        } (profile ${paths.profile})\n`,
      );
      if (bitbucketToken) {
        env.stderr.write('  The Bitbucket token is kept; "twg logout --all" removes it too.\n');
      }
    };
    return bitbucketToken
      ? {
        kind: "write",
        credentials: { ...stored, oauth: null, user: null, site: null },
        result: undefined,
        onSaved,
      }
      : { kind: "remove", result: undefined, onSaved };
  }, { lock: { signal: env.interrupt } });
}
