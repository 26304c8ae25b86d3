/**
 * Where twg keeps its files.
 *
 * @module
 */
import { isAbsolutePath, joinPath } from "../lean_path.ts";
import type { Env } from "../env.ts";
import { UsageError } from "../errors.ts";

/** The paths twg reads and writes inside the config directory. */
export interface ConfigPaths {
  /**
   * The active profile's store directory (holds its `auth.conf` and lock):
   * the config directory itself for the default profile, so an existing
   * sign-in keeps its paths; `<config dir>/profiles/<name>` for the others.
   */
  dir: string;
  /** The profile these paths belong to (`default` unless one was chosen). */
  profile: string;
  /** The config directory itself: `config.json`, `upkeep.json`, `profiles.json`. */
  root: string;
  authConf: string;
  configJson: string;
  upkeepJson: string;
  lock: string;
  /**
   * The access-token file host-side twg keeps for sandboxes that may read
   * but not write (never the refresh token; `src/handoff/access_token_file.ts`).
   */
  accessTokenFile: string;
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

/** The profile that keeps today's paths (`auth.conf` in the config directory). */
export const defaultProfile = "default";

/** The variable that chooses a profile per process (as `--profile`). */
export const profileVariable = "TWG_PROFILE";

const profileNamePattern = /^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$/;

/**
 * Checks a profile name: letters, digits, `.`, `_`, `-`, starting with a
 * letter or digit, at most 40 characters. The name becomes a directory and a
 * file name, so a separator or `..` could point outside the config directory.
 */
export function assertProfileName(name: string): string {
  if (!profileNamePattern.test(name) || name.includes("..")) {
    throw new UsageError(
      `Invalid profile name ${JSON.stringify(name.slice(0, 60))}`,
      "Use up to 40 letters, digits, '.', '_' or '-', starting with a letter or digit (e.g. work)",
    );
  }
  return name;
}

/**
 * The active profile's name: `TWG_PROFILE` (which `runCli` sets from
 * `--profile`, the directory mapping or the switched default), else `default`.
 */
export function activeProfile(env: Env): string {
  const named = env.getVar(profileVariable);
  return named ? assertProfileName(named) : defaultProfile;
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
export function configPaths(env: Env, profile: string = activeProfile(env)): ConfigPaths {
  const root = configDir(env);
  assertProfileName(profile);
  const dir = profile === defaultProfile ? root : joinPath(root, "profiles", profile);
  return {
    dir,
    profile,
    root,
    authConf: joinPath(dir, "auth.conf"),
    configJson: joinPath(root, "config.json"),
    upkeepJson: joinPath(root, "upkeep.json"),
    lock: joinPath(dir, "auth.lock"),
    accessTokenFile: joinPath(accessTokenDir(env), `${profile}.json`),
  };
}

/**
 * The directory of the access-token files, one per profile, outside the
 * config directory: a sandbox is kept from the refresh token only by hiding
 * the whole config directory (a bind mount over one file is undone by the
 * next atomic rename), and a container mounts a directory, not a file.
 */
export function accessTokenDir(env: Pick<Env, "getVar" | "os" | "homeDir">): string {
  return joinPath(dataDir(env), "access-tokens");
}

/** The variable that names the token keeper's socket (as `auth serve --socket`). */
export const brokerSocketVariable = "TWG_BROKER_SOCKET";

/**
 * The directory of the token keeper's default socket: `$XDG_RUNTIME_DIR/twg`
 * (the XDG Base Directory spec's place for per-user sockets: owned by the
 * user, mode 0700, removed at logout), else, where no runtime directory
 * exists (containers, SSH boxes, macOS), `twg-<uid>` under `$TMPDIR` or
 * `/tmp`, the way tmux keeps its sockets (tmux.c: `$TMPDIR/tmux-%u`, else
 * `/tmp/tmux-%u`, created with mode 0700); the server and its clients
 * refuse it unless the user owns it and nobody else may enter it
 * (`src/handoff/socket_dir.ts`).
 */
export function brokerSocketDir(env: Env): string {
  const runtime = env.getVar("XDG_RUNTIME_DIR");
  if (runtime && isAbsolutePath(runtime, env.os)) return joinPath(runtime, "twg");
  const tmp = env.getVar("TMPDIR");
  const base = tmp && isAbsolutePath(tmp, env.os) ? tmp : "/tmp";
  return joinPath(base, `twg-${env.userId ?? "user"}`);
}

/**
 * The token keeper's socket: `TWG_BROKER_SOCKET` when set, else
 * `broker.sock` in {@link brokerSocketDir}.
 *
 * @example
 * ```ts
 * import { brokerSocketPath, createProcessEnv } from "@twg/cli";
 *
 * brokerSocketPath(createProcessEnv()); // "/run/user/1000/twg/broker.sock"
 * ```
 */
export function brokerSocketPath(env: Env): string {
  const explicit = env.getVar(brokerSocketVariable);
  if (explicit) return isAbsolutePath(explicit, env.os) ? explicit : joinPath(env.cwd(), explicit);
  return joinPath(brokerSocketDir(env), "broker.sock");
}

/**
 * The per-user data directory, where twg keeps what the scheduler executes
 * (the checkout launcher): `$XDG_DATA_HOME/twg`, else `~/.local/share/twg`
 * on Linux (XDG Base Directory spec), `~/Library/Application Support/twg`
 * on macOS, `%LOCALAPPDATA%\twg` on Windows. Never the config directory: an
 * agent is told to make that one writable, and whatever the unsandboxed job
 * runs must not be replaceable from a sandbox.
 */
export function dataDir(env: Pick<Env, "getVar" | "os" | "homeDir">): string {
  const xdg = env.getVar("XDG_DATA_HOME");
  if (env.os === "linux" && xdg && isAbsolutePath(xdg, env.os)) return joinPath(xdg, "twg");
  if (env.os === "darwin") return joinPath(env.homeDir, "Library", "Application Support", "twg");
  if (env.os === "windows") {
    const local = env.getVar("LOCALAPPDATA");
    if (local && isAbsolutePath(local, env.os)) return joinPath(local, "twg");
    return joinPath(env.homeDir, "AppData", "Local", "twg");
  }
  return joinPath(env.homeDir, ".local", "share", "twg");
}
