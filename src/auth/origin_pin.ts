/**
 * The issuer and token endpoint origins `upkeep enable` pinned in the
 * scheduler's own file (see `upkeep/pins.ts`), checked by the refresh itself
 * on the very credentials it is about to send: re-read under the lock, in
 * the process that sends. A check made earlier, on an earlier read, leaves
 * a window in which a sandbox that may write `auth.conf` swaps the endpoint.
 *
 * @module
 */
import type { OAuthTokens } from "../credentials/auth_conf.ts";
import type { Env } from "../env.ts";
import { TwgError } from "../errors.ts";

/** The variables the scheduler file carries for the pinned origins. */
export const originPinVariables = {
  issuerOrigin: "TWG_PINNED_ISSUER_ORIGIN",
  tokenOrigin: "TWG_PINNED_TOKEN_ORIGIN",
} as const;

/** The job refuses: something it would trust is not what was pinned (exit 1; nothing sent). */
export class PinMismatchError extends TwgError {
  override name = "PinMismatchError";
  static override defaultCode = "pin-mismatch";
}

/** The hint every pin refusal carries. */
export const reEnableHint =
  'If you changed it yourself, run "twg upkeep enable" again outside any sandbox to pin the new one';

/** The origin of `url`, or null when it is missing or not a URL. */
export function originOf(url: string | null | undefined): string | null {
  try {
    return url ? new URL(url).origin : null;
  } catch {
    return null;
  }
}

/**
 * Throws {@link PinMismatchError} when the sign-in names an issuer or token
 * endpoint on another origin than the pinned ones. Without pins (a schedule
 * enabled by an older twg, or a foreground run), nothing to check. An
 * unpinned token endpoint must share the pinned issuer's origin.
 */
export function assertPinnedOrigins(env: Env, tokens: OAuthTokens): void {
  const pinnedIssuer = env.getVar(originPinVariables.issuerOrigin);
  const pinnedToken = env.getVar(originPinVariables.tokenOrigin) ?? pinnedIssuer;
  const check = (what: string, url: string, pinned: string | undefined) => {
    if (!pinned) return;
    const origin = originOf(url);
    if (origin !== pinned) {
      throw new PinMismatchError(
        `Refusing to refresh: auth.conf names the ${what} ${
          origin ?? JSON.stringify(url)
        }, but upkeep was enabled for ${pinned}; nothing was sent`,
        { hint: reEnableHint },
      );
    }
  };
  check("issuer", tokens.issuer, pinnedIssuer);
  if (tokens.tokenEndpoint) check("token endpoint", tokens.tokenEndpoint, pinnedToken);
}
