/**
 * What `twg auth token` does, kept free of the command-line parser so that
 * `src/main.ts` can run it without loading one: it sits in the hot path of
 * every script and agent that asks for a token.
 *
 * @module
 */
import { type ConfigPaths, configPaths } from "../config/paths.ts";
import { isExpired } from "../credentials/auth_conf.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import type { Env } from "../env.ts";
import { jsonDocument } from "../json_documents.ts";
import { warn } from "../ui/style.ts";
import { accessTokenVariable } from "./env_token.ts";
import { refreshIfDue } from "./refresh.ts";
import { readSignedIn, type SignedIn } from "./signed_in.ts";
import { warnSettingMismatches } from "./settings_mismatch.ts";
import { resolveAccessToken, type TokenAnswer } from "./token_source.ts";
import type { SiteSelector } from "./site_selector.ts";

/**
 * Credentials with a usable access token, refreshed first when due. When a
 * refresh is due but the store cannot be updated, a still-valid token is
 * used with a warning and nothing is sent; only an expired one is an error
 * (exit 4). `auth token` and `api` both rely on this.
 */
export async function usableCredentials(env: Env, paths: ConfigPaths): Promise<SignedIn> {
  let signedIn: SignedIn;
  try {
    signedIn = await refreshIfDue(env, paths, { interruptible: true });
  } catch (error) {
    if (!(error instanceof StoreNotWritableError)) throw error;
    signedIn = await readSignedIn(env, paths);
    if (isExpired(signedIn.tokens, env.now())) throw error;
    warn(env, `A refresh is due but was not attempted: ${error.message}`);
  }
  await warnSettingMismatches(env, paths, signedIn.tokens);
  return signedIn;
}

/** How `auth token` prints: the bare token, the typed document, or shell lines. */
export type TokenFormat = "plain" | "json" | "env";

/**
 * Prints a usable access token on stdout, and nothing else there: bare, as
 * the contract's JSON document (`--json`), or as `KEY='value'` lines a
 * POSIX shell can `eval` (`--format env`).
 */
export async function runAuthToken(
  env: Env,
  options: { format?: TokenFormat; site?: SiteSelector | null } = {},
): Promise<void> {
  // TWG_OAUTH_ACCESS_TOKEN wins, as given: never refreshed, nothing read or written.
  const answer = await resolveAccessToken(env, configPaths(env), { site: options.site ?? null });
  const format = options.format ?? "plain";
  if (format === "json") {
    // Every --json document's frame: schemaVersion first, error (null) last.
    env.stdout.write(JSON.stringify(jsonDocument("auth token", { ...answer }), null, 2) + "\n");
  } else if (format === "env") env.stdout.write(tokenEnvLines(answer));
  else env.stdout.write(answer.token + "\n");
}

/** The variables `auth token --format env` prints and `exec` gives its child. */
export function tokenVariables(answer: TokenAnswer): Record<string, string> {
  const variables: Record<string, string> = { [accessTokenVariable]: answer.token };
  if (answer.expiresAt) variables.TWG_OAUTH_ACCESS_TOKEN_EXPIRES_AT = answer.expiresAt;
  if (answer.site) variables.TWG_SITE = answer.site;
  if (answer.cloudId) variables.TWG_CLOUD_ID = answer.cloudId;
  return variables;
}

/**
 * `KEY='value'` lines, single-quoted as POSIX sh quotes (a `'` inside ends
 * the quote, is escaped, and reopens it), so `eval "$(twg auth token
 * --format env)"` can never run anything a value holds.
 */
export function tokenEnvLines(answer: TokenAnswer): string {
  return Object.entries(tokenVariables(answer))
    .map(([key, value]) => `${key}='${value.replaceAll("'", `'\\''`)}'\n`)
    .join("");
}
