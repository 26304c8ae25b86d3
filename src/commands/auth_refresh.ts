/**
 * `twg auth refresh`: the non-interactive refresh check.
 *
 * @module
 */
import { keepAccessTokenFileQuietly } from "../handoff/access_token_file.ts";
import { Command } from "@commander-js/extra-typings";
import { refreshIfDue } from "../auth/refresh.ts";
import { detectAgentInfoFromEnv } from "../agents/detect.ts";
import { configPaths } from "../config/paths.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import { TwgError } from "../errors.ts";
import { warnSettingMismatches } from "../auth/settings_mismatch.ts";
import type { Env } from "../env.ts";
import { styleFor, warn } from "../ui/style.ts";
import { formatTime } from "../ui/time.ts";
import { signInStateOf } from "../auth/sign_in_state.ts";
import { jsonDocument } from "../json_documents.ts";

/** Options of `twg auth refresh`. */
export interface AuthRefreshOptions {
  force: boolean;
  json: boolean;
}

/** Declares `twg auth refresh`. */
export function authRefreshCommand(env: Env) {
  return new Command("refresh")
    .description("Rotate the tokens when 75% of the access token's lifetime has passed")
    .option("--force", "rotate now, whatever the lifetime left")
    .option("--json", "print the result as JSON on stdout")
    .action(async (options) => {
      await runAuthRefresh(env, { force: options.force ?? false, json: options.json ?? false });
    });
}

/** Refreshes when due (or forced) and reports what happened. */
export async function runAuthRefresh(env: Env, options: AuthRefreshOptions): Promise<void> {
  const paths = configPaths(env);
  try {
    const result = await refreshIfDue(env, paths, {
      force: options.force,
      interruptible: true,
    });
    if (result.refreshed) {
      await keepAccessTokenFileQuietly(env, paths, result.tokens, result.credentials.site);
    }
    const state = signInStateOf(env, result.credentials);
    if (state.storedMethod === "token") {
      // Stored by `login --with-token`: nothing to rotate, nothing was sent.
      const expiry = state.expiresAt;
      if (options.json) {
        env.stdout.write(
          JSON.stringify(jsonDocument("auth refresh", {
            refreshed: false,
            reason: "not-refreshable",
            accessTokenExpiresAt: expiry,
            refreshDueAt: null,
          })) + "\n",
        );
      } else {
        warn(
          env,
          'The stored token was given with "twg login --with-token" and cannot be refreshed' +
            `${expiry ? ` (it expires ${expiry})` : ""}; "twg login" signs in with a refresh token`,
        );
      }
      return;
    }
    await warnSettingMismatches(env, paths, result.tokens);
    const times = { expiresAt: state.expiresAt!, refreshDueAt: state.refreshDueAt! };
    if (options.json) {
      env.stdout.write(
        JSON.stringify(jsonDocument("auth refresh", {
          refreshed: result.refreshed,
          reason: result.reason,
          accessTokenExpiresAt: times.expiresAt,
          refreshDueAt: times.refreshDueAt,
        })) + "\n",
      );
      return;
    }
    const check = styleFor(env, env.stderr).success("✔");
    env.stderr.write(
      result.refreshed
        ? `${check} Tokens rotated; the access token is valid until ${
          formatTime(times.expiresAt, env.now())
        }\n`
        : `${check} The tokens are fresh; next refresh due ${
          formatTime(times.refreshDueAt, env.now())
        }\n`,
    );
  } catch (error) {
    // With --json, main prints the error merged into this document.
    if (error instanceof TwgError) error.jsonDocument ??= { refreshed: false };
    if (error instanceof StoreNotWritableError) {
      const agent = await detectAgentInfoFromEnv(env);
      error.jsonDocument = {
        refreshed: false,
        reason: "store-not-writable",
        configDir: error.configDir,
        agent: agent?.id ?? null,
        agentDeclared: agent?.declared ?? null,
      };
    }
    throw error;
  }
}
