/**
 * `twg exec [--min-valid DURATION] -- CMD [ARGS…]`: runs CMD with a fresh
 * access token in its environment, the way `aws-vault exec -- cmd` and
 * `op run -- cmd` hand credentials to one program and no further. CMD gets
 * `TWG_OAUTH_ACCESS_TOKEN` (and its expiry, the site and the cloud id),
 * never the refresh token; its exit status is twg's (128+N when a signal
 * ended it, as shells report it); INT, TERM and HUP sent to twg are passed
 * on; twg prints nothing of its own on stdout, which belongs to CMD.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { parseDuration } from "../auth/duration.ts";
import { tokenVariables } from "../auth/token.ts";
import { resolveAccessToken } from "../auth/token_source.ts";
import { configPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { PassedThroughExit, TwgError, UsageError } from "../errors.ts";

/** Options of `twg exec`. */
export interface ExecOptions {
  minValidMs: number;
  argv: string[];
}

/** Declares `twg exec`. */
export function execCommand(env: Env) {
  return new Command("exec")
    .description("Run a command with a fresh access token in its environment")
    .option(
      "--min-valid <duration>",
      "refresh first unless the token has at least this long left (90s, 5m, 1h)",
    )
    .argument("<command...>", "the command and its arguments, after --")
    .addHelpText(
      "after",
      `
The command gets TWG_OAUTH_ACCESS_TOKEN, TWG_OAUTH_ACCESS_TOKEN_EXPIRES_AT,
TWG_SITE and TWG_CLOUD_ID; never the refresh token. twg exits with the
command's status (128+N when signal N ended it).`,
    )
    .action(async (argv, options) => {
      await runExec(env, {
        argv,
        minValidMs: options.minValid === undefined
          ? 0
          : parseDuration(options.minValid, "--min-valid"),
      });
    });
}

/** Resolves a token, runs the command with it, and passes its status on. */
export async function runExec(env: Env, options: ExecOptions): Promise<void> {
  const [command, ...args] = options.argv;
  if (!command) throw new UsageError("No command to run", 'Give one after --: "twg exec -- env"');
  if (!env.runAttached) throw new TwgError("This runtime cannot start a command for twg exec");
  const answer = await resolveAccessToken(env, configPaths(env), {
    minValidMs: options.minValidMs,
  });
  const status = await env.runAttached(command, args, tokenVariables(answer));
  // 127 and 126, the shells' codes, with the shells' kind of message.
  if (status.notStarted) env.stderr.write(`twg exec: ${command}: ${status.notStarted}\n`);
  const code = status.signal === null ? status.code : 128 + status.signal;
  if (code !== 0) throw new PassedThroughExit(code);
}
