/**
 * What `twg auth token` does, kept free of the command-line parser so that
 * `src/main.ts` can run it without loading one: it sits in the hot path of
 * every script and agent that asks for a token.
 *
 * @module
 */
import { configPaths } from "../config/paths.ts";
import { isExpired } from "../credentials/credentials.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import type { Env } from "../env.ts";
import { warn } from "../ui/style.ts";
import { readSignedIn, refreshIfDue } from "./refresh.ts";

/**
 * Prints the access token. When a refresh is due but the store cannot be
 * updated, a still-valid token is printed with a warning and nothing is sent;
 * only an expired one is an error (exit 4).
 */
export async function runAuthToken(env: Env): Promise<void> {
  const paths = configPaths(env);
  let accessToken: string;
  try {
    accessToken = (await refreshIfDue(env, paths, { signal: env.interrupt })).tokens.accessToken;
  } catch (error) {
    if (!(error instanceof StoreNotWritableError)) throw error;
    const { tokens } = await readSignedIn(env, paths);
    if (isExpired(tokens, env.now())) throw error;
    warn(env, `A refresh is due but was not attempted: ${error.message}`);
    accessToken = tokens.accessToken;
  }
  env.stdout.write(accessToken + "\n");
}
