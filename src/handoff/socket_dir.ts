/**
 * Where the token keeper listens, judged before anything is bound or sent:
 * the socket's directory must be a real directory (never a symbolic link),
 * owned by this user, and closed to everyone else (no group or other bits
 * at all, stricter than OpenSSH's StrictModes, because reaching the socket
 * is reaching the token; and some systems do not check a socket's own mode
 * on connect, so the directory is the lock that holds everywhere, as Tor's
 * check_location_for_unix_socket() says of its control socket); the socket
 * path must be absent, or a socket left
 * by a keeper that no longer answers (removed), never a link or a file.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { TwgError } from "../errors.ts";
import { parentDir } from "../lean_path.ts";

/** The socket or its directory cannot be trusted, or another keeper runs (exit 1). */
export class BrokerSocketError extends TwgError {
  override name = "BrokerSocketError";
  static override defaultCode = "broker-socket-refused";
}

/** The mode of the socket's directory: the user alone may enter it. */
export const socketDirMode = 0o700;

/** The socket's own mode (Linux checks write permission on the socket to connect). */
export const socketMode = 0o600;

function code(error: unknown): string | undefined {
  return (error as { code?: string }).code;
}

/**
 * Creates the socket's directory when it is missing (mode 0700) and throws
 * {@link BrokerSocketError} unless it is this user's own, closed directory.
 */
export async function prepareSocketDir(env: Env, dir: string): Promise<void> {
  try {
    // Not recursive: the parent ($XDG_RUNTIME_DIR, /tmp) must exist; a
    // missing one is a misconfiguration to report, not to paper over.
    // The mode at creation only (the umask can narrow 0700, never widen it):
    // no chmod by path, which would follow a link swapped in meanwhile.
    await env.fs.mkdir(dir, { mode: socketDirMode });
  } catch (error) {
    if (code(error) !== "EEXIST") {
      throw new BrokerSocketError(`Cannot create "${dir}": ${(error as Error).message}`);
    }
  }
  await assertPrivateDir(env, dir);
}

/** Throws unless `dir` is a directory (not a link) owned by this user with no group or other bits. */
export async function assertPrivateDir(env: Env, dir: string): Promise<void> {
  const info = await env.fs.lstat(dir);
  if (info.isSymbolicLink()) {
    throw new BrokerSocketError(`Refusing the socket directory "${dir}": it is a symbolic link`, {
      hint: `Remove it, or choose another socket with --socket or TWG_BROKER_SOCKET`,
    });
  }
  if (!info.isDirectory()) {
    throw new BrokerSocketError(`Refusing the socket directory "${dir}": it is not a directory`);
  }
  if (env.userId !== null && info.uid !== null && info.uid !== env.userId) {
    throw new BrokerSocketError(
      `Refusing the socket directory "${dir}": it belongs to user ${info.uid}, not to you`,
      { hint: "Another user may have planted it; choose another socket with --socket" },
    );
  }
  if (env.os !== "windows" && (info.mode & 0o077) !== 0) {
    const mode = (info.mode & 0o777).toString(8).padStart(3, "0");
    throw new BrokerSocketError(
      `Refusing the socket directory "${dir}": others may enter or write it (mode ${mode})`,
      { hint: `Run "chmod 700 ${dir}" if it is yours` },
    );
  }
}

/**
 * Clears the way for a new socket at `path`: nothing there is fine; a socket
 * whose keeper no longer answers is removed; a live keeper, a symbolic link
 * or any other file is refused.
 */
export async function clearSocketPath(
  env: Env,
  path: string,
  isAnswering: () => Promise<boolean>,
): Promise<void> {
  let info;
  try {
    info = await env.fs.lstat(path);
  } catch (error) {
    if (code(error) === "ENOENT") return;
    throw error;
  }
  if (info.isSymbolicLink() || !info.isSocket()) {
    throw new BrokerSocketError(
      `Refusing to listen at "${path}": ${
        info.isSymbolicLink() ? "it is a symbolic link" : "something else is there"
      }`,
      { hint: "Remove it if you put it there, or choose another socket with --socket" },
    );
  }
  if (await isAnswering()) {
    throw new BrokerSocketError(`A token keeper already answers at "${path}"`, {
      hint: 'Stop it first, or check it with "twg auth token --json"',
      code: "broker-running",
    });
  }
  await env.fs.rm(path, { force: true });
}

/**
 * Throws unless `path` is a socket (not a link) owned by this user: a client
 * sends nothing to a socket planted by someone else. Returns false when
 * nothing is there.
 */
export async function isUsableSocket(env: Env, path: string): Promise<boolean> {
  let info;
  try {
    info = await env.fs.lstat(path);
  } catch (error) {
    if (code(error) === "ENOENT" || code(error) === "ENOTDIR") return false;
    throw error;
  }
  if (info.isSymbolicLink() || !info.isSocket()) {
    throw new BrokerSocketError(`"${path}" is not a socket`);
  }
  if (env.userId !== null && info.uid !== null && info.uid !== env.userId) {
    throw new BrokerSocketError(`"${path}" belongs to user ${info.uid}, not to you`);
  }
  return true;
}

/** The directory of `path`. */
export function socketDirOf(path: string): string {
  return parentDir(path);
}
