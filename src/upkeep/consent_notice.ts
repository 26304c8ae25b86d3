/**
 * Upkeep's announcement of the consent's absolute expiry, 14 and 3 days
 * ahead, each once: a native notification as for update notices, and a line
 * in the upkeep log either way, with `twg login` as the fix.
 *
 * @module
 */
import { consentNoticeText, dueConsentNotice } from "../auth/consent_expiry.ts";
import type { UpkeepState } from "../config/upkeep_state.ts";
import type { OAuthTokens } from "../credentials/auth_conf.ts";
import type { Env } from "../env.ts";

const title = "twg sign-in ends soon";

/** Announces the consent's expiry when a threshold is reached; returns the state to save. */
export async function consentNoticeRound(
  env: Env,
  state: UpkeepState,
  tokens: OAuthTokens | null | undefined,
): Promise<UpkeepState> {
  const due = dueConsentNotice(tokens?.consentExpiresAt, state.consentNotice, env.now());
  if (!due) return state;
  const body = consentNoticeText(due.state.expiresAt, due.daysLeft);
  // Loaded only with a notice to show: an idle run (120 a day) has none.
  const { showNotification } = await import("../../platform/notify.ts");
  await showNotification(env, { title, body }).catch(() => false);
  // The upkeep log (the scheduler keeps stderr) says it whether or not it was shown.
  env.stderr.write(`${body}\n`);
  return { ...state, consentNotice: due.state };
}
