/**
 * Claude Code's settings files, read (never written) to pick the form of the
 * sandbox advice: which file turns the sandbox on, and whether the user
 * settings already have an `allowWrite` list.
 *
 * Files and scopes: code.claude.com/docs/en/settings and /sandboxing
 * (checked 2026-12): user `~/.claude/settings.json` (or
 * `$CLAUDE_CONFIG_DIR/settings.json`), project `.claude/settings.json` and
 * `.claude/settings.local.json` (where `/sandbox` writes its choice), and
 * managed settings (`/etc/claude-code/managed-settings.json` on Linux and
 * WSL, `/Library/Application Support/ClaudeCode/managed-settings.json` on
 * macOS: code.claude.com/docs/de/settings; `C:\Program Files\ClaudeCode\
 * managed-settings.json` on Windows: CHANGELOG, which removed the
 * `C:\ProgramData` fallback). Settings delivered by the server, plist or
 * registry cannot be read from here.
 *
 * @module
 */
import { posix, win32 } from "node:path";
import type { Env } from "../env.ts";
import { readBoundedText, settingsFileMaxBytes } from "../bounded_read.ts";

/** One settings file twg could read and parse. */
export interface ClaudeSettingsFile {
  scope: "user" | "project" | "local" | "managed";
  path: string;
  settings: Record<string, unknown>;
}

/** What the settings files say about the sandbox. */
export interface ClaudeSandboxSettings {
  /** The user settings file, where the advice goes. */
  userSettingsPath: string;
  /** The files that set `sandbox.enabled` to true. */
  enabledIn: string[];
  /** Whether the user settings already have a `sandbox.filesystem.allowWrite` list. */
  userHasAllowWrite: boolean;
  /** The files that already list `configDir` in `allowWrite` (with any spelling twg prints). */
  alreadyAllowedIn: string[];
}

function managedSettingsPath(os: Env["os"]): string {
  switch (os) {
    case "darwin":
      return "/Library/Application Support/ClaudeCode/managed-settings.json";
    case "windows":
      return "C:\\Program Files\\ClaudeCode\\managed-settings.json";
    default:
      return "/etc/claude-code/managed-settings.json";
  }
}

/** The user settings file: `$CLAUDE_CONFIG_DIR/settings.json`, else `~/.claude/settings.json`. */
export function claudeUserSettingsPath(env: Pick<Env, "getVar" | "homeDir" | "os">): string {
  const path = env.os === "windows" ? win32 : posix;
  return path.join(
    env.getVar("CLAUDE_CONFIG_DIR") || path.join(env.homeDir, ".claude"),
    "settings.json",
  );
}

/**
 * Reads Claude Code's settings files that exist and parse as JSON objects.
 *
 * @example
 * ```ts ignore
 * const found = await readClaudeSandboxSettings(env, "/home/ada/.config/twg");
 * found.enabledIn; // ["/work/app/.claude/settings.local.json"]
 * ```
 */
export async function readClaudeSandboxSettings(
  env: Pick<Env, "getVar" | "homeDir" | "os" | "fs" | "cwd">,
  configDir: string,
  spellings: string[],
): Promise<ClaudeSandboxSettings> {
  const path = env.os === "windows" ? win32 : posix;
  const userSettingsPath = claudeUserSettingsPath(env);
  // CLAUDE_PROJECT_DIR when set (Claude Code sets it for hooks; for Bash
  // commands not confirmed), else the cwd, which Bash commands start in.
  const projectDir = env.getVar("CLAUDE_PROJECT_DIR") || env.cwd();
  const candidates: Array<[ClaudeSettingsFile["scope"], string]> = [
    ["user", userSettingsPath],
    ["project", path.join(projectDir, ".claude", "settings.json")],
    ["local", path.join(projectDir, ".claude", "settings.local.json")],
    ["managed", managedSettingsPath(env.os)],
  ];
  const files: ClaudeSettingsFile[] = [];
  for (const [scope, file] of candidates) {
    if (scope !== "user" && file === userSettingsPath) continue;
    try {
      const settings = JSON.parse(await readBoundedText(env, file, settingsFileMaxBytes));
      if (settings && typeof settings === "object" && !Array.isArray(settings)) {
        files.push({ scope, path: file, settings });
      }
    } catch {
      // Missing, unreadable or not JSON: Claude Code would not apply it either.
    }
  }
  const sandboxOf = (file: ClaudeSettingsFile) => objectAt(file.settings, "sandbox");
  const allowWriteOf = (file: ClaudeSettingsFile) => {
    const list = objectAt(sandboxOf(file), "filesystem")?.["allowWrite"];
    return Array.isArray(list) ? list : null;
  };
  const wanted = new Set([configDir, ...spellings]);
  return {
    userSettingsPath,
    enabledIn: files.filter((file) => sandboxOf(file)?.["enabled"] === true).map((f) => f.path),
    userHasAllowWrite: files.some((file) => file.scope === "user" && allowWriteOf(file) !== null),
    alreadyAllowedIn: files
      .filter((file) => allowWriteOf(file)?.some((entry) => wanted.has(String(entry))))
      .map((file) => file.path),
  };
}

function objectAt(value: unknown, key: string): Record<string, unknown> | null {
  if (!value || typeof value !== "object") return null;
  const child = (value as Record<string, unknown>)[key];
  return child && typeof child === "object" && !Array.isArray(child)
    ? child as Record<string, unknown>
    : null;
}
