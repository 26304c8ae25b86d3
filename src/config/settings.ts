/**
 * Settings: `config.json` in the config directory, overridden by `TWG_*`
 * variables, with public Atlassian defaults where they exist.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { permissionDenialOf } from "../env_deno.ts";
import { TwgError, UsageError } from "../errors.ts";
import { displayPath, warn } from "../ui/style.ts";
import { nearest } from "../ui/suggest.ts";
import { fsErrorText } from "../ui/fs_error_text.ts";
import { parentDir } from "../lean_path.ts";
import { assertOwnedByUser } from "../safe_files/ownership.ts";

/** What twg needs to know about the authorization server and the APIs. */
export interface Settings {
  issuer: string;
  clientId: string | null;
  scopes: string;
  resourcesUrl: string | null;
  apiUrl: string | null;
  bitbucketApiUrl: string;
  manifestUrl: string | null;
  /** The backend of a new sign-in, `file` or `keyring` (src/credentials/keyring.ts). */
  credentialBackend: string | null;
}

/** Where one setting comes from: its variable and its default. */
export interface SettingSource {
  key: keyof Settings;
  variable: string;
  fallback: string | null;
}

// Atlassian's public endpoints. There is no public client id: each
// installation registers its own, so `TWG_CLIENT_ID` has no default.
export const settingSources: SettingSource[] = [
  { key: "issuer", variable: "TWG_ISSUER", fallback: "https://auth.atlassian.com" },
  { key: "clientId", variable: "TWG_CLIENT_ID", fallback: null },
  { key: "scopes", variable: "TWG_SCOPES", fallback: "openid profile email" },
  {
    key: "resourcesUrl",
    variable: "TWG_RESOURCES_URL",
    fallback: "https://api.atlassian.com/oauth/token/accessible-resources",
  },
  {
    key: "apiUrl",
    variable: "TWG_API_URL",
    fallback: "https://api.atlassian.com/ex/jira/{siteId}",
  },
  {
    key: "bitbucketApiUrl",
    variable: "TWG_BITBUCKET_API_URL",
    fallback: "https://api.bitbucket.org/2.0",
  },
  { key: "manifestUrl", variable: "TWG_UPDATE_MANIFEST_URL", fallback: null },
  { key: "credentialBackend", variable: "TWG_CREDENTIAL_BACKEND", fallback: null },
];

/** The keys `config.json` may hold, named as in its JSON. */
export const fileKeys: Record<keyof Settings, string> = {
  issuer: "issuer",
  clientId: "clientId",
  scopes: "scopes",
  resourcesUrl: "resourcesUrl",
  apiUrl: "apiUrl",
  bitbucketApiUrl: "bitbucketApiUrl",
  manifestUrl: "updateManifestUrl",
  credentialBackend: "credentialBackend",
};

/** Reads `config.json` (absent is fine, corrupt is an error) and applies the environment. */
export async function loadSettings(env: Env, configJsonPath: string): Promise<Settings> {
  const file = await readConfigJson(env, configJsonPath);
  warnUnknownKeys(env, configJsonPath, file);
  const settings: Record<string, string | null> = {};
  for (const { key, variable, fallback } of settingSources) {
    const fromEnv = env.getVar(variable);
    const fromFile = file[fileKeys[key]];
    settings[key] = fromEnv !== undefined && fromEnv !== ""
      ? fromEnv
      : typeof fromFile === "string"
      ? fromFile
      : fallback;
  }
  return settings as unknown as Settings;
}

/** The processes (their `Env`) already warned: a command may load the settings several times. */
const warned = new WeakSet<Env>();

/** A misspelt key would be ignored silently: say so, once, with the nearest known key. */
function warnUnknownKeys(env: Env, path: string, file: Record<string, unknown>): void {
  if (warned.has(env)) return;
  const known = Object.values(fileKeys);
  const unknown = Object.keys(file).filter((key) => !known.includes(key) && key !== "$schema");
  if (unknown.length === 0) return;
  warned.add(env);
  for (const key of unknown) {
    const suggestion = nearest(key, known);
    warn(
      env,
      `Unknown key "${key}" in ${displayPath(path, env.homeDir)} is ignored${
        suggestion ? ` (did you mean "${suggestion}"?)` : ""
      }; known keys: ${known.join(", ")}`,
    );
  }
}

/** `config.json` as an object (`{}` when absent); only this user's own file is read. */
export async function readConfigJson(env: Env, path: string): Promise<Record<string, unknown>> {
  // config.json says where the token goes and where updates come from: only
  // this user's own file in this user's own directory is read.
  await assertOwnedByUser(env, parentDir(path), "directory");
  await assertOwnedByUser(env, path, "file");
  let text: string;
  try {
    text = await env.fs.readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    if (permissionDenialOf(error)) throw error;
    throw new TwgError(`Cannot read "${path}": ${fsErrorText(error)}`);
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      return parsed as Record<string, unknown>;
    }
    throw new Error("expected a JSON object");
  } catch (error) {
    throw new TwgError(`Cannot read "${path}": ${(error as Error).message}`, {
      hint: "Fix the file or remove it; settings can also come from TWG_* variables",
    });
  }
}

/** The client id, or an error naming the variable that provides it. */
export function requireClientId(settings: Settings): string {
  if (settings.clientId) return settings.clientId;
  throw new UsageError(
    "No OAuth client id is configured",
    "twg signs in as an OAuth app registered at your authorization server; for Atlassian, " +
      "create one in the developer console (https://developer.atlassian.com/console/myapps/) " +
      'and copy its Client ID. Then run "twg config set client-id <id>" or set TWG_CLIENT_ID; ' +
      '"twg help environment" lists every variable',
  );
}

/** Scopes to request: the configured ones plus `offline_access`, which refresh needs. */
export function requestedScopes(settings: Settings): string {
  const scopes = settings.scopes.split(/\s+/).filter(Boolean);
  if (!scopes.includes("offline_access")) scopes.push("offline_access");
  return scopes.join(" ");
}

/** A setting the person set explicitly, and where: the variable, or `config.json`. */
export interface ExplicitSetting {
  value: string;
  source: string;
}

/**
 * `key` when it was set explicitly (a non-empty variable, else a string in
 * `config.json`), or `null` when only the default applies. Lets a command
 * tell a deliberate setting from a default (the issuer-mismatch warning).
 */
export async function explicitSetting(
  env: Env,
  configJsonPath: string,
  key: keyof Settings,
): Promise<ExplicitSetting | null> {
  const variable = settingSources.find((source) => source.key === key)!.variable;
  const fromEnv = env.getVar(variable);
  if (fromEnv !== undefined && fromEnv !== "") return { value: fromEnv, source: variable };
  const fromFile = (await readConfigJson(env, configJsonPath))[fileKeys[key]];
  return typeof fromFile === "string"
    ? { value: fromFile, source: `"${fileKeys[key]}" in config.json` }
    : null;
}
