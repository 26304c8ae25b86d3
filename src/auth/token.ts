/**
 * What `twg auth token` does, kept free of the command-line parser so that
 * `src/main.ts` can run it without loading one: it sits in the hot path of
 * every script and agent that asks for a token.
 *
 * @module
 */
import { type ConfigPaths, configPaths } from "../config/paths.ts";
import { isExpired } from "../credentials/auth_conf.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import type { Env } from "../env.ts";
import { warn } from "../ui/style.ts";
import { envAccessToken } from "./env_token.ts";
import { readSignedIn, refreshIfDue, type SignedIn } from "./refresh.ts";
import { warnSettingMismatches } from "./settings_mismatch.ts";

/**
 * Credentials with a usable access token, refreshed first when due. When a
 * refresh is due but the store cannot be updated, a still-valid token is
 * used with a warning and nothing is sent; only an expired one is an error
 * (exit 4). `auth token` and `api` both rely on this.
 */
export async function usableCredentials(env: Env, paths: ConfigPaths): Promise<SignedIn> {
  let signedIn: SignedIn;
  try {
    signedIn = await refreshIfDue(env, paths, { signal: env.interrupt });
  } catch (error) {
    if (!(error instanceof StoreNotWritableError)) throw error;
    signedIn = await readSignedIn(env, paths);
    if (isExpired(signedIn.tokens, env.now())) throw error;
    warn(env, `A refresh is due but was not attempted: ${error.message}`);
  }
  await warnSettingMismatches(env, paths, signedIn.tokens);
  return signedIn;
}

/** Prints a usable access token on stdout, and nothing else there. */
export async function runAuthToken(env: Env): Promise<void> {
  // TWG_OAUTH_ACCESS_TOKEN wins, as given: never refreshed, nothing read or written.
  const fromEnv = envAccessToken(env);
  if (fromEnv) {
    env.stdout.write(fromEnv + "\n");
    return;
  }
  const { tokens } = await usableCredentials(env, configPaths(env));
  env.stdout.write(tokens.accessToken + "\n");
}
