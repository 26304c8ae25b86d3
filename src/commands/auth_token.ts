/**
 * `twg auth token`: prints a valid access token, refreshing first when due.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { readSignedIn, refreshIfDue } from "../auth/refresh.ts";
import { configPaths } from "../config/paths.ts";
import { isExpired } from "../credentials/credentials.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import type { Env } from "../env.ts";
import { warn } from "../ui/style.ts";

/** Declares `twg auth token`. */
export function authTokenCommand(env: Env) {
  return new Command("token")
    .description("Print a valid access token on stdout (refreshed first when due)")
    .action(async () => {
      await runAuthToken(env);
    });
}

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
