/**
 * Where twg keeps its files.
 *
 * @module
 */
import { isAbsolutePath, joinPath } from "../lean_path.ts";
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
 *
 * @example
 * ```ts
 * import { configDir, createProcessEnv } from "@twg/cli";
 *
 * configDir(createProcessEnv()); // "/home/ada/.config/twg"
 * ```
 */
export function configDir(env: Env): string {
  const explicit = env.getVar("TWG_CONFIG_DIR");
  if (explicit) return isAbsolutePath(explicit, env.os) ? explicit : joinPath(env.cwd(), explicit);
  const xdg = env.getVar("XDG_CONFIG_HOME");
  // The XDG spec: a relative XDG_CONFIG_HOME is invalid and ignored.
  if (xdg && isAbsolutePath(xdg, env.os)) return joinPath(xdg, "twg");
  if (env.os === "windows") {
    const appData = env.getVar("APPDATA");
    if (appData) return joinPath(appData, "twg");
    return joinPath(env.homeDir, "AppData", "Roaming", "twg");
  }
  return joinPath(env.homeDir, ".config", "twg");
}

/**
 * Every path in the config directory.
 *
 * @example
 * ```ts
 * import { configPaths, createProcessEnv } from "@twg/cli";
 *
 * const paths = configPaths(createProcessEnv());
 * paths.authConf; // "/home/ada/.config/twg/auth.conf"
 * ```
 */
export function configPaths(env: Env): ConfigPaths {
  const dir = configDir(env);
  return {
    dir,
    authConf: joinPath(dir, "auth.conf"),
    configJson: joinPath(dir, "config.json"),
    upkeepJson: joinPath(dir, "upkeep.json"),
    lock: joinPath(dir, "auth.lock"),
  };
}
