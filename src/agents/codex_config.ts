/**
 * Codex's config layers (`config.toml`): where they are, and the little twg
 * needs to know about them to pick the form of sandbox advice Codex will
 * honour. Read only: twg never writes to any of these files.
 *
 * Precedence, highest first (developers.openai.com/codex/config-basic,
 * checked 2026-12): CLI flags and `--config`; the `--profile`; project
 * `.codex/config.toml` files from the project root down to the working
 * directory (closest wins; trusted projects only); the user's
 * `$CODEX_HOME/config.toml`; the system `/etc/codex/config.toml` (Unix).
 *
 * @module
 */
import { posix, win32 } from "node:path";
import type { Env, OsName } from "../env.ts";
import { readBoundedText, settingsFileMaxBytes } from "../bounded_read.ts";
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
 * Which of Codex's layers a file is. A `profile` file
 * (`$CODEX_HOME/<name>.config.toml`) applies only under `--profile <name>`
 * (developers.openai.com/codex/config-basic; `[profiles.<name>]` tables are
 * no longer read from 0.134.0, per that docs' reference, not confirmed
 * first-hand).
 */
export type CodexLayerKind = "project" | "profile" | "user" | "system";

/** One config layer twg could read. */
export interface CodexLayer {
  kind: CodexLayerKind;
  path: string;
  /** The file's text. */
  text: string;
}

/** Codex's system config on Unix (config-basic); Windows has none documented. */
export const CODEX_SYSTEM_CONFIG = "/etc/codex/config.toml";

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
    return await readBoundedText(env, codexConfigPath(env), settingsFileMaxBytes);
  } catch {
    return null;
  }
}

/**
 * Every Codex config layer twg can read, highest precedence first: project
 * layers from the working directory up to the project root (the directory
 * with `.git`, or the file-system root), then the user config, the profile
 * files beside it (which apply only when selected), then the system config. Missing or unreadable files are left out. Whether Codex
 * trusts the project cannot be told from here: a project layer is listed as
 * if it were trusted.
 *
 * @example
 * ```ts ignore
 * const layers = await readCodexLayers(env); // [{ kind: "user", path: "…/config.toml", text }]
 * ```
 */
export async function readCodexLayers(
  env: Pick<Env, "getVar" | "homeDir" | "os" | "fs" | "cwd">,
  options: { systemConfig?: string } = {},
): Promise<CodexLayer[]> {
  const path = env.os === "windows" ? win32 : posix;
  const userPath = codexConfigPath(env);
  const layers: CodexLayer[] = [];
  const read = async (kind: CodexLayerKind, file: string) => {
    try {
      layers.push({
        kind,
        path: file,
        text: await readBoundedText(env, file, settingsFileMaxBytes),
      });
    } catch {
      // Missing or unreadable: Codex would not apply it either.
    }
  };
  for (let dir = path.resolve(env.cwd());;) {
    const file = path.join(dir, ".codex", "config.toml");
    if (file !== userPath) await read("project", file);
    const isProjectRoot = await env.fs.stat(path.join(dir, ".git")).then(() => true, () => false);
    const parent = path.dirname(dir);
    if (isProjectRoot || parent === dir) break;
    dir = parent;
  }
  await read("user", userPath);
  const codexHome = path.dirname(userPath);
  const profileFiles = await env.fs.readdir(codexHome).catch(() => [] as string[]);
  for (const name of profileFiles.filter((file) => file.endsWith(".config.toml")).sort()) {
    await read("profile", path.join(codexHome, name));
  }
  const systemConfig = options.systemConfig ?? (env.os === "windows" ? null : CODEX_SYSTEM_CONFIG);
  if (systemConfig) await read("system", systemConfig);
  return layers;
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

/**
 * The value of the top-level `default_permissions` key (before the first
 * `[table]`), or `null`: the permission profile Codex selects by default
 * (developers.openai.com/codex/permissions). A line-based read, like
 * {@link codexConfigSetsKey}: basic or literal string values only.
 *
 * @example
 * ```ts
 * codexDefaultPermissions('default_permissions = "workspace-dev"\n[permissions.workspace-dev]\n');
 * // "workspace-dev"
 * ```
 */
export function codexDefaultPermissions(configToml: string): string | null {
  for (const line of configToml.split(/\r?\n/)) {
    const text = line.trim();
    if (text.startsWith("[")) return null;
    const match = /^["']?default_permissions["']?\s*=\s*(?:"([^"\\]*)"|'([^']*)')/.exec(text);
    if (match) return (match[1] ?? match[2] ?? "").trim() || null;
  }
  return null;
}
