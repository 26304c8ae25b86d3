/**
 * Where twg keeps its files.
 *
 * @module
 */
import { join, posix, win32 } from "node:path";
import type { Env } from "../env.ts";

/** The paths twg reads and writes inside the config directory. */
export interface ConfigPaths {
  dir: string;
  authConf: string;
  configJson: string;
  upkeepJson: string;
  lock: string;
}

/**
 * The active config directory: `TWG_CONFIG_DIR`, else `$XDG_CONFIG_HOME/twg`,
 * else `~/.config/twg` (macOS, Linux) or `%APPDATA%\twg` (Windows).
 */
export function configDir(env: Env): string {
  const path = env.os === "windows" ? win32 : posix;
  const explicit = env.getVar("TWG_CONFIG_DIR");
  if (explicit) return path.resolve(explicit);
  const xdg = env.getVar("XDG_CONFIG_HOME");
  if (xdg && path.isAbsolute(xdg)) return path.join(xdg, "twg");
  if (env.os === "windows") {
    const appData = env.getVar("APPDATA");
    if (appData) return path.join(appData, "twg");
    return path.join(env.homeDir, "AppData", "Roaming", "twg");
  }
  return path.join(env.homeDir, ".config", "twg");
}

/** Every path in the config directory. */
export function configPaths(env: Env): ConfigPaths {
  const dir = configDir(env);
  return {
    dir,
    authConf: join(dir, "auth.conf"),
    configJson: join(dir, "config.json"),
    upkeepJson: join(dir, "upkeep.json"),
    lock: join(dir, "auth.lock"),
  };
}
