/**
 * The config directory itself: created 0700 (a protected ACL on Windows),
 * and refused when another user could write it.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { assertOwnedByUser } from "./ownership.ts";

/** Mode of the config directory. */
export const configDirMode = 0o700;

/** Creates the config directory with mode 0700 (or narrower, by the umask); an existing one is left as it is. */
export async function ensureConfigDir(env: Env, dir: string): Promise<void> {
  const created = await env.fs.mkdir(dir, { recursive: true, mode: configDirMode });
  // The mode is set at creation (the umask can only narrow 0700), never by
  // a chmod by path, which would follow a symlink swapped in meanwhile.
  // Windows ignores the mode: the equivalent is a protected ACL (this user and SYSTEM).
  if (created !== undefined && env.os === "windows") {
    const { protectWindowsDir } = await import("../../platform/windows_acl.ts");
    await protectWindowsDir(env, dir);
  }
  await assertOwnedByUser(env, dir, "directory");
}
