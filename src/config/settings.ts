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
  /** Null when set to "" (no Bitbucket API), or under {@link noPublicDefaultsVariable}. */
  bitbucketApiUrl: string | null;
  manifestUrl: string | null;
  /** The backend of a new sign-in, `file` or `keyring` (src/credentials/keyring.ts). */
  credentialBackend: string | null;
  /** The release channel `twg upgrade` follows, `stable` or `beta` (src/install/channel.ts). */
  updateChannel: string | null;
}

/** Where one setting comes from: its variable and its default. */
export interface SettingSource {
  key: keyof Settings;
  variable: string;
  fallback: string | null;
  /**
   * The fallback holds only for this issuer: Atlassian's resources and API
   * URLs would otherwise receive another issuer's access token.
   */
  fallbackIssuer?: string;
  /** An empty value (variable or config.json) means "none" rather than "the default". */
  emptyMeansNone?: boolean;
}

/** Atlassian's issuer, the only one whose tokens the Atlassian API defaults may receive. */
export const atlassianIssuer = "https://auth.atlassian.com";

/**
 * `1` turns off every default that names a public host (the issuer, the
 * Atlassian and Bitbucket API URLs): for an air-gapped or self-hosted setup,
 * and set by twg's test harness so that no test can reach a public host by
 * forgetting a setting.
 */
export const noPublicDefaultsVariable = "TWG_NO_PUBLIC_DEFAULTS";

// Atlassian's public endpoints. There is no public client id: each
// installation registers its own, so `TWG_CLIENT_ID` has no default.
const sources: SettingSource[] = [
  { key: "issuer", variable: "TWG_ISSUER", fallback: atlassianIssuer },
  { key: "clientId", variable: "TWG_CLIENT_ID", fallback: null },
  { key: "scopes", variable: "TWG_SCOPES", fallback: "openid profile email" },
  {
    key: "resourcesUrl",
    variable: "TWG_RESOURCES_URL",
    fallback: "https://api.atlassian.com/oauth/token/accessible-resources",
    fallbackIssuer: atlassianIssuer,
    emptyMeansNone: true,
  },
  {
    key: "apiUrl",
    variable: "TWG_API_URL",
    fallback: "https://api.atlassian.com/ex/jira/{siteId}",
    fallbackIssuer: atlassianIssuer,
    emptyMeansNone: true,
  },
  {
    key: "bitbucketApiUrl",
    variable: "TWG_BITBUCKET_API_URL",
    // The Bitbucket token is not the OAuth sign-in's: any issuer.
    fallback: "https://api.bitbucket.org/2.0",
    emptyMeansNone: true,
  },
  { key: "manifestUrl", variable: "TWG_UPDATE_MANIFEST_URL", fallback: null },
  { key: "credentialBackend", variable: "TWG_CREDENTIAL_BACKEND", fallback: null },
  { key: "updateChannel", variable: "TWG_UPDATE_CHANNEL", fallback: null },
];

/** Every setting with its variable and default, for `twg config` and completion. */
export const settingSources: SettingSource[] = sources;

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
  updateChannel: "updateChannel",
};

/** Reads `config.json` (absent is fine, corrupt is an error) and applies the environment. */
export async function loadSettings(env: Env, configJsonPath: string): Promise<Settings> {
  const file = await readConfigJson(env, configJsonPath);
  warnUnknownKeys(env, configJsonPath, file);
  const settings: Record<string, string | null> = {};
  const noPublicDefaults = env.getVar(noPublicDefaultsVariable) === "1";
  // The issuer first: the defaults of the API URLs depend on it.
  for (const source of sources) {
    const fromEnv = env.getVar(source.variable);
    const fromFile = file[fileKeys[source.key]];
    const explicit = fromEnv !== undefined && (fromEnv !== "" || source.emptyMeansNone)
      ? fromEnv
      : typeof fromFile === "string"
      ? fromFile
      : undefined;
    if (explicit !== undefined) {
      settings[source.key] = explicit === "" && source.emptyMeansNone ? null : explicit;
      continue;
    }
    const issuerMatches = source.fallbackIssuer === undefined ||
      sameIssuer(settings.issuer ?? null, source.fallbackIssuer);
    const isPublicHost = source.fallback?.startsWith("https://") ?? false;
    settings[source.key] = (noPublicDefaults && isPublicHost) || !issuerMatches
      ? null
      : source.fallback;
  }
  // No issuer at all: "" is not a URL, so discovery refuses it (a usage
  // error naming the setting) before any request.
  settings.issuer ??= "";
  return settings as unknown as Settings;
}

/** Whether two issuer URLs name the same issuer (a trailing slash aside; RFC 8414 §3.3 compares them exactly). */
function sameIssuer(issuer: string | null, expected: string): boolean {
  return issuer !== null && issuer.replace(/\/+$/, "") === expected;
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
