/**
 * `twg setup`: finishes installation — login check, Bitbucket token, upkeep.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { configPaths } from "../config/paths.ts";
import { bitbucketTokenSource, saveBitbucketToken } from "../credentials/bitbucket_token.ts";
import { askForBitbucketToken } from "./setup_bitbucket.ts";
import { readCredentials } from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { AuthRequiredError, messageOf } from "../errors.ts";
import { displayPath, styleFor, warn } from "../ui/style.ts";
import { enableUpkeepAndReport } from "../upkeep/schedule.ts";

/** Declares `twg setup` (`src/cli.ts` mounts `twg setup bitbucket` under it). */
export function setupCommand(env: Env) {
  return new Command("setup")
    .description("Finish installation: check the login, store the Bitbucket token, enable upkeep")
    .option("--no-upkeep", "do not schedule the background helper")
    .action(async (options) => await runSetup(env, { upkeep: options.upkeep }));
}

/**
 * Each step reports what it did; a scheduling failure is guidance, not a
 * failed setup. Not being logged in is: the steps still run, then setup
 * exits 3 naming the login as what is left.
 */
export async function runSetup(env: Env, options: { upkeep: boolean }): Promise<void> {
  const paths = configPaths(env);
  const style = styleFor(env, env.stderr);
  const stored = await readCredentials(env, paths.authConf);
  const isLoggedIn = Boolean(stored?.oauth && !stored.oauth.rejectedAt);
  if (isLoggedIn) {
    env.stderr.write(
      `${style.success("✔")} Logged in as ${stored?.user?.name ?? stored?.user?.id ?? "unknown"}\n`,
    );
  } else {
    warn(env, 'Not logged in yet: run "twg login"');
  }
  const source = bitbucketTokenSource(env, stored?.bitbucketToken ?? null);
  if (source === "env") {
    env.stderr.write(`${style.success("✔")} Bitbucket token from TWG_BBC_TOKEN\n`);
  } else if (source === "store") {
    env.stderr.write(`${style.success("✔")} Bitbucket token stored\n`);
  } else if (env.stdinIsTerminal) {
    // As after login: checked with Bitbucket, and a skip is said, not silent.
    const token = await askForBitbucketToken(env, { optional: true });
    if (token) {
      await saveBitbucketToken(env, paths, token);
      env.stderr.write(
        `${style.success("✔")} Bitbucket token saved to ${
          displayPath(paths.authConf, env.homeDir)
        }\n`,
      );
    }
  } else {
    warn(
      env,
      'No Bitbucket token: run "twg setup bitbucket" in a terminal, or set TWG_BBC_TOKEN in CI',
    );
  }
  if (options.upkeep) {
    try {
      await enableUpkeepAndReport(env);
    } catch (error) {
      warn(env, messageOf(error));
      env.stderr.write(
        (isLoggedIn ? "  Setup is otherwise complete. " : "  ") +
          'Fix the above, then run "twg upkeep enable";\n' +
          '  until then run "twg auth refresh" now and then outside any sandbox.\n',
      );
    }
  }
  if (!isLoggedIn) {
    throw new AuthRequiredError(
      "Setup is not complete: you are not logged in",
      'Run "twg login", then "twg setup" again',
    );
  }
}
