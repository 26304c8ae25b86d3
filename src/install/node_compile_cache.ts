/**
 * Where the npm build keeps Node's module compile cache (Node 22.8+): V8's
 * code for twg's bundles, which Node runs instead of compiling them again.
 *
 * Node runs a cache file in place of the source when the file's header gives
 * the source's size and CRC-32 and the rest matches its own CRC-32
 * (nodejs/node `src/compile_cache.cc`, `ReadCacheFile`); V8 then checks only
 * the source's length, its own version and its flags. All of that can be
 * computed from twg's published bundle: whoever may write the cache
 * directory chooses what twg runs. Node's default directory,
 * `node-compile-cache` under `os.tmpdir()`, is one that agent sandboxes let
 * their commands write: Codex's workspace-write mode writes `/tmp` and
 * `$TMPDIR` unless `exclude_slash_tmp` and `exclude_tmpdir_env_var` say
 * otherwise (openai/codex#1785), and Claude Code's sandbox writes
 * `/tmp/claude`, the `TMPDIR` it sets for its commands
 * (anthropics/claude-code#36759). Under `/tmp`, any local user
 * may also create the directory first: Node makes it with `mkdir -p`, mode
 * 0777 less the umask, and checks no owner. Host-side twg (the upkeep job,
 * `auth serve`) would then run code that a sandbox wrote, next to the
 * refresh token.
 *
 * So the bin names the directory itself: `node-compile-cache` in twg's
 * per-user data directory, where the launcher lives and which no agent is
 * told to make writable, used only when it and the data directory are real
 * directories (not links) that the user owns and nobody else may write.
 * Anything else turns the cache off: a slower start, nothing lost.
 *
 * @module
 */
import type { OsName } from "../env.ts";
import { dataDir } from "../config/paths.ts";
import { joinPath, parentDir } from "../lean_path.ts";

/** A directory entry as `lstat` sees it. */
export interface DirectoryInfo {
  /** False for a symbolic link, whatever it points at. */
  isDirectory: boolean;
  uid: number;
  mode: number;
}

/** What {@link compileCacheDir} needs of the runtime; the npm bin builds it from Node's. */
export interface CompileCacheHost {
  os: OsName;
  homeDir: string;
  getVar(name: string): string | undefined;
  /** The user's id; undefined where there is none (Windows). */
  userId: number | undefined;
  /** Creates `path` and its missing parents with `mode`; an existing directory is fine. */
  makeDirectory(path: string, mode: number): void;
  /** `lstat` of `path`; throws when nothing is there. */
  inspect(path: string): DirectoryInfo;
}

/**
 * The compile cache directory the npm bin may hand to
 * `module.enableCompileCache`, or null for no cache: when
 * `NODE_COMPILE_CACHE` or `NODE_DISABLE_COMPILE_CACHE` already decided (Node
 * reads both as it starts), or when the directory is not the user's alone.
 *
 * @example
 * ```ts ignore
 * import module from "node:module";
 *
 * const dir = compileCacheDir(host); // "/home/ada/.local/share/twg/node-compile-cache"
 * if (dir) module.enableCompileCache(dir);
 * ```
 */
export function compileCacheDir(host: CompileCacheHost): string | null {
  if (host.getVar("NODE_COMPILE_CACHE") || host.getVar("NODE_DISABLE_COMPILE_CACHE")) return null;
  const dir = joinPath(dataDir(host), "node-compile-cache");
  try {
    host.makeDirectory(dir, 0o700);
    // Windows has no owner or mode bits to read here; %LOCALAPPDATA% is the
    // user's own, as for the launcher.
    const { userId } = host;
    if (userId === undefined) return dir;
    return [dir, parentDir(dir)].every((path) => isUsersAlone(host.inspect(path), userId))
      ? dir
      : null;
  } catch {
    return null;
  }
}

function isUsersAlone(info: DirectoryInfo, userId: number): boolean {
  return info.isDirectory && info.uid === userId && (info.mode & 0o022) === 0;
}
