/**
 * Profiles: several sign-ins side by side, each a store of its own (its
 * directory, `auth.conf` and lock; see `configPaths`). Which one a command
 * uses: `--profile NAME`, else `TWG_PROFILE`, else the person's mapping of
 * the working directory (or an ancestor), else the default they switched
 * to, else `default`.
 *
 * The choices live in `<config dir>/profiles.json`, twg's own file: never a
 * file inside a repository, which a hostile checkout could plant to send a
 * command to another account.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { permissionDenialOf } from "../env_deno.ts";
import { TwgError } from "../errors.ts";
import { isAbsolutePath, joinPath, parentDir } from "../lean_path.ts";
import { writeFileAtomic } from "../safe_files/atomic_write.ts";
import { ensureConfigDir } from "../safe_files/config_dir.ts";
import { assertOwnedByUser } from "../safe_files/ownership.ts";
import { assertProfileName, configDir, defaultProfile, profileVariable } from "./paths.ts";

/** What the person chose: the default profile and the directories mapped to one. */
export interface ProfileChoices {
  /** The profile used when nothing else chooses; null is `default`. */
  default: string | null;
  /** Absolute directory → profile name (`auth switch --profile NAME --here`). */
  directories: Record<string, string>;
}

/** At most this many directory mappings are kept (the file stays small to read on every command). */
export const maxMappedDirectories = 200;

/** `<config dir>/profiles.json`. */
export function profilesFile(env: Env): string {
  return joinPath(configDir(env), "profiles.json");
}

/** The saved choices; none when the file is absent. A file that cannot be trusted is an error. */
export async function readProfileChoices(env: Env): Promise<ProfileChoices> {
  const path = profilesFile(env);
  let text: string;
  try {
    const info = await env.fs.lstat(path);
    if (!info.isFile()) throw new TwgError(`Refusing to use "${path}": it is not a regular file`);
    // Whoever could write it could choose the account a command signs in as.
    await assertOwnedByUser(env, parentDir(path), "directory");
    if (env.os !== "windows" && (info.mode & 0o022) !== 0) {
      throw new TwgError(`Refusing to use "${path}": others may write it`, {
        hint: `Run "chmod 600 ${path}"`,
      });
    }
    text = await env.fs.readFile(path, "utf8");
  } catch (error) {
    // No file (or no config directory at all): nothing was chosen.
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return { default: null, directories: {} };
    if (error instanceof TwgError) throw error;
    // Not allowed to read the config directory at all (a Deno permission):
    // nothing there can be read, auth.conf included, and the command that
    // needs it says so naming the directory; one that needs none goes on.
    if (permissionDenialOf(error)) return { default: null, directories: {} };
    throw new TwgError(`Cannot read "${path}": ${(error as Error).message}`);
  }
  try {
    return parseChoices(JSON.parse(text));
  } catch (error) {
    throw new TwgError(`Cannot read "${path}": ${(error as Error).message}`, {
      hint: `Fix or remove it, then run "twg auth switch --profile <name>" again`,
    });
  }
}

function parseChoices(value: unknown): ProfileChoices {
  if (!value || typeof value !== "object" || Array.isArray(value)) {
    throw new Error("not a JSON object");
  }
  const record = value as Record<string, unknown>;
  const chosen = record.default;
  if (chosen != null && typeof chosen !== "string") throw new Error("default is not a string");
  const directories: Record<string, string> = {};
  const mapped = record.directories ?? {};
  if (typeof mapped !== "object" || Array.isArray(mapped)) {
    throw new Error("directories is not an object");
  }
  for (const [dir, name] of Object.entries(mapped as Record<string, unknown>)) {
    if (typeof name === "string") directories[dir] = assertProfileName(name);
  }
  return { default: chosen == null ? null : assertProfileName(chosen), directories };
}

/** Saves the choices atomically, mode 0600, in the 0700 config directory. */
export async function saveProfileChoices(env: Env, choices: ProfileChoices): Promise<void> {
  await ensureConfigDir(env, configDir(env));
  await writeFileAtomic(
    env,
    profilesFile(env),
    JSON.stringify({ version: 1, ...choices }, null, 2) + "\n",
    0o600,
  );
}

/** The profile mapped to `cwd` or its nearest mapped ancestor, or null. */
export function mappedProfile(choices: ProfileChoices, cwd: string): string | null {
  let dir = cwd;
  for (let depth = 0; depth < 256; depth++) {
    const name = choices.directories[dir];
    if (name) return name;
    const up = parentDir(dir);
    if (up === dir) return null;
    dir = up;
  }
  return null;
}

/** How the active profile was chosen (`auth status` says it). */
export type ProfileSource = "flag" | "variable" | "directory" | "switched" | "default";

/** The active profile and why. */
export interface ChosenProfile {
  name: string;
  source: ProfileSource;
}

/**
 * Chooses the profile: `flag`, `TWG_PROFILE`, the directory mapping, the
 * switched default, `default`. The saved choices are read only when neither
 * the flag nor the variable chose (the `auth token` hot path with either
 * set reads nothing).
 */
export async function chooseProfile(env: Env, flag: string | null): Promise<ChosenProfile> {
  if (flag) return { name: assertProfileName(flag), source: "flag" };
  const variable = env.getVar(profileVariable);
  if (variable) return { name: assertProfileName(variable), source: "variable" };
  const choices = await readProfileChoices(env);
  const cwd = env.cwd();
  const mapped = isAbsolutePath(cwd, env.os) ? mappedProfile(choices, cwd) : null;
  if (mapped) return { name: mapped, source: "directory" };
  if (choices.default) return { name: choices.default, source: "switched" };
  return { name: defaultProfile, source: "default" };
}

/**
 * Every profile that has a store: `default`, then the directories under
 * `<config dir>/profiles/` with a valid name, sorted.
 */
export async function listProfiles(env: Env): Promise<string[]> {
  const entries = await env.fs.readdir(joinPath(configDir(env), "profiles")).catch(() => []);
  const names = entries.filter((entry) => {
    try {
      return assertProfileName(entry) !== defaultProfile;
    } catch {
      return false;
    }
  }).sort();
  return [defaultProfile, ...names];
}

/**
 * `env` with the active profile fixed (as `TWG_PROFILE`), so that every
 * `configPaths(env)` below main, and any twg a command starts, uses it.
 */
export function withProfile(env: Env, name: string): Env {
  const getVar = (variable: string) => variable === profileVariable ? name : env.getVar(variable);
  // The prototype keeps the Env's lazy members (the interrupt signal) lazy.
  return Object.assign(Object.create(env) as Env, { getVar });
}
