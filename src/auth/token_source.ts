/**
 * Where a usable access token comes from, in order: `TWG_OAUTH_ACCESS_TOKEN`;
 * the store (refreshed first when due, or when `minValidMs` asks for more
 * lifetime than is left); and, only when the store is out of reach (a
 * sandbox that cannot write it, cannot read it, or sees none), the token
 * keeper's socket, then the access-token file host-side twg keeps, then a
 * stored token that is still valid. `auth token`, `api` and `exec` share it.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import { expiresAtMs, type Site } from "../credentials/auth_conf.ts";
import { backendOf } from "../credentials/keyring.ts";
import { UntrustedPathError } from "../safe_files/ownership.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import { readCredentials, UntrustedStoreError } from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { permissionDenialOf } from "../env_deno.ts";
import { AuthRequiredError, messageOf, TwgError } from "../errors.ts";
import { warn } from "../ui/style.ts";
import type { AccessTokenDocument } from "../handoff/access_token_file.ts";
import { envAccessToken } from "./env_token.ts";
import { refreshIfDue } from "./refresh.ts";
import { readSignedIn, type SignedIn } from "./signed_in.ts";
import { warnSettingMismatches } from "./settings_mismatch.ts";
import type { SiteSelector } from "./site_selector.ts";

/** Where the token came from (`auth token --json`'s `source`). */
export type TokenSource = "file" | "keyring" | "env" | "broker" | "token-file";

/** The contract's typed token document (`auth token --json`). */
export interface TokenAnswer {
  token: string;
  /** RFC 3339, or null when unknown (an opaque token from the environment). */
  expiresAt: string | null;
  tokenType: string;
  /** The site's URL. */
  site: string | null;
  /** The site's id. */
  cloudId: string | null;
  source: TokenSource;
}

/** Options for {@link resolveAccessToken}. */
export interface ResolveOptions {
  /** The least lifetime the token must have left (`exec --min-valid`); 0 by default. */
  minValidMs?: number;
  /** `--site` / `--cloud-id`: another of the sign-in's sites, for this answer only. */
  site?: SiteSelector | null;
}

/** A token cannot live as long as `--min-valid` asks (exit 1). */
export class TokenLifetimeError extends TwgError {
  override name = "TokenLifetimeError";
  static override defaultCode = "token-lifetime-too-short";
}

/** Whether a failure of the store means "out of this process's reach", not "signed out" or "broken". */
function isOutOfReach(error: unknown): boolean {
  if (error instanceof StoreNotWritableError) return true;
  if (error instanceof UntrustedStoreError || error instanceof UntrustedPathError) return true;
  if (error instanceof AuthRequiredError && error.code === "not-logged-in") return true;
  return permissionDenialOf(error) !== null;
}

function fromDocument(document: AccessTokenDocument, source: TokenSource): TokenAnswer {
  return {
    token: document.token,
    expiresAt: document.expiresAt,
    tokenType: document.tokenType,
    site: document.site,
    cloudId: document.cloudId,
    source,
  };
}

function fromStore(signedIn: SignedIn): TokenAnswer {
  const { tokens, credentials } = signedIn;
  const expiresIn = tokens.expiresIn > 0;
  return {
    token: tokens.accessToken,
    expiresAt: expiresIn ? new Date(expiresAtMs(tokens)).toISOString() : null,
    tokenType: tokens.tokenType,
    site: credentials.site?.url ?? null,
    cloudId: credentials.site?.id ?? null,
    source: backendOf(tokens.refreshToken),
  };
}

/** The site an answer names, as `api` needs it (the name is not carried). */
export function siteOf(answer: TokenAnswer): Site | null {
  return answer.cloudId && answer.site
    ? { id: answer.cloudId, url: answer.site, name: answer.site }
    : null;
}

function remainingMs(answer: { expiresAt: string | null }, now: number): number {
  return answer.expiresAt === null ? Infinity : Date.parse(answer.expiresAt) - now;
}

/**
 * A usable access token and where it came from. Throws the store's own error
 * (exit 3, 4, …) when no source has one.
 */
