/**
 * `twg auth token`: prints a valid access token, refreshing first when due.
 * The logic is `runAuthToken` in `src/auth/token.ts`, which `src/main.ts`
 * also runs directly, without the parser, for start-up speed.
 *
 * @module
 */
import { Command, Option } from "@commander-js/extra-typings";
import { runAuthToken } from "../auth/token.ts";
import type { Env } from "../env.ts";
import { UsageError } from "../errors.ts";

/** Declares `twg auth token`. */
export function authTokenCommand(env: Env) {
  return new Command("token")
    .description("Print a valid access token on stdout (refreshed first when due)")
    .option("--json", "print the token as a JSON document with its expiry, site and source")
    .addOption(
      new Option("--format <format>", "plain (the token alone) or env (shell-safe lines)")
        .choices(["plain", "env"] as const),
    )
    .addHelpText(
      "after",
      `
TWG_OAUTH_ACCESS_TOKEN, when set, is printed instead, as it is (never refreshed).
In a sandbox that cannot reach the store, the token comes from the token keeper
(twg auth serve, TWG_BROKER_SOCKET) or the access-token file the host keeps.
Never prints the refresh token.`,
    )
    .action(async (options) => {
      if (options.json && options.format) {
        throw new UsageError("--json and --format cannot be combined", "Choose one");
      }
      await runAuthToken(env, { format: options.json ? "json" : options.format ?? "plain" });
    });
}
