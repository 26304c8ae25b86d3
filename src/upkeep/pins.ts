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
import type { Env } from "../env.ts";
import {
  assertPinnedOrigins,
  originOf,
  originPinVariables,
  PinMismatchError,
} from "../auth/origin_pin.ts";

export { assertPinnedOrigins, PinMismatchError };

/** The variables the scheduler file carries. */
export const pinVariables = {
  ...originPinVariables,
  launcherPath: "TWG_PINNED_LAUNCHER",
  launcherSha256: "TWG_PINNED_LAUNCHER_SHA256",
  /** The Windows task's script and its hash, which the task passes in (platform/task_scheduler.ts). */
  taskScript: "TWG_PINNED_TASK_SCRIPT",
  taskScriptSha256: "TWG_PINNED_TASK_SCRIPT_SHA256",
} as const;

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
 * Throws {@link PinMismatchError} unless the launcher the schedule names
 * (and, on Windows, the task's script) is still the file `upkeep enable`
 * wrote: a regular file (not a link), owned by this user, writable by no
 * one else, with the pinned SHA-256.
 */
export async function assertLauncherIntact(env: Env): Promise<void> {
  await assertPinnedFile(
    env,
    "launcher",
    env.getVar(pinVariables.launcherPath),
    env.getVar(pinVariables.launcherSha256),
  );
  const taskScript = env.getVar(pinVariables.taskScript);
  // A task script that claims its own path but no hash was not started by the pinned task.
  const taskHash = taskScript ? env.getVar(pinVariables.taskScriptSha256) ?? "missing" : undefined;
  await assertPinnedFile(env, "task script", taskScript, taskHash);
}

async function assertPinnedFile(
  env: Env,
  what: string,
  path: string | undefined,
  expected: string | undefined,
): Promise<void> {
  if (!path || !expected) return;
  const refuse = (why: string): never => {
    throw new PinMismatchError(`Refusing to run upkeep: the ${what} "${path}" ${why}`, {
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
