/**
 * Proof, before any token request, that the credential store can be replaced
 * atomically. A refresh token spent without this proof can be lost for good.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { parentDir } from "../lean_path.ts";
import { ExitCode, TwgError } from "../errors.ts";
import { tempPathFor } from "../safe_files/atomic_write.ts";

/**
 * The config directory cannot be updated atomically (exit 4): nothing was
 * sent. `configDir` is the directory to allow writing in (see
 * `sandboxGuidance` for the setting of each coding agent).
 *
 * @example
 * ```ts
 * import { ExitCode, StoreNotWritableError } from "@twg/cli";
 *
 * const error = new StoreNotWritableError("/home/ada/.config/twg", "read-only file system");
 * error.exitCode === ExitCode.storeNotWritable; // true
 * error.configDir; // "/home/ada/.config/twg"
 * ```
 */
export class StoreNotWritableError extends TwgError {
  override name = "StoreNotWritableError";
  static override defaultCode = "store-not-writable";
  readonly configDir: string;
  /** Why, without the directory: what the message says after the colon. */
  readonly reason: string;
  /** The runtime flag that would allow the write (`--allow-write=…`), when that is the cause. */
  readonly permissionFlag: string | null;
  constructor(configDir: string, reason: string, permissionFlag: string | null = null) {
    super(`Cannot update the credentials in "${configDir}": ${reason}`, {
      exitCode: ExitCode.storeNotWritable,
    });
    this.configDir = configDir;
    this.reason = reason;
    this.permissionFlag = permissionFlag;
  }
}

/**
 * The error to throw when the runtime's permission flags do not allow
 * writing `dir` (checked without prompting), naming the flag that would:
 * Deno's `--allow-write`, Node's `--allow-fs-write`. `null` when allowed.
 */
export async function permissionRefusal(
  env: Env,
  dir: string,
): Promise<StoreNotWritableError | null> {
  if (await env.canWriteByPermission(dir)) return null;
  const flag = env.runtime.startsWith("node") ? `--allow-fs-write=${dir}` : `--allow-write=${dir}`;
  return new StoreNotWritableError(
    dir,
    "the runtime's permissions do not allow writing there",
    flag,
  );
}

/**
 * Throws {@link StoreNotWritableError} unless `authConf` can be replaced by
 * rename: the runtime's permission model must allow writing the directory
 * (checked without ever prompting), and a real probe on the same path the
 * save uses — create, write, flush, rename over an existing file, remove —
 * must succeed. `flush: false` leaves out the flush, for a report that
 * spends nothing on the answer (see {@link isStoreWritable}).
 */
export async function assertStoreWritable(
  env: Env,
  dir: string,
  authConf: string,
  { flush = true }: { flush?: boolean } = {},
): Promise<void> {
  const refusal = await permissionRefusal(env, dir);
  if (refusal) throw refusal;
  const source = tempPathFor(env, authConf);
  const target = tempPathFor(env, authConf);
  try {
    for (const path of [source, target]) {
      const handle = await env.fs.open(path, "wx", 0o600);
      try {
        await handle.writeFile("probe");
        if (flush) await handle.sync();
      } finally {
        await handle.close();
      }
    }
    // Replacing an existing file is what the save does to auth.conf.
    await env.fs.rename(source, target);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new StoreNotWritableError(dir, describeWriteFailure(code, error));
  } finally {
    await env.fs.rm(source, { force: true }).catch(() => {});
    await env.fs.rm(target, { force: true }).catch(() => {});
  }
}

/**
 * Whether the store can be written, for reports (`auth status`, `doctor`):
 * the real probe when the directory exists; before the first login, whether
 * the runtime allows writing it and its closest existing ancestor is a
 * directory (login creates it); a directory this process may not look at is
 * not writable. Never creates anything outside the directory.
 * `auth status` passes `flush: false`: a read-only file system or a
 * sandbox's refusal fails at the create or the rename, a full disk at the
 * write on most file systems, and the two flushes cost a third of a
 * millisecond each on this project's CI disk (ext4), more on many laptops;
 * the refresh's own preflight always flushes.
 */
export async function isStoreWritable(
  env: Env,
  dir: string,
  authConf: string,
  options: { flush?: boolean } = {},
): Promise<boolean> {
  try {
    const info = await env.fs.stat(dir);
    return info.isDirectory() &&
      await assertStoreWritable(env, dir, authConf, options).then(() => true, () => false);
  } catch (error) {
    // Only a directory that is not there yet is login's to create; one this
    // process may not even look at (a sandbox) is not writable.
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") return false;
  }
  if (!(await env.canWriteByPermission(dir))) return false;
  for (let ancestor = parentDir(dir);; ancestor = parentDir(ancestor)) {
    const info = await env.fs.stat(ancestor).catch(() => null);
    if (info) return info.isDirectory();
    if (parentDir(ancestor) === ancestor) return false;
  }
}

function describeWriteFailure(code: string | undefined, error: unknown): string {
  switch (code) {
    case "EROFS":
      return "the file system is read-only here (a sandbox?)";
    case "EACCES":
    case "EPERM":
    case "NotCapable":
      return "permission denied";
    case "ENOSPC":
      return "the disk is full";
    case "ENOENT":
      return "the directory does not exist";
    default:
      return (error as Error).message;
  }
}
