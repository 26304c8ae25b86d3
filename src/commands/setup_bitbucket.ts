/**
 * `twg setup bitbucket`: stores the Bitbucket token, without touching OAuth.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { configPaths } from "../config/paths.ts";
import { emptyCredentials } from "../credentials/credentials.ts";
import { acquireLock } from "../credentials/lock.ts";
import { assertStoreWritable } from "../credentials/preflight.ts";
import { ensureConfigDir, readCredentials, saveCredentials } from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { UsageError } from "../errors.ts";
import { displayPath, styleFor, warn } from "../ui/style.ts";

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
  await saveBitbucketToken(env, token);
}

/** Saves the Bitbucket token beside whatever else is stored, under the lock. */
export async function saveBitbucketToken(env: Env, token: string): Promise<void> {
  const paths = configPaths(env);
  await ensureConfigDir(env, paths.dir);
  await assertStoreWritable(env, paths.dir, paths.authConf);
  const lock = await acquireLock(env, paths.lock, { signal: env.interrupt });
  try {
    const stored = (await readCredentials(env, paths.authConf)) ?? emptyCredentials();
    await saveCredentials(env, paths.authConf, { ...stored, bitbucketToken: token });
  } finally {
    await lock.release();
  }
  if (env.getVar("TWG_BBC_TOKEN")) warn(env, "TWG_BBC_TOKEN is set and wins over the stored token");
  env.stderr.write(
    `${styleFor(env, env.stderr).success("✔")} Bitbucket token saved to ${
      displayPath(paths.authConf, env.homeDir)
    }\n`,
  );
}

/**
 * Asks for the Bitbucket token with hidden input, only on a terminal and only
 * when `TWG_BBC_TOKEN` does not already provide one. Enter skips when optional.
 */
export async function promptBitbucketToken(
  env: Env,
  options: { optional: boolean },
): Promise<string | null> {
  if (!env.stdinIsTerminal || env.getVar("TWG_BBC_TOKEN")) return null;
  const prompt = options.optional ? "Bitbucket token (Enter to skip): " : "Bitbucket token: ";
  const answer = await env.readLine(prompt, { hidden: true });
  return answer?.trim() || null;
}

/** Where the Bitbucket token comes from: the environment wins over the store. */
export function bitbucketTokenSource(env: Env, stored: string | null): "env" | "store" | null {
  if (env.getVar("TWG_BBC_TOKEN")) return "env";
  return stored ? "store" : null;
}
