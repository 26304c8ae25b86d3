/**
 * The keyring backend where commands meet it: login (the key written once),
 * revocation (the token unsealed, best effort), `twg auth backend` (moving
 * the credentials across with nothing lost at any instant), logout and
 * uninstall (the key removed).
 *
 * @module
 */
import type { Env } from "../env.ts";
import { warn } from "../ui/style.ts";
import {
  backendOf,
  chosenBackend,
  type CredentialBackend,
  keyringAccount,
  KeyringUnavailableError,
  openKeyring,
  plainRefreshToken,
  readKeyOrFail,
  type SealBinding,
  sealToken,
  unsealToken,
} from "./keyring.ts";

interface WithRefreshToken {
  refreshToken: string | null;
  /** The sign-in the sealed token is bound to (see `SealBinding`). */
  issuer?: string;
  clientId?: string;
}

/** The binding of `tokens` (empty parts where a caller has none: such a seal opens for no sign-in). */
function bindingOf(tokens: { issuer?: string; clientId?: string } | null | undefined): SealBinding {
  return { issuer: tokens?.issuer ?? "", clientId: tokens?.clientId ?? "" };
}

interface StoredLike<T extends WithRefreshToken> {
  oauth: T | null;
  bitbucketToken?: string | null;
}

/**
 * What a stored Bitbucket token is bound to when sealed: an issuer no OAuth
 * sign-in has, so it can never be swapped into a refresh token's place.
 */
const bitbucketBinding: SealBinding = { issuer: "twg:bitbucket-token", clientId: "" };

/**
 * The Bitbucket token as `backend` keeps it: sealed under the keyring's key
 * (the same key as the refresh token's) or in plaintext for `file`.
 */
export async function storedBitbucketTokenFor(
  env: Env,
  configDir: string,
  token: string | null,
  backend: CredentialBackend,
): Promise<string | null> {
  if (token === null || backendOf(token) === backend) return token;
  if (backend === "keyring") {
    const key = await (await openKeyring(env, configDir)).ensure();
    return await sealToken(key, token, configDir, bitbucketBinding);
  }
  return await plainRefreshToken(env, configDir, token, bitbucketBinding);
}

/** The stored Bitbucket token in plaintext (opened with the keyring's key when sealed). */
export async function plainBitbucketToken(
  env: Env,
  configDir: string,
  stored: string,
): Promise<string> {
  return await plainRefreshToken(env, configDir, stored, bitbucketBinding);
}

/**
 * The backend of a new sign-in and, for `keyring`, the key made sure of now
 * (created and read back if there is none): before the person approves
 * anything, so that a keyring that cannot be used fails first. Returns what
 * turns the new tokens into the ones to save.
 */
export async function loginSealing(
  env: Env,
  configDir: string,
  option: string | undefined,
  existing: StoredLike<WithRefreshToken> | null,
): Promise<<T extends WithRefreshToken>(tokens: T) => Promise<T>> {
  const explicit = option ?? env.getVar("TWG_CREDENTIAL_BACKEND");
  const backend = explicit === undefined
    ? backendOf(existing?.oauth?.refreshToken)
    : chosenBackend(env, explicit);
  if (backend === "file") return (tokens) => Promise.resolve(tokens);
  // Only a sealed token already stored may keep its key; otherwise the item
  // (perhaps planted by something else under twg's name) is replaced.
  const keyring = await openKeyring(env, configDir);
  const hasSealed = backendOf(existing?.oauth?.refreshToken) === "keyring" ||
    backendOf(existing?.bitbucketToken) === "keyring";
  const key = hasSealed ? await keyring.ensure() : await keyring.renew();
  return async (tokens) =>
    tokens.refreshToken === null ? tokens : {
      ...tokens,
      refreshToken: await sealToken(key, tokens.refreshToken, configDir, bindingOf(tokens)),
    };
}

/**
 * The plaintext refresh token to revoke, or null (with a warning) when it is
 * sealed and the keyring cannot open it: revocation is best effort, the
 * local removal happens anyway.
 */
export async function revocableRefreshToken(
  env: Env,
  configDir: string,
  stored: string | null | undefined,
  binding: { issuer?: string; clientId?: string } | null | undefined,
): Promise<string | null> {
  if (!stored) return null;
  try {
    return await plainRefreshToken(env, configDir, stored, bindingOf(binding));
  } catch (error) {
    if (!(error instanceof KeyringUnavailableError)) throw error;
    warn(env, `The refresh token was not revoked: ${error.message}`);
    return null;
  }
}

/**
 * Removes the keyring item of `configDir` after its sealed token is gone
 * (logout, uninstall). Loads the addon only when the store used the keyring
 * (or `always`); a failure is a warning, never a reason to keep credentials.
 */
export async function removeKeyringKey(
  env: Env,
  configDir: string,
  options: { always?: boolean; wasKeyring?: boolean } = {},
): Promise<"removed" | "absent" | "skipped" | "failed"> {
  if (!options.always && !options.wasKeyring) return "skipped";
  try {
    return (await (await openKeyring(env, configDir)).remove()) ? "removed" : "absent";
  } catch (error) {
    if (!options.wasKeyring) return "skipped";
    warn(
      env,
      `The keyring item "${keyringAccount(configDir)}" was not removed: ${
        (error as Error).message
      }`,
    );
    return "failed";
  }
}

/**
 * The refresh token re-stored for `target`: sealed under the keyring's key
 * (made sure of first) or opened back to plaintext. Proves the result reads
 * back to the same token before returning it.
 */
export async function convertRefreshToken(
  env: Env,
  configDir: string,
  stored: string,
  target: CredentialBackend,
  tokens: { issuer?: string; clientId?: string },
): Promise<string> {
  const current = backendOf(stored);
  if (current === target) return stored;
  const binding = bindingOf(tokens);
  if (target === "keyring") {
    // Nothing sealed depends on the item yet: a new key, never an adopted one.
    const key = await (await openKeyring(env, configDir)).renew();
    const sealed = await sealToken(key, stored, configDir, binding);
    // Proven: the key read back from the keyring opens what will be saved.
    const reread = await readKeyOrFail(env, configDir);
    if ((await unsealToken(reread, sealed, configDir, binding)) !== stored) {
      throw new Error("the sealed refresh token did not open to the same token");
    }
    return sealed;
  }
  return await plainRefreshToken(env, configDir, stored, binding);
}

/** `doctor`'s look at the keyring: is the key there and readable, and how long it took. */
export async function probeKeyring(
  env: Env,
  configDir: string,
): Promise<{ ok: boolean; detail: string }> {
  const started = performance.now();
  try {
    await readKeyOrFail(env, configDir);
    const ms = Math.round(performance.now() - started);
    return { ok: true, detail: `key "${keyringAccount(configDir)}" readable, ${ms} ms` };
  } catch (error) {
    const ms = Math.round(performance.now() - started);
    const fix = error instanceof KeyringUnavailableError ? ` — ${error.fix}` : "";
    return { ok: false, detail: `${(error as Error).message} (${ms} ms)${fix}` };
  }
}