export async function resolveAccessToken(
  env: Env,
  paths: ConfigPaths,
  options: ResolveOptions = {},
): Promise<TokenAnswer> {
  const answer = await resolveAnySite(env, paths, options);
  if (!options.site) return answer;
  // The stored sign-in lists its sites; a keeper's or the file's answer, and
  // a token from the environment, know only their own.
  const stored = answer.source === "file" || answer.source === "keyring"
    ? await readCredentials(env, paths.authConf).catch(() => null)
    : null;
  const own = siteOf(answer);
  const sites = stored?.sites ?? (stored?.site ? [stored.site] : own ? [own] : []);
  // Off the fast path: loaded only when a command names a site.
  const { selectSite } = await import("./site_selector.ts");
  const site = selectSite(sites, options.site);
  return { ...answer, site: site.url, cloudId: site.id };
}

async function resolveAnySite(
  env: Env,
  paths: ConfigPaths,
  options: ResolveOptions,
): Promise<TokenAnswer> {
  const minValidMs = options.minValidMs ?? 0;
  const fromEnv = envAccessToken(env);
  if (fromEnv) {
    return {
      token: fromEnv,
      expiresAt: null,
      tokenType: "Bearer",
      site: null,
      cloudId: null,
      source: "env",
    };
  }
  let storeError: unknown;
  let stillValid: TokenAnswer | null = null;
  try {
    // Read first only when a lifetime is asked for: refreshIfDue reads anyway.
    const force = minValidMs > 0 && await livesShorterThan(env, paths, minValidMs);
    const result = await refreshIfDue(env, paths, { force, interruptible: true });
    // Host side: the refresh was saved, so the file beside it can be too.
    if (result.refreshed) {
      const { keepAccessTokenFileQuietly } = await import("../handoff/access_token_file.ts");
      await keepAccessTokenFileQuietly(env, paths, result.tokens, result.credentials.site);
    }
    await warnSettingMismatches(env, paths, result.tokens);
    return checkLifetime(env, fromStore(result), minValidMs);
  } catch (error) {
    if (!isOutOfReach(error)) throw error;
    storeError = error;
    if (error instanceof StoreNotWritableError) {
      const stored = await readSignedIn(env, paths).catch(() => null);
      if (stored && remainingMs(fromStore(stored), env.now()) > minValidMs) {
        stillValid = fromStore(stored);
      }
    }
  }
  const minValidSeconds = Math.ceil(minValidMs / 1000);
  try {
    const document = await askBroker(env, minValidSeconds);
    if (document) return checkLifetime(env, fromDocument(document, "broker"), minValidMs);
  } catch (error) {
    if (error instanceof TokenLifetimeError) throw error;
    warn(env, `The token keeper did not help: ${messageOf(error)}`);
  }
  // Like the keeper, the file is read only when the store is out of reach.
  const { readAccessTokenFile } = await import("../handoff/access_token_file.ts");
  const document = await readAccessTokenFile(env, paths).catch((error) => {
    warn(env, `Ignoring ${paths.accessTokenFile}: ${messageOf(error)}`);
    return null;
  });
  if (document && remainingMs(document, env.now()) > minValidMs) {
    const fromFile = fromDocument(document, "token-file");
    // Only a newer token than the stored one the sandbox could not refresh.
    if (
      !stillValid ||
      (fromFile.token !== stillValid.token &&
        remainingMs(fromFile, 0) > remainingMs(stillValid, 0))
    ) return fromFile;
  }
  if (stillValid && storeError instanceof StoreNotWritableError) {
    warn(env, `A refresh is due but was not attempted: ${storeError.message}`);
    return stillValid;
  }
  throw storeError;
}

/** Whether the stored token (one that can be refreshed) expires within `minValidMs`. */
async function livesShorterThan(env: Env, paths: ConfigPaths, minValidMs: number) {
  const { tokens } = await readSignedIn(env, paths);
  return tokens.method !== "token" && expiresAtMs(tokens) - env.now() < minValidMs;
}

async function askBroker(env: Env, minValidSeconds: number): Promise<AccessTokenDocument | null> {
  // Loaded only off the fast path: a host with a reachable store never asks.
  const { askBroker } = await import("../handoff/client.ts");
  return await askBroker(env, minValidSeconds);
}

function checkLifetime(env: Env, answer: TokenAnswer, minValidMs: number): TokenAnswer {
  if (minValidMs > 0 && remainingMs(answer, env.now()) < minValidMs) {
    throw new TokenLifetimeError(
      `The access token has ${
        Math.max(0, Math.floor(remainingMs(answer, env.now()) / 1000))
      }s left, less than the ${Math.ceil(minValidMs / 1000)}s asked for`,
      { hint: "Ask for less with --min-valid: the server's tokens do not live that long" },
    );
  }
  return answer;
}
