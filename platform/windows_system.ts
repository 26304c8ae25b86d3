/**
 * Windows system programs by absolute path. CreateProcess searches the
 * application's directory and the current directory before PATH for a bare
 * name (Microsoft, "CreateProcessW", lpApplicationName/lpCommandLine
 * remarks), so `schtasks` run from a project folder could start a
 * `schtasks.exe` planted there. Under `%SystemRoot%\System32` it is always
 * Windows' own.
 *
 * @module
 */
import type { Env } from "../src/env.ts";

/** The programs twg starts on Windows, relative to `%SystemRoot%\System32`. */
const SYSTEM_PROGRAMS = {
  schtasks: "schtasks.exe",
  icacls: "icacls.exe",
  wscript: "wscript.exe",
  cmd: "cmd.exe",
  rundll32: "rundll32.exe",
  powershell: "WindowsPowerShell\\v1.0\\powershell.exe",
  whoami: "whoami.exe",
} as const;

/** A program twg starts on Windows. */
export type SystemProgram = keyof typeof SYSTEM_PROGRAMS;

/**
 * The absolute path of a Windows system program: `%SystemRoot%` (default
 * `C:\Windows`), then `System32`.
 *
 * @example
 * ```ts ignore
 * systemProgram(env, "schtasks"); // "C:\\Windows\\System32\\schtasks.exe"
 * ```
 */
export function systemProgram(env: Pick<Env, "getVar">, name: SystemProgram): string {
  const systemRoot = env.getVar("SystemRoot") || "C:\\Windows";
  // No node:path: this module is on the path of a fresh "twg auth token" (src/main.ts).
  return `${systemRoot.replace(/[\\/]+$/, "")}\\System32\\${SYSTEM_PROGRAMS[name]}`;
}
