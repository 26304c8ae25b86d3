/**
 * `twg auth backend file|keyring`: moves the stored refresh token to the
 * other backend with nothing lost at any instant. `auth.conf` is replaced by
 * the one atomic rename, so a reader sees the old record or the new one:
 *
 * - to `keyring`: the key is written to the keyring and read back, the token
 *   sealed and proven to open with the re-read key, then `auth.conf` renamed
 *   over (the plaintext copy goes with that rename, never before);
 * - to `file`: the token opened with the key, `auth.conf` renamed over with
 *   it in plaintext and re-read, and only then the keyring item removed.
 *
 * Under the lock, so no refresh rotates the token while it moves.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { configPaths } from "../config/paths.ts";
import { changeSignIn, type SignInChange } from "../credentials/sign_in_door.ts";
import { assertStoreWritable } from "../credentials/preflight.ts";
import { readCredentials } from "../credentials/store.ts";
import { backendOf, chosenBackend, type CredentialBackend } from "../credentials/keyring.ts";
import {
  convertRefreshToken,
  removeKeyringKey,
  storedBitbucketTokenFor,
} from "../credentials/keyring_use.ts";
import type { Env } from "../env.ts";
import { AuthRequiredError, TwgError } from "../errors.ts";
import { styleFor } from "../ui/style.ts";
import { jsonDocument } from "../json_documents.ts";

/** Declares `twg auth backend`. */
export function authBackendCommand(env: Env) {
  return new Command("backend")
    .description("Move the stored refresh token to the file or the keyring backend")
    .argument("<backend>", "file or keyring")
    .option("--json", "print the outcome as JSON on stdout")
    .action(async (backend: string, options: { json?: boolean }) => {
      const outcome = await moveCredentials(env, chosenBackend(env, backend));
      if (options.json) {
        env.stdout.write(JSON.stringify(jsonDocument("auth backend", { ...outcome })) + "\n");
      }
      const check = styleFor(env, env.stderr).success("✔");
      env.stderr.write(
        outcome.moved
          ? `${check} The refresh token is now kept by the ${outcome.backend} backend\n`
          : `${check} Already on the ${outcome.backend} backend; nothing moved\n`,
      );
      if (outcome.moved && outcome.backend === "keyring") {
        env.stderr.write(
          '  If the upkeep helper is enabled, run "twg upkeep enable" again so that it may read the key.\n',
        );
      }
    });
}

/** What {@link moveCredentials} did. */
export interface MoveOutcome {
  backend: CredentialBackend;
  from: CredentialBackend;
  moved: boolean;
  keyringItem: "removed" | "absent" | "skipped" | "failed";
}

/** Moves the stored refresh token to `target` (see the module comment). */
export async function moveCredentials(env: Env, target: CredentialBackend): Promise<MoveOutcome> {
  const paths = configPaths(env);
  const initial = await readCredentials(env, paths.authConf);
  if (!initial?.oauth?.refreshToken) {
    throw new AuthRequiredError(
      "No stored refresh token to move",
      `Sign in with the backend you want: run "twg login --backend ${target}"`,
    );
  }
  await assertStoreWritable(env, paths.dir, paths.authConf);
  return await changeSignIn(env, paths, async (stored): Promise<SignInChange<MoveOutcome>> => {
    const tokens = stored?.oauth;
    if (!stored || !tokens?.refreshToken) throw new AuthRequiredError("You are not logged in");
    const from = backendOf(tokens.refreshToken);
    if (from === target) {
      return {
        kind: "keep",
        result: { backend: target, from, moved: false, keyringItem: "skipped" },
      };
    }
    const refreshToken = await convertRefreshToken(
      env,
      paths.dir,
      tokens.refreshToken,
      target,
      tokens,
    );
    // The Bitbucket token moves with it (sealed under the same key, or opened).
    const bitbucketToken = await storedBitbucketTokenFor(
      env,
      paths.dir,
      stored.bitbucketToken,
      target,
    );
    const result: MoveOutcome = { backend: target, from, moved: true, keyringItem: "skipped" };
    return {
      kind: "write",
      credentials: { ...stored, oauth: { ...tokens, refreshToken }, bitbucketToken },
      result,
      async onSaved() {
        const saved = await readCredentials(env, paths.authConf);
        if (saved?.oauth?.refreshToken !== refreshToken) {
          throw new TwgError(
            "The moved credentials did not read back; the keyring item is kept",
            { hint: 'Run "twg auth status" and try again' },
          );
        }
        // The old copy goes last: the plaintext one went with the rename; the key only now.
        if (target === "file") {
          result.keyringItem = await removeKeyringKey(env, paths.dir, { wasKeyring: true });
        }
      },
    };
  }, { lock: { signal: env.interrupt } });
}
