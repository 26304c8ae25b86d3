/**
 * Settings: `config.json` in the config directory, overridden by `TWG_*`
 * variables, with public Atlassian defaults where they exist.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { TwgError, UsageError } from "../errors.ts";
import { parentDir } from "../path.ts";
import { assertOwnedByUser } from "./ownership.ts";

/** What twg needs to know about the authorization server and the APIs. */
export interface Settings {
  issuer: string;
  clientId: string | null;
  scopes: string;
  resourcesUrl: string | null;
  apiUrl: string | null;
  bitbucketApiUrl: string;
  manifestUrl: string | null;
}

interface SettingSource {
  key: keyof Settings;
  variable: string;
  fallback: string | null;
}

// Atlassian's public endpoints. There is no public client id: each
// installation registers its own, so `TWG_CLIENT_ID` has no default.
const sources: SettingSource[] = [
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
];

/** The keys `config.json` may hold, named as in its JSON. */
const fileKeys: Record<keyof Settings, string> = {
  issuer: "issuer",
  clientId: "clientId",
  scopes: "scopes",
  resourcesUrl: "resourcesUrl",
  apiUrl: "apiUrl",
  bitbucketApiUrl: "bitbucketApiUrl",
  manifestUrl: "updateManifestUrl",
};

/** Reads `config.json` (absent is fine, corrupt is an error) and applies the environment. */
export async function loadSettings(env: Env, configJsonPath: string): Promise<Settings> {
  const file = await readConfigJson(env, configJsonPath);
  const settings: Record<string, string | null> = {};
  for (const { key, variable, fallback } of sources) {
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

async function readConfigJson(env: Env, path: string): Promise<Record<string, unknown>> {
  // config.json says where the token goes and where updates come from: only
  // this user's own file in this user's own directory is read.
  await assertOwnedByUser(env, parentDir(path), "directory");
  await assertOwnedByUser(env, path, "file");
  let text: string;
  try {
    text = await env.fs.readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new TwgError(`Cannot read "${path}": ${(error as Error).message}`);
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
    'Set TWG_CLIENT_ID (or "clientId" in config.json) to the client id registered for twg',
  );
}

/** Scopes to request: the configured ones plus `offline_access`, which refresh needs. */
export function requestedScopes(settings: Settings): string {
  const scopes = settings.scopes.split(/\s+/).filter(Boolean);
  if (!scopes.includes("offline_access")) scopes.push("offline_access");
  return scopes.join(" ");
}
