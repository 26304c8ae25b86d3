/**
 * What `upkeep enable` pins in the scheduler's own file (the unit, the
 * plist, the task's script: files no agent is told to make writable), and
 * what `upkeep run` checks against it before sending anything:
 *
 * - the issuer's origin and the token endpoint's origin: a sandbox that
 *   rewrote `auth.conf` or `config.json` to name another server gets no
 *   refresh token delivered there by the unsandboxed job;
 * - the update manifest URL: the job reads it from the pinned environment,
 *   which wins over `config.json`;
 * - the checkout launcher's path and SHA-256, checked (with its owner and
 *   mode) by the job that the launcher started.
 *
 * @module
 */
import type { OAuthTokens } from "../credentials/auth_conf.ts";
import type { Env } from "../env.ts";
import { TwgError } from "../errors.ts";

/** The variables the scheduler file carries. */
export const pinVariables = {
  issuerOrigin: "TWG_PINNED_ISSUER_ORIGIN",
  tokenOrigin: "TWG_PINNED_TOKEN_ORIGIN",
  launcherPath: "TWG_PINNED_LAUNCHER",
  launcherSha256: "TWG_PINNED_LAUNCHER_SHA256",
} as const;

/** The job refuses: something it would trust is not what was pinned (exit 1; nothing sent). */
export class PinMismatchError extends TwgError {
  override name = "PinMismatchError";
  static override defaultCode = "pin-mismatch";
}

const reEnable =
  'If you changed it yourself, run "twg upkeep enable" again outside any sandbox to pin the new one';

function originOf(url: string | null | undefined): string | null {
  try {
    return url ? new URL(url).origin : null;
  } catch {
    return null;
  }
}

/** SHA-256 of `text`, lower-case hex. */
export async function sha256Hex(text: string): Promise<string> {
  const bytes = new TextEncoder().encode(text);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return [...digest].map((byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The pins for the job's environment, from the sign-in (or the settings) at enable time. */
export async function pinsAtEnable(
  options: {
    issuer: string | null;
    tokenEndpoint: string | null;
    launcher: { path: string; content: string } | null;
  },
): Promise<Record<string, string>> {
  const pins: Record<string, string> = {};
  const issuer = originOf(options.issuer);
  const token = originOf(options.tokenEndpoint);
  if (issuer) pins[pinVariables.issuerOrigin] = issuer;
  if (token) pins[pinVariables.tokenOrigin] = token;
  if (options.launcher) {
    pins[pinVariables.launcherPath] = options.launcher.path;
    pins[pinVariables.launcherSha256] = await sha256Hex(options.launcher.content);
  }
  return pins;
}

/**
 * Throws {@link PinMismatchError} when the stored sign-in names an issuer
 * or token endpoint on another origin than the pinned ones. Without pins (a
 * schedule enabled by an older twg, or a foreground run), nothing to check.
 * An unpinned token endpoint must share the pinned issuer's origin.
 */
export function assertPinnedOrigins(env: Env, tokens: OAuthTokens): void {
  const pinnedIssuer = env.getVar(pinVariables.issuerOrigin);
  const pinnedToken = env.getVar(pinVariables.tokenOrigin) ?? pinnedIssuer;
  const check = (what: string, url: string, pinned: string | undefined) => {
    if (!pinned) return;
    const origin = originOf(url);
    if (origin !== pinned) {
      throw new PinMismatchError(
        `Refusing to refresh: auth.conf names the ${what} ${
          origin ?? JSON.stringify(url)
        }, but upkeep was enabled for ${pinned}; nothing was sent`,
        { hint: reEnable },
      );
    }
  };
  check("issuer", tokens.issuer, pinnedIssuer);
  if (tokens.tokenEndpoint) check("token endpoint", tokens.tokenEndpoint, pinnedToken);
}

/**
 * Throws {@link PinMismatchError} unless the launcher the schedule names is
 * still the file `upkeep enable` wrote: a regular file (not a link), owned
 * by this user, writable by no one else, with the pinned SHA-256.
 */
export async function assertLauncherIntact(env: Env): Promise<void> {
  const path = env.getVar(pinVariables.launcherPath);
  const expected = env.getVar(pinVariables.launcherSha256);
  if (!path || !expected) return;
  const refuse = (why: string): never => {
    throw new PinMismatchError(`Refusing to run upkeep: the launcher "${path}" ${why}`, {
      hint: 'Run "twg upkeep enable" again outside any sandbox to write it afresh',
    });
  };
  let info;
  try {
    info = await env.fs.lstat(path);
  } catch {
    return refuse("is missing");
  }
  if (info.isSymbolicLink() || !info.isFile()) refuse("is not a regular file");
  if (env.userId !== null && info.uid !== null && info.uid !== env.userId) {
    refuse(`belongs to user ${info.uid}`);
  }
  if (env.os !== "windows" && (info.mode & 0o022) !== 0) refuse("is writable by others");
  const actual = await sha256Hex(await env.fs.readFile(path, "utf8"));
  if (actual !== expected) refuse("was changed since upkeep enable");
}
