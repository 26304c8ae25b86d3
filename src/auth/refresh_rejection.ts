/**
 * What an `invalid_grant` (or another "this refresh token is no longer
 * valid" answer) means, decided under the lock: either someone else rotated
 * first — another twg, or another program writing `auth.conf` without
 * twg's lock — and their newer credential is adopted; or the sign-in really
 * ended, which is recorded beside `auth.conf` (never by rewriting it) and
 * reported as exit 77.
 *
 * Nothing here writes `auth.conf`: a blank or older credential can never be
 * written over a newer one, whoever saved it and whenever (the field's most
 * reported failure: claude-code#76561, openai/codex#10332).
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import type { Credentials, OAuthTokens } from "../credentials/auth_conf.ts";
import { readCredentials } from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { AuthExpiredError } from "../errors.ts";
import { recordRejection } from "./refresh_in_flight.ts";

/**
 * Re-reads `auth.conf` and returns the credential to adopt when another
 * writer saved a newer one than `sent`; otherwise records the rejection and
 * throws {@link AuthExpiredError}.
 */
export async function settleRejection(
  env: Env,
  paths: ConfigPaths,
  sent: Credentials,
  detail: string,
): Promise<OAuthTokens> {
  const sentTokens = sent.oauth!;
  const stored = (await readCredentials(env, paths.authConf).catch(() => null))?.oauth;
  if (stored && isNewerThan(stored, sentTokens)) return stored;
  await recordRejection(env, paths, sentTokens);
  // Saved in the instant between the re-read and the record: still adopted,
  // and the record (about the old token) no longer applies to it.
  const after = (await readCredentials(env, paths.authConf).catch(() => null))?.oauth;
  if (after && isNewerThan(after, sentTokens)) return after;
  throw new AuthExpiredError(`The server rejected the stored sign-in: ${detail}`);
}

/**
 * Whether `candidate` replaces `sent`: same issuer and client, another
 * non-empty refresh token and access token, not itself rejected, and
 * obtained no earlier.
 */
export function isNewerThan(candidate: OAuthTokens, sent: OAuthTokens): boolean {
  return Boolean(
    candidate.refreshToken && candidate.accessToken && !candidate.rejectedAt &&
      candidate.refreshToken !== sent.refreshToken &&
      candidate.issuer === sent.issuer && candidate.clientId === sent.clientId &&
      Date.parse(candidate.obtainedAt) >= Date.parse(sent.obtainedAt),
  );
}
