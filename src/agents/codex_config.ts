/**
 * Codex's user config (`config.toml`): where it is, and the little twg needs
 * to know about it to pick the form of sandbox advice Codex will honour.
 *
 * @module
 */
import { posix, win32 } from "node:path";
import type { Env, OsName } from "../env.ts";
import type { GetVar } from "./detect.ts";

/** Where to look for Codex's config: the parts of an {@link Env} it depends on. */
export interface CodexConfigLocation {
  getVar: GetVar;
  homeDir: string;
  os: OsName;
}

/** Top-level or profile keys of `config.toml` that change twg's advice. */
export type CodexConfigKey = "sandbox_mode" | "default_permissions";

/**
 * Absolute path of Codex's user config: `$CODEX_HOME/config.toml`, else
 * `~/.codex/config.toml`.
 *
 * @example
 * ```ts
 * codexConfigPath({ getVar: () => undefined, homeDir: "/home/ada", os: "linux" });
 * // "/home/ada/.codex/config.toml"
 * ```
 */
export function codexConfigPath(location: CodexConfigLocation): string {
  const path = location.os === "windows" ? win32 : posix;
  const codexHome = location.getVar("CODEX_HOME") || path.join(location.homeDir, ".codex");
  return path.join(codexHome, "config.toml");
}

/**
 * The text of Codex's user config, or `null` when it is missing or cannot be
 * read (the advice then assumes Codex's defaults).
 *
 * @example
 * ```ts ignore
 * const configToml = await readCodexConfigToml(env);
 * ```
 */
export async function readCodexConfigToml(
  env: Pick<Env, "getVar" | "homeDir" | "os" | "fs">,
): Promise<string | null> {
  try {
    return await env.fs.readFile(codexConfigPath(env), "utf8");
  } catch {
    return null;
  }
}

/**
 * Whether `config.toml` sets `key` anywhere: at the top level, in a table such
 * as `[profiles.fast]`, as a dotted key or inside an inline table.
 *
 * Deliberately not a TOML parser: a line-based look for `key =` outside
 * comments. A false positive (the text inside a multi-line string) only picks
 * the legacy form of the advice, which works too.
 *
 * @example
 * ```ts
 * codexConfigSetsKey('[profiles.ci]\nsandbox_mode = "read-only"\n', "sandbox_mode"); // true
 * ```
 */
export function codexConfigSetsKey(configToml: string, key: CodexConfigKey): boolean {
  const assignment = new RegExp(`(?:^|[\\s{,.])["']?${key}["']?\\s*=`);
  return configToml
    .split(/\r?\n/)
    .some((line) => !line.trimStart().startsWith("#") && assignment.test(line));
}
