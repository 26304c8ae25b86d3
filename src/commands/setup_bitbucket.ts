/**
 * `twg setup bitbucket`: stores the Bitbucket token, without touching OAuth.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { configPaths } from "../config/paths.ts";
import { promptBitbucketToken, storeBitbucketToken } from "../credentials/bitbucket_token.ts";
import type { Env } from "../env.ts";
import { UsageError } from "../errors.ts";

/** Options of `twg setup bitbucket`. */
export interface SetupBitbucketOptions {
  /** Read the token from stdin instead of prompting (for scripts). */
  withToken: boolean;
  /** Enter skips instead of failing (`twg setup`). */
  optional?: boolean;
}

/** Declares `twg setup bitbucket`. */
export function setupBitbucketCommand(env: Env) {
  return new Command("bitbucket")
    .description("Store a Bitbucket token (asked with hidden input)")
    .option("--with-token", "read the token from standard input")
    .addHelpText("after", "\nIn CI, set TWG_BBC_TOKEN instead: it wins over a stored token.")
    .action(async (options) => {
      await runSetupBitbucket(env, { withToken: options.withToken ?? false });
    });
}

/** Asks for and saves the Bitbucket token. */
export async function runSetupBitbucket(env: Env, options: SetupBitbucketOptions): Promise<void> {
  let token: string | null;
  if (options.withToken) {
    token = (await env.readLine(""))?.trim() || null;
    if (!token) throw new UsageError("No token on standard input");
  } else {
    if (!env.stdinIsTerminal) {
      throw new UsageError(
        "Cannot ask for the token without a terminal",
        'Pipe it in with "twg setup bitbucket --with-token", or set TWG_BBC_TOKEN',
      );
    }
    token = await promptBitbucketToken(env, { optional: options.optional ?? false });
    if (!token && options.optional) return;
    if (!token) throw new UsageError("No token entered");
  }
  await storeBitbucketToken(env, configPaths(env), token);
}
