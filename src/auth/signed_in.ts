/**
 * The stored sign-in as the refresh path reads it (step 1 of `refresh.ts`):
 * the credentials, unless the server rejected them or the person's consent
 * ran out. Kept apart from the transaction so that reading a fresh token
 * loads no lock, door or grant.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { AuthExpiredError, AuthRequiredError } from "../errors.ts";
import type { Credentials, OAuthTokens } from "../credentials/auth_conf.ts";
import { readCredentials } from "../credentials/store.ts";
import { formatTime } from "../ui/time.ts";
import { withRecordedRejection } from "./refresh_in_flight.ts";
import { assertConsentValid } from "./consent_expiry.ts";

/** Stored credentials that hold OAuth tokens. */
export interface SignedIn {
  credentials: Credentials;
  tokens: OAuthTokens;
}

/** Reads the stored OAuth credentials or explains why there are none usable. */
export async function readSignedIn(env: Env, paths: ConfigPaths): Promise<SignedIn> {
  return await signedInFrom(env, paths, await readCredentials(env, paths.authConf));
}

/** The stored credentials as a usable sign-in, or why they are not one. */
export async function signedInFrom(
  env: Env,
  paths: ConfigPaths,
  credentials: Credentials | null,
): Promise<SignedIn> {
  const tokens = credentials?.oauth;
  if (!credentials || !tokens) throw new AuthRequiredError("You are not logged in");
  // A rejection is recorded beside auth.conf, never in it (refresh_rejection.ts).
  const rejectedAt = (await withRecordedRejection(env, paths, tokens)).rejectedAt;
  if (rejectedAt) {
    throw new AuthExpiredError(
      `The server rejected the stored sign-in at ${formatTime(rejectedAt, env.now())}`,
    );
  }
  // Past the issuer's absolute expiry nothing is sent: the person must consent again.
  assertConsentValid(tokens, env.now());
  return { credentials, tokens };
}
