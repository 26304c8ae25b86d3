/**
 * Which wins when the settings and the stored sign-in disagree. The stored
 * sign-in keeps using the issuer and client id it was issued by: its refresh
 * token is only valid there, and sending it anywhere else would leak it. A
 * differing `TWG_ISSUER` or `TWG_CLIENT_ID` (or `config.json` entry) is
 * reported, never silently ignored, and `twg login` signs in with the new
 * settings.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import { explicitSetting } from "../config/settings.ts";
import type { OAuthTokens } from "../credentials/auth_conf.ts";
import type { Env } from "../env.ts";
import { warn } from "../ui/style.ts";

/** A setting that names another server or client than the stored sign-in's. */
export interface SettingMismatch {
  setting: "issuer" | "clientId";
  /** Where the setting came from: `TWG_ISSUER`, `"issuer" in config.json`, … */
  source: string;
  configured: string;
  stored: string;
}

/** The explicit settings that disagree with `tokens`; a default never does. */
export async function settingMismatches(
  env: Env,
  paths: ConfigPaths,
  tokens: OAuthTokens,
): Promise<SettingMismatch[]> {
  const mismatches: SettingMismatch[] = [];
  const stored = { issuer: tokens.issuer, clientId: tokens.clientId };
  for (const setting of ["issuer", "clientId"] as const) {
    // An unreadable config.json is reported by the commands that need it.
    const explicit = await explicitSetting(env, paths.configJson, setting).catch(() => null);
    if (explicit && !sameSetting(setting, explicit.value, stored[setting])) {
      mismatches.push({
        setting,
        source: explicit.source,
        configured: explicit.value,
        stored: stored[setting],
      });
    }
  }
  return mismatches;
}

function sameSetting(setting: "issuer" | "clientId", a: string, b: string): boolean {
  // RFC 8414 §2: the issuer has no trailing slash in metadata, people often add one.
  return setting === "issuer" ? a.replace(/\/+$/, "") === b.replace(/\/+$/, "") : a === b;
}

/** One line: what differs, which one is used, and how to switch. */
export function describeMismatch(mismatch: SettingMismatch): string {
  const what = mismatch.setting === "issuer" ? "issuer" : "client id";
  return `${mismatch.source} is ${mismatch.configured}, but the stored sign-in's ${what} is ${mismatch.stored}; ` +
    `it is used until "twg login" signs in with the new one`;
}

/** Prints each mismatch as a one-line warning on stderr. */
export async function warnSettingMismatches(
  env: Env,
  paths: ConfigPaths,
  tokens: OAuthTokens,
): Promise<void> {
  for (const mismatch of await settingMismatches(env, paths, tokens)) {
    warn(env, describeMismatch(mismatch));
  }
}
