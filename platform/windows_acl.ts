/**
 * The config directory's ACL on Windows, where mode bits mean nothing: twg
 * creates it protected (no inherited entries; full control for this user and
 * SYSTEM only) and refuses one that grants anyone else write access.
 *
 * Both go through `icacls` (Microsoft, "icacls",
 * https://learn.microsoft.com/windows-server/administration/windows-commands/icacls):
 * `/inheritance:r` removes every inherited entry, `/grant:r Sid:perm`
 * replaces the explicit grants, `(OI)(CI)` makes them apply to the files and
 * folders inside, `F` is full access, and a SID given numerically starts
 * with `*` (`*S-1-5-18` is LocalSystem, a well-known SID). Run without
 * options, icacls lists each entry as `principal:(flags)(rights)`.
 *
 * Kept free of `node:` imports (and of schedule_spec.ts): the ownership
 * check that uses it runs on every fresh `twg auth token`.
 *
 * @module
 */
import type { Env, RunResult } from "../src/env.ts";
import { systemProgram } from "./windows_system.ts";

/** The principal icacls names this user by: `DOMAIN\name` (USERDOMAIN, USERNAME). */
export function windowsUser(env: Pick<Env, "getVar">): string | null {
  const name = env.getVar("USERNAME");
  if (!name) return null;
  const domain = env.getVar("USERDOMAIN");
  return domain ? `${domain}\\${name}` : name;
}

/**
 * The icacls arguments that give `dir` a protected ACL: `user` and SYSTEM,
 * full control, inherited by everything inside; nothing else.
 *
 * @example
 * ```ts
 * protectedAclArgs("C:\\twg", "PC\\ada");
 * // ["C:\\twg", "/inheritance:r", "/grant:r", "PC\\ada:(OI)(CI)F", "*S-1-5-18:(OI)(CI)F"]
 * ```
 */
export function protectedAclArgs(dir: string, user: string): string[] {
  return [dir, "/inheritance:r", "/grant:r", `${user}:(OI)(CI)F`, "*S-1-5-18:(OI)(CI)F"];
}

/** Gives `dir` the protected ACL; throws with icacls' own words when it fails. */
export async function protectWindowsDir(env: Env, dir: string): Promise<void> {
  const user = windowsUser(env);
  if (!user) throw new Error(`Cannot protect "${dir}": USERNAME is not set`);
  const result = await env.run(systemProgram(env, "icacls"), protectedAclArgs(dir, user));
  if (result.code !== 0) {
    throw new Error(`Cannot protect "${dir}" with icacls: ${failure(result)}`);
  }
}

// Rights that let a principal change what is in the directory: the simple
// ones (F full, M modify, W write, D delete) and the specific ones (write
// data / add file, append / add subdirectory, write attributes, delete child,
// delete, change permissions, take ownership, generic all / write).
const WRITE_RIGHTS = new Set([
  "F",
  "M",
  "W",
  "D",
  "WD",
  "AD",
  "WA",
  "WEA",
  "DC",
  "DE",
  "WDAC",
  "WO",
  "GA",
  "GW",
  "MA",
]);

/**
 * The principals other than `user`, SYSTEM, Administrators and the creator
 * owner that the icacls listing of `dir` shows with a write right.
 *
 * @example
 * ```ts
 * foreignWriters("D:\\twg PC\\ada:(OI)(CI)(F)\n       BUILTIN\\Users:(OI)(CI)(M)\n", "D:\\twg", "PC\\ada");
 * // ["BUILTIN\\Users"]
 * ```
 */
export function foreignWriters(listing: string, dir: string, user: string): string[] {
  const writers: string[] = [];
  for (const [index, raw] of listing.split(/\r?\n/).entries()) {
    let line = raw.trim();
    if (index === 0 && line.toLowerCase().startsWith(dir.toLowerCase())) {
      line = line.slice(dir.length).trim();
    }
    const match = /^(.+?):((?:\([A-Z,]+\))+)$/.exec(line);
    if (!match) continue;
    const principal = match[1]!;
    const rights = match[2]!.slice(1, -1).split(")(").flatMap((group) => group.split(","));
    if (!rights.some((right) => WRITE_RIGHTS.has(right))) continue;
    if (isTrustedPrincipal(principal, user)) continue;
    writers.push(principal);
  }
  return writers;
}

function isTrustedPrincipal(principal: string, user: string): boolean {
  const name = principal.toLowerCase();
  const account = name.slice(name.lastIndexOf("\\") + 1);
  return name === user.toLowerCase() ||
    account === user.slice(user.lastIndexOf("\\") + 1).toLowerCase() && !name.includes("\\") ||
    account === "system" || name === "builtin\\administrators" || name === "creator owner" ||
    name === "*s-1-5-18" || name === "*s-1-5-32-544";
}

/**
 * Who besides this user, SYSTEM and Administrators can write to `dir`,
 * from its icacls listing (empty when no one, or USERNAME is unknown).
 */
export async function foreignWritersOf(env: Env, dir: string): Promise<string[]> {
  const user = windowsUser(env);
  if (!user) return [];
  const result = await env.run(systemProgram(env, "icacls"), [dir]);
  if (result.code !== 0) {
    throw new Error(`Cannot read the permissions of "${dir}": ${failure(result)}`);
  }
  return foreignWriters(result.stdout, dir, user);
}

function failure(result: RunResult): string {
  const said = result.stderr.trim() || result.stdout.trim();
  return said === "" ? `exit code ${result.code}` : `exit code ${result.code}: ${said}`;
}
