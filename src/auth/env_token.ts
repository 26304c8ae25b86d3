/**
 * An access token from the environment, for CI: `TWG_OAUTH_ACCESS_TOKEN`
 * wins over the stored credentials for `auth token` and `api`, and is never
 * refreshed or written anywhere. Set and non-empty means set, the same rule
 * as `TWG_BBC_TOKEN` (the Atlassian CLI's own variable of that name plays the
 * same part there).
 *
 * @module
 */
import type { Env } from "../env.ts";

/** The variable's name, as `auth status` and `doctor` report it. */
export const accessTokenVariable = "TWG_OAUTH_ACCESS_TOKEN";

/** The access token from the environment, or null when the variable is unset or empty. */
export function envAccessToken(env: Env): string | null {
  return env.getVar(accessTokenVariable) || null;
}
