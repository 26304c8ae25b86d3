/**
 * `twg auth token`: prints a valid access token, refreshing first when due.
 * The logic is `runAuthToken` in `src/auth/token.ts`, which `src/main.ts`
 * also runs directly, without the parser, for start-up speed.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { runAuthToken } from "../auth/token.ts";
import type { Env } from "../env.ts";

/** Declares `twg auth token`. */
export function authTokenCommand(env: Env) {
  return new Command("token")
    .description("Print a valid access token on stdout (refreshed first when due)")
    .addHelpText(
      "after",
      `
TWG_OAUTH_ACCESS_TOKEN, when set, is printed instead, as it is (never refreshed).`,
    )
    .action(async () => {
      await runAuthToken(env);
    });
}
