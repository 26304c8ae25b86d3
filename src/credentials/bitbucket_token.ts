/**
 * The Bitbucket token: where it comes from, and the one rule for it,
 * "`TWG_BBC_TOKEN` wins over a stored one" (so CI, which has no store, sets
 * only the variable). Every command that reads, reports, asks for or saves
 * the token goes through here.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { emptyCredentials } from "./auth_conf.ts";
import { assertStoreWritable } from "./preflight.ts";
import { backendOf } from "./keyring.ts";
import { plainBitbucketToken, storedBitbucketTokenFor } from "./keyring_use.ts";
import { parentDir } from "../lean_path.ts";
import { readCredentials } from "./store.ts";
import { ensureConfigDir } from "../safe_files/config_dir.ts";
import { displayPath, styleFor, warn } from "../ui/style.ts";

/** The variable that provides the Bitbucket token and wins over a stored one. */
export const BITBUCKET_TOKEN_VAR = "TWG_BBC_TOKEN";

/** The files of the credential store (a `ConfigPaths` from `src/config/paths.ts`). */
export interface StorePaths {
  dir: string;
  authConf: string;
  lock: string;
}

/** Where the Bitbucket token in use comes from. */
export type BitbucketTokenSource = "env" | "store";

/**
 * Where the token in use comes from, given the stored one: the environment
 * wins over the store.
 *
 * @example
 * ```ts ignore
 * bitbucketTokenSource(env, credentials?.bitbucketToken ?? null); // "env", "store" or null
 * ```
 */
export function bitbucketTokenSource(
  env: Pick<Env, "getVar">,
  stored: string | null,
): BitbucketTokenSource | null {
  if (env.getVar(BITBUCKET_TOKEN_VAR)) return "env";
  return stored ? "store" : null;
}

/**
 * The token to send to Bitbucket, or `null`: `TWG_BBC_TOKEN` when set, and
 * only otherwise the one stored in `auth.conf` (which is then read).
 *
 * @example
 * ```ts ignore
 * const token = await bitbucketToken(env, configPaths(env));
 * ```
 */
export async function bitbucketToken(
  env: Env,
  paths: Pick<StorePaths, "authConf">,
): Promise<string | null> {
  const fromEnv = env.getVar(BITBUCKET_TOKEN_VAR);
  if (fromEnv) return fromEnv;
  const stored = (await readCredentials(env, paths.authConf))?.bitbucketToken ?? null;
  if (stored === null || backendOf(stored) === "file") return stored;
  return await plainBitbucketToken(env, parentDir(paths.authConf), stored);
}

/**
 * Asks for the Bitbucket token with hidden input, only on a terminal and only
 * when `TWG_BBC_TOKEN` does not already provide one. Enter skips when optional.
 *
 * @example
 * ```ts ignore
 * const token = await promptBitbucketToken(env, { optional: true });
 * ```
 */
export async function promptBitbucketToken(
  env: Env,
  options: { optional: boolean },
): Promise<string | null> {
  if (!env.stdinIsTerminal || env.getVar(BITBUCKET_TOKEN_VAR)) return null;
  const prompt = options.optional ? "Bitbucket token (Enter to skip): " : "Bitbucket token: ";
  const answer = await env.readLine(prompt, { hidden: true });
  return answer?.trim() || null;
}

/**
 * Saves the Bitbucket token in `auth.conf` under the lock, after the same
 * preflight as a refresh, leaving the sign-in as it is.
 *
 * @example
 * ```ts ignore
 * await saveBitbucketToken(env, configPaths(env), token);
 * ```
 */
export async function saveBitbucketToken(
  env: Env,
  paths: StorePaths,
  token: string,
): Promise<void> {
  await ensureConfigDir(env, paths.dir);
  await assertStoreWritable(env, paths.dir, paths.authConf);
  // The door and its lock load only to save: auth status reads the token's source without them.
  const { changeSignIn } = await import("./sign_in_door.ts");
  await changeSignIn(env, paths, async (stored) => {
    const current = stored ?? emptyCredentials();
    // Under the keyring backend the Bitbucket token is sealed like the refresh token.
    const kept = await storedBitbucketTokenFor(
      env,
      paths.dir,
      token,
      backendOf(current.oauth?.refreshToken),
    );
    return { kind: "write", credentials: { ...current, bitbucketToken: kept }, result: undefined };
  }, { lock: { signal: env.interrupt } });
}

/**
 * {@link saveBitbucketToken}, then says so on stderr, and warns when
 * `TWG_BBC_TOKEN` is set and so wins over the token just saved.
 *
 * @example
 * ```ts ignore
 * await storeBitbucketToken(env, configPaths(env), token);
 * // ✔ Bitbucket token saved to ~/.config/twg/auth.conf
 * ```
 */
export async function storeBitbucketToken(
  env: Env,
  paths: StorePaths,
  token: string,
): Promise<void> {
  await saveBitbucketToken(env, paths, token);
  if (env.getVar(BITBUCKET_TOKEN_VAR)) {
    warn(env, `${BITBUCKET_TOKEN_VAR} is set and wins over the stored token`);
  }
  env.stderr.write(
    `${styleFor(env, env.stderr).success("✔")} Bitbucket token saved to ${
      displayPath(paths.authConf, env.homeDir)
    }\n`,
  );
}
