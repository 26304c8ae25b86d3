/**
 * An API that answers 401 to a stored access token gets one more try with a
 * freshly refreshed token (the server may have revoked the old one early);
 * a 401 to that one means the sign-in itself is no longer accepted, and the
 * person must sign in again (exit 77, `AUTH_EXPIRED`).
 *
 * @module
 */
import { configPaths } from "../config/paths.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import type { Env } from "../env.ts";
import { AuthExpiredError } from "../errors.ts";
import { refreshIfDue } from "./refresh.ts";

/**
 * Refreshes (forced) and returns the new access token, or null when the
 * store cannot be written (nothing was sent; the caller reports the 401 as
 * it is). A rejected refresh throws {@link AuthExpiredError}.
 */
export async function renewedAccessToken(env: Env): Promise<string | null> {
  try {
    const result = await refreshIfDue(env, configPaths(env), {
      force: true,
      interruptible: true,
    });
    return result.tokens.accessToken;
  } catch (error) {
    if (error instanceof StoreNotWritableError) return null;
    throw error;
  }
}

/** The 401 that follows a successful refresh. */
export function unauthorizedAfterRefresh(where: string): AuthExpiredError {
  return new AuthExpiredError(
    `${where} refused the access token right after a successful refresh: ` +
      "the sign-in is no longer accepted",
  );
}
