/**
 * Windows: the design of the token keeper over a named pipe, where there are
 * no Unix sockets with modes to lean on. Not served yet (`twg auth serve`
 * refuses on Windows); what is here is the part that can be fixed and tested
 * without Windows: the pipe's name, its security descriptor, and how twg
 * learns the user's SID.
 *
 * - **Name per user**: `\\.\pipe\twg-keeper-<user SID>`. A SID, unlike a
 *   user name, never holds a backslash (the one character a pipe name may
 *   not), and one user's keeper never answers for another.
 * - **Owner-only**: the pipe is created with the SDDL `D:P(A;;GA;;;<SID>)`:
 *   a protected DACL (no inherited entries) whose one entry allows this user
 *   generic-all. Without it, the default descriptor gives Everyone and the
 *   anonymous account read access (Microsoft, "Named Pipe Security and Access
 *   Rights", learn.microsoft.com/windows/win32/ipc/named-pipe-security-and-access-rights).
 *   SDDL: "Security Descriptor String Format" and "ACE Strings" (`D:` DACL,
 *   `P` protected, `A` allow, `GA` generic all).
 * - **No squatting, no network**: the first instance is created with
 *   `FILE_FLAG_FIRST_PIPE_INSTANCE`, so a pipe of that name created earlier
 *   by someone else makes creation fail rather than hand twg a pipe it does
 *   not own; and with `PIPE_REJECT_REMOTE_CLIENTS`, so no SMB client reaches
 *   it (Microsoft, "CreateNamedPipeW", dwOpenMode and dwPipeMode).
 *
 * Why not yet served: Node's `net.Server.listen("\\\\.\\pipe\\…")` (libuv)
 * and Deno create the pipe with the default descriptor and offer no way to
 * pass one, so the pipe would be readable by Everyone until a native helper
 * (or a PowerShell `NamedPipeServerStream` with a `PipeSecurity`) creates it.
 *
 * @module
 */
import type { Env } from "../src/env.ts";
import { systemProgram } from "./windows_system.ts";

/** The pipe name's prefix; the user's SID follows. */
export const KEEPER_PIPE_PREFIX = "\\\\.\\pipe\\twg-keeper-";

/** `FILE_FLAG_FIRST_PIPE_INSTANCE` (dwOpenMode), winbase.h. */
export const FILE_FLAG_FIRST_PIPE_INSTANCE = 0x00080000;
/** `PIPE_REJECT_REMOTE_CLIENTS` (dwPipeMode), winbase.h. */
export const PIPE_REJECT_REMOTE_CLIENTS = 0x00000008;
/** `PIPE_ACCESS_DUPLEX` (dwOpenMode). */
export const PIPE_ACCESS_DUPLEX = 0x00000003;

/**
 * Whether `sid` is a SID in string form (`S-1-<authority>-<sub>…`, at most
 * 15 sub-authorities): the only thing ever put into the pipe name and the SDDL.
 */
export function isSid(sid: string): boolean {
  return /^S-1-\d{1,13}(-\d{1,10}){1,15}$/.test(sid);
}

function sidOrThrow(sid: string): string {
  if (!isSid(sid)) throw new Error(`Not a SID: ${JSON.stringify(sid)}`);
  return sid;
}

/**
 * The keeper's pipe for the user `sid`.
 *
 * @example
 * ```ts
 * keeperPipeName("S-1-5-21-1-2-3-1001"); // "\\\\.\\pipe\\twg-keeper-S-1-5-21-1-2-3-1001"
 * ```
 */
export function keeperPipeName(sid: string): string {
  return `${KEEPER_PIPE_PREFIX}${sidOrThrow(sid)}`;
}

/**
 * The security descriptor the pipe is created with: protected, this user alone.
 *
 * @example
 * ```ts
 * ownerOnlyPipeSddl("S-1-5-21-1-2-3-1001"); // "D:P(A;;GA;;;S-1-5-21-1-2-3-1001)"
 * ```
 */
export function ownerOnlyPipeSddl(sid: string): string {
  return `D:P(A;;GA;;;${sidOrThrow(sid)})`;
}

/** What the keeper would pass to CreateNamedPipeW, as data. */
export interface KeeperPipePlan {
  name: string;
  sddl: string;
  openMode: number;
  pipeMode: number;
  /** Requests are one line of at most 1 KiB (the Unix protocol's bound). */
  inBufferSize: number;
}

/** The whole pipe design for the user `sid`. */
export function keeperPipePlan(sid: string): KeeperPipePlan {
  return {
    name: keeperPipeName(sid),
    sddl: ownerOnlyPipeSddl(sid),
    openMode: PIPE_ACCESS_DUPLEX | FILE_FLAG_FIRST_PIPE_INSTANCE,
    pipeMode: PIPE_REJECT_REMOTE_CLIENTS,
    inBufferSize: 1024,
  };
}

/**
 * The argv that prints the current user's SID: `whoami /user /fo csv /nh`
 * (Microsoft, "whoami": `/user` the user and SID, `/fo csv` comma-separated,
 * `/nh` no header), from System32 (see `windows_system.ts`).
 */
export function whoamiSidArgv(env: Pick<Env, "getVar">): [string, string[]] {
  return [systemProgram(env, "whoami"), ["/user", "/fo", "csv", "/nh"]];
}

/**
 * The SID in `whoami /user /fo csv /nh` output (`"pc\ada","S-1-5-21-…"`),
 * or null when the output holds none.
 *
 * @example
 * ```ts
 * parseWhoamiSid('"pc\\ada","S-1-5-21-1-2-3-1001"\r\n'); // "S-1-5-21-1-2-3-1001"
 * ```
 */
export function parseWhoamiSid(stdout: string): string | null {
  const line = stdout.split(/\r?\n/).find((text) => text.trim() !== "") ?? "";
  const last = /,"([^"]*)"\s*$/.exec(line)?.[1] ?? "";
  return isSid(last) ? last : null;
}

/** The current user's SID, by `whoami`; null when it cannot be learned. */
export async function currentUserSid(env: Env): Promise<string | null> {
  const [command, args] = whoamiSidArgv(env);
  const result = await env.run(command, args);
  return result.code === 0 ? parseWhoamiSid(result.stdout) : null;
}
