/**
 * Whose directory, whose file: twg trusts a directory it reads settings from
 * or writes into only when it belongs to this user (or to root) and no one
 * else can write to it. A directory another user can write to lets them plant
 * `config.json` (where the token goes, where updates come from) or a symlink
 * that turns twg's next write into a write to `~/.bashrc`.
 *
 * The rule is OpenSSH's StrictModes (openssh-portable `misc.c`,
 * `safe_path()`): owned by the user or by root, and not writable by group or
 * others. Windows has no mode bits: there, the ACL check applies
 * (`windows_acl.ts`).
 *
 * @module
 */
import type { Env, FileStats } from "../env.ts";
import { permissionDenialOf } from "../env_deno.ts";
import { messageOf, TwgError } from "../errors.ts";
import { displayPath } from "../ui/style.ts";

/** A directory or file twg would trust belongs to someone else, or others can write it (exit 1). */
export class UntrustedPathError extends TwgError {
  override name = "UntrustedPathError";
}

/**
 * Throws {@link UntrustedPathError} unless `path` (a directory, or a file
 * when `kind` says so) belongs to this user or root and is not writable by
 * group or others. A path that does not exist passes: nothing is trusted yet.
 * `allowGroupWrite` is for the person's own standard directories that twg
 * only adds a file to (`~/.config/systemd/user`, `~/Library/LaunchAgents`):
 * with a umask of 002 (user private groups, the Debian and Ubuntu default for
 * people) they are 0775, and the group is the person alone.
 *
 * @example
 * ```ts ignore
 * await assertOwnedByUser(env, "/tmp/shared/twg", "directory");
 * // UntrustedPathError: Refusing to use "/tmp/shared/twg": it is writable by other users (mode 777)
 * ```
 */
export async function assertOwnedByUser(
  env: Env,
  path: string,
  kind: "directory" | "file",
  options: { allowGroupWrite?: boolean } = {},
): Promise<void> {
  let info: FileStats;
  try {
    // stat, not lstat: a config dir that is a symlink (dotfiles) is judged by
    // what it points at, which is what twg reads and writes.
    info = await env.fs.stat(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    // A runtime permission twg lacks is named by main with its flag; any
    // other failure (EIO, ENOSPC on a network file system) is an expected
    // condition of the disk, not a bug in twg.
    if (permissionDenialOf(error)) throw error;
    throw new TwgError(
      `Cannot check who owns "${displayPath(path, env.homeDir)}": ${messageOf(error)}`,
      { code: "config-dir-unreadable", cause: error },
    );
  }
  const shown = displayPath(path, env.homeDir);
  if (env.os === "windows") {
    if (kind === "directory" && !isInsideAppData(env, path)) {
      await assertWindowsAcl(env, path, shown);
    }
    return;
  }
  const userId = env.userId ?? await homeOwner(env);
  if (userId !== null && info.uid !== null && info.uid !== userId && info.uid !== 0) {
    throw new UntrustedPathError(
      `Refusing to use "${shown}": this ${kind} belongs to another user (uid ${info.uid}; you are ${userId})`,
      {
        hint:
          `Point TWG_CONFIG_DIR at a directory of your own, or, if it is yours, run "sudo chown ${userId} ${path}"`,
      },
    );
  }
  if ((info.mode & (options.allowGroupWrite ? 0o002 : 0o022)) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(3, "0");
    throw new UntrustedPathError(
      `Refusing to use "${shown}": this ${kind} is writable by other users (mode ${mode})`,
      { hint: `Run "chmod go-w ${path}" if no one else should change it` },
    );
  }
}

// %APPDATA% lies in the profile, whose ACL admits only the user, SYSTEM and
// Administrators; checking it again would start icacls on every
// "twg auth token".
function isInsideAppData(env: Env, path: string): boolean {
  const appData = env.getVar("APPDATA");
  if (!appData) return false;
  const normalized = (text: string) => text.replaceAll("/", "\\").replace(/\\+$/, "").toLowerCase();
  return normalized(path).startsWith(normalized(appData) + "\\");
}

async function assertWindowsAcl(env: Env, path: string, shown: string): Promise<void> {
  // Windows only: elsewhere every `auth token` would load it for nothing.
  const { foreignWritersOf, protectedAclArgs, windowsUser } = await import(
    "../../platform/windows_acl.ts"
  );
  const writers = await foreignWritersOf(env, path);
  if (writers.length === 0) return;
  const user = windowsUser(env) ?? "%USERDOMAIN%\\%USERNAME%";
  const fix = ["icacls", ...protectedAclArgs(path, user).map((arg) => `"${arg}"`)].join(" ");
  throw new UntrustedPathError(
    `Refusing to use "${shown}": other users can change what is in it (${writers.join(", ")})`,
    { hint: `Run ${fix} if only you should have access` },
  );
}

// Without the process's user id (Deno without --allow-sys=uid), the owner of
// the home directory stands in for it: the person whose files these are.
async function homeOwner(env: Env): Promise<number | null> {
  if (!env.homeDir) return null;
  return await env.fs.stat(env.homeDir).then((info) => info.uid, () => null);
}
