/**
 * Declares `twg auth status`. The logic is `runAuthStatus` in
 * `auth_status.ts`, kept free of commander so that `src/main.ts` can run
 * `auth status [--json]` without loading the parser (under Deno, commander is
 * CommonJS and starts the Node compatibility layer: see bench/README.md).
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import type { Env } from "../env.ts";
import { runAuthStatus } from "./auth_status.ts";

/** Declares `twg auth status`. */
export function authStatusCommand(env: Env) {
  return new Command("status")
    .description("Show who is signed in, the site, and when the token expires (offline)")
    .option("--json", "print the status as JSON on stdout")
    .action(async (options) => {
      await runAuthStatus(env, { json: options.json ?? false });
    });
}
