/**
 * `twg setup bitbucket`: stores the Bitbucket token, without touching OAuth.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { configPaths } from "../config/paths.ts";
import { promptBitbucketToken, storeBitbucketToken } from "../credentials/bitbucket_token.ts";
import { bitbucketTokenProblem, checkBitbucketToken } from "../api/bitbucket_check.ts";
import type { Env } from "../env.ts";
import { TwgError, UsageError } from "../errors.ts";
import { styleFor, warn } from "../ui/style.ts";

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
    const problem = bitbucketTokenProblem(token);
    if (problem) throw new UsageError(`The input is not a Bitbucket token: ${problem}`);
    if (!(await isTokenUsable(env, token))) {
      throw new TwgError("Bitbucket refused the token; nothing was saved", {
        hint: "Check that it is a Bitbucket API token with the scopes you need",
      });
    }
  } else {
    if (!env.stdinIsTerminal) {
      throw new UsageError(
        "Cannot ask for the token without a terminal",
        'Pipe it in with "twg setup bitbucket --with-token", or set TWG_BBC_TOKEN',
      );
    }
    token = await askForBitbucketToken(env, { optional: options.optional ?? false });
    if (!token && options.optional) return;
    if (!token) throw new UsageError("No token entered; nothing was saved");
  }
  await storeBitbucketToken(env, configPaths(env), token);
}

/** Attempts at the prompt before twg gives up: a typo, then a second look. */
const promptAttempts = 3;

/**
 * Asks for the Bitbucket token until it looks like one and Bitbucket does
 * not refuse it (three attempts). `null` when the person skipped (Enter,
 * Ctrl-D) or gave up; Ctrl-C throws an abort. A token that could not be
 * checked (Bitbucket unreachable) is returned with a warning: the person
 * may be offline, and `twg api --bitbucket` reports a bad one later.
 */
export async function askForBitbucketToken(
  env: Env,
  options: { optional: boolean },
): Promise<string | null> {
  for (let attempt = 1; attempt <= promptAttempts; attempt++) {
    const token = await promptBitbucketToken(env, options);
    if (!token) {
      // A required token's caller says so itself, as an error (exit 2): once.
      if (options.optional) env.stderr.write("No token entered; nothing was saved.\n");
      return null;
    }
    const problem = bitbucketTokenProblem(token);
    if (problem) {
      warn(env, `That is not a Bitbucket token: ${problem}`);
      continue;
    }
    if (await isTokenUsable(env, token)) return token;
  }
  env.stderr.write('Nothing was saved. "twg setup bitbucket" asks again.\n');
  return null;
}

/** Says what Bitbucket answered; false only when it refused the token. */
async function isTokenUsable(env: Env, token: string): Promise<boolean> {
  const verdict = await checkBitbucketToken(env, token);
  const style = styleFor(env, env.stderr);
  if (verdict.kind === "accepted") {
    env.stderr.write(`${style.success("✔")} Bitbucket accepted the token\n`);
    return true;
  }
  if (verdict.kind === "refused") {
    warn(env, `Bitbucket refused that token (HTTP ${verdict.status}); it was not saved`);
    return false;
  }
  warn(env, `Could not check the token (${verdict.reason}); saving it unchecked`);
  return true;
}
