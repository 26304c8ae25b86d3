/**
 * The consent's absolute expiry: some issuers end every grant a fixed time
 * after the person consented, however often its refresh token is rotated.
 * Atlassian: "All tokens have an absolute expiry time of 365 days. After a
 * year, users must re-consent" (https://community.developer.atlassian.com/t/updated-31-january-2022-action-required-deprecating-persistent-refresh-tokens/54172;
 * "even if it keeps getting refreshed, the refresh_token expires after 365
 * days", https://community.developer.atlassian.com/t/refresh-token-expire-after-36000-seconds/60806/2).
 *
 * twg records the expiry at login, shows it (`auth status`, `doctor`),
 * has upkeep announce it 14 and 3 days ahead, and once it has passed sends
 * nothing and asks for a new sign-in (exit 77).
 *
 * @module
 */
import type { Env } from "../env.ts";
import type { ConsentNoticeState } from "../config/upkeep_state.ts";
import type { OAuthTokens } from "../credentials/auth_conf.ts";
import { AuthExpiredError } from "../errors.ts";
import { formatTime } from "../ui/time.ts";

const dayMs = 24 * 60 * 60 * 1000;

/** Consent lifetimes of known issuers, in days (sources in the module doc). */
const knownLifetimeDays: Record<string, number> = {
  "https://auth.atlassian.com": 365,
};

/** Days ahead at which upkeep announces the expiry, each once. */
export const consentNoticeDays = [14, 3] as const;

/**
 * The consent lifetime for `issuer` in milliseconds, or null when unknown:
 * `TWG_CONSENT_LIFETIME_DAYS` (another issuer, the development server) wins
 * over the table of known issuers.
 */
export function consentLifetimeMs(env: Pick<Env, "getVar">, issuer: string): number | null {
  const configured = env.getVar("TWG_CONSENT_LIFETIME_DAYS");
  if (configured !== undefined && configured !== "") {
    const days = Number(configured);
    return Number.isFinite(days) && days > 0 ? days * dayMs : null;
  }
  const days = knownLifetimeDays[issuer.replace(/\/+$/, "")];
  return days === undefined ? null : days * dayMs;
}

/** When a consent given at `consentedAt` (ms) ends, or null when the issuer's rule is unknown. */
export function consentExpiresAtFor(
  env: Pick<Env, "getVar">,
  issuer: string,
  consentedAt: number,
): string | null {
  const lifetime = consentLifetimeMs(env, issuer);
  return lifetime === null ? null : new Date(consentedAt + lifetime).toISOString();
}

/** Whole days left until `expiresAt` (rounded up; 0 or less once expired). */
export function consentDaysLeft(expiresAt: string, now: number): number {
  return Math.ceil((Date.parse(expiresAt) - now) / dayMs);
}

/** Throws {@link AuthExpiredError} (exit 77) once the stored consent has ended. */
export function assertConsentValid(tokens: OAuthTokens, now: number): void {
  const expiresAt = tokens.consentExpiresAt;
  if (!expiresAt || Date.parse(expiresAt) > now) return;
  throw new AuthExpiredError(
    `The consent given at sign-in expired at ${expiresAt}; the issuer asks for it again every year`,
    'Sign in again: run "twg login"',
  );
}

/**
 * The announcement due now, if any: the smallest threshold reached and not
 * yet announced for this consent. Reaching several at once (upkeep off for
 * days) makes one announcement that counts for all of them.
 */
export function dueConsentNotice(
  expiresAt: string | null | undefined,
  state: ConsentNoticeState | null,
  now: number,
): { daysLeft: number; state: ConsentNoticeState } | null {
  if (!expiresAt) return null;
  const daysLeft = consentDaysLeft(expiresAt, now);
  if (daysLeft <= 0) return null;
  const announced = state?.expiresAt === expiresAt ? state.announcedDays : [];
  const reached = consentNoticeDays.filter((days) => daysLeft <= days);
  if (reached.every((days) => announced.includes(days))) return null;
  return {
    daysLeft,
    state: {
      expiresAt,
      announcedDays: [...new Set([...announced, ...reached])].sort((a, b) => b - a),
    },
  };
}

/** The announcement's text. */
export function consentNoticeText(expiresAt: string, daysLeft: number): string {
  const when = daysLeft === 1 ? "tomorrow" : `in ${daysLeft} days`;
  return `Your twg sign-in ends ${when} (${expiresAt.slice(0, 10)}): the issuer asks for ` +
    `consent again every year. Run "twg login" to renew it.`;
}

/** `Consent: expires 2027-11-28 (in 12 days); "twg login" renews it`, for status and doctor. */
export function consentLine(expiresAt: string, now: number): string {
  const daysLeft = consentDaysLeft(expiresAt, now);
  if (daysLeft <= 0) return `Consent: expired ${formatTime(expiresAt, now)}; run "twg login"`;
  const renew = daysLeft <= consentNoticeDays[0] ? '; "twg login" renews it' : "";
  return `Consent: expires ${expiresAt.slice(0, 10)} (in ${daysLeft} day${
    daysLeft === 1 ? "" : "s"
  })${renew}`;
}
