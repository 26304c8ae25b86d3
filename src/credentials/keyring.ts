/**
 * The `keyring` credential backend. The access token stays in the 0600
 * `auth.conf` as with the `file` backend; the refresh token is stored there
 * sealed with AES-256-GCM (WebCrypto, the same under Deno and Node) under a
 * random key that lives only in the OS keyring (service `twg`, one account
 * per config directory). The key is written once (login, `auth backend
 * keyring`) and only read when a refresh token is about to be sent, so:
 *
 * - the commit of a refresh is still the one atomic rename of `auth.conf`, no
 *   keyring write happens on refresh, and Windows' 2,560-byte credential
 *   blob limit never applies (the key is 44 characters);
 * - the fast path (`auth token` on a fresh token, `auth status`) never loads
 *   the native addon: a sealed refresh token starts with {@link sealedPrefix},
 *   which says which backend is active without decrypting anything.
 *
 * The addon is `@napi-rs/keyring` (pinned in deno.json, loaded through
 * `Env.loadKeyring`); on Linux every entry is pinned to the Secret Service
 * (`{ linux: { store: "secret-service" } }`, `LinuxEntryOptions.store` in the
 * package's `index.d.ts` and README, @napi-rs/keyring 2.1.2), so it never
 * falls back to the kernel keyring, which forgets everything at reboot.
 *
 * @module
 */
import type { Env, KeyringEntry, KeyringModule } from "../env.ts";

export type { KeyringEntry, KeyringModule };
import { UsageError } from "../errors.ts";
import { StoreNotWritableError } from "./preflight.ts";

/** Where the credentials of a sign-in are kept. */
export type CredentialBackend = "file" | "keyring";

/**
 * How a refresh token sealed under the keyring's key starts in `auth.conf`:
 * v2 binds it to its sign-in (see {@link SealBinding}); v1, a constant
 * associated data, is still opened and becomes v2 at the next save.
 */
export const sealedPrefix = "twg-keyring:v2:";
const legacySealedPrefix = "twg-keyring:v1:";

/**
 * What a sealed refresh token is bound to, as AES-GCM associated data: the
 * config directory (the profile), the issuer and the client. A sealed token
 * moved into another sign-in's record — or a record whose issuer was edited
 * to send it elsewhere — no longer opens, so it is never sent.
 */
export interface SealBinding {
  issuer: string;
  clientId: string;
}

/** The keyring service every twg key is stored under. */
export const keyringService = "twg";

/** Why the keyring could not be used, each with its own fix. */
export type KeyringProblem =
  | "permission"
  | "not-installed"
  | "no-session-bus"
  | "no-secret-service"
  | "locked"
  | "timeout"
  | "key-missing"
  | "key-wrong"
  | "failed";

/**
 * The OS keyring cannot give twg what the save needs (exit 4, like a store
 * that cannot be written: nothing was sent).
 */
export class KeyringUnavailableError extends StoreNotWritableError {
  override name = "KeyringUnavailableError";
  static override defaultCode = "keyring-unavailable";
  readonly problem: KeyringProblem;
  readonly fix: string;
  /** What went wrong with the keyring, after "the OS keyring". */
  readonly detail: string;
  constructor(configDir: string, problem: KeyringProblem, detail: string, fix: string) {
    super(configDir, `the OS keyring ${detail}`);
    this.problem = problem;
    this.fix = fix;
    this.detail = detail;
  }
}

/** The backend a stored refresh token says is active (no addon, no decryption). */
export function backendOf(refreshToken: string | null | undefined): CredentialBackend {
  return refreshToken?.startsWith(sealedPrefix) || refreshToken?.startsWith(legacySealedPrefix)
    ? "keyring"
    : "file";
}

/** The backend a new sign-in uses: `--backend`, else `TWG_CREDENTIAL_BACKEND`, else `file`. */
export function chosenBackend(env: Env, option: string | undefined): CredentialBackend {
  const value = option ?? env.getVar("TWG_CREDENTIAL_BACKEND") ?? "file";
  if (value === "file" || value === "keyring") return value;
  throw new KeyringChoiceError(
    `Unknown credential backend "${value}"`,
    'Use "file" or "keyring" (--backend, TWG_CREDENTIAL_BACKEND)',
  );
}

/** A backend name that is neither `file` nor `keyring` (exit 2). */
export class KeyringChoiceError extends UsageError {
  override name = "KeyringChoiceError";
}

/** The keyring account of a config directory: one key per directory. */
export function keyringAccount(configDir: string): string {
  return `auth.conf key for ${configDir}`;
}

/**
 * How long a keyring call may take: 3 s without a terminal (nobody can answer
 * an unlock prompt), 60 s with one; `TWG_KEYRING_TIMEOUT_MS` overrides.
 */
export function keyringTimeoutMs(env: Env): number {
  const set = Number(env.getVar("TWG_KEYRING_TIMEOUT_MS"));
  if (Number.isFinite(set) && set > 0) return set;
  return env.stdinIsTerminal && env.stderr.isTerminal ? 60_000 : 3_000;
}

/** An open keyring entry for one config directory, every call bounded by the timeout. */
export interface KeyringKey {
  /** The key, or null when the item does not exist. */
  read(): Promise<CryptoKey | null>;
  /** Reads the key, creating it (and proving it reads back) when there is none. */
  ensure(): Promise<CryptoKey>;
  /**
   * Writes a new key over whatever the item holds (and proves it reads
   * back): a sign-in that no sealed token depends on yet never adopts an
   * item twg did not create.
   */
  renew(): Promise<CryptoKey>;
  /** Removes the item; false when there was none. */
  remove(): Promise<boolean>;
}

/**
 * Loads the addon (after checking, without a prompt, that the runtime allows
 * it) and opens the entry of `configDir`. Throws {@link KeyringUnavailableError}.
 */
export async function openKeyring(env: Env, configDir: string): Promise<KeyringKey> {
  const fail = (problem: KeyringProblem, detail: string, fix: string) =>
    new KeyringUnavailableError(configDir, problem, detail, fix);
  if (!env.loadKeyring || !env.mayLoadAddons) {
    throw fail("not-installed", "is not available in this build", "Use the file backend");
  }
  if (!(await env.mayLoadAddons())) {
    throw fail(
      "permission",
      "cannot be reached: the runtime does not allow loading its native addon",
      env.runtime.startsWith("node")
        ? "Start twg with Node's --allow-addons (with --permission)"
        : "Add --allow-ffi to the flags that start twg (deno install -g --allow-ffi …)",
    );
  }
  const timeoutMs = keyringTimeoutMs(env);
  let module: KeyringModule;
  try {
    module = await env.loadKeyring();
  } catch (error) {
    throw fail(
      "not-installed",
      `library @napi-rs/keyring could not be loaded (${(error as Error).message})`,
      "Reinstall twg (npm: its optional dependency @napi-rs/keyring), or use the file backend",
    );
  }
  let entry: KeyringEntry;
  try {
    // The constructor connects to D-Bus on Linux and throws when the store is unavailable.
    entry = new module.AsyncEntry(keyringService, keyringAccount(configDir), {
      linux: { store: "secret-service" },
    });
  } catch (error) {
    throw classify(configDir, error, env);
  }
  const bounded = <T>(call: () => Promise<T>): Promise<T> =>
    withTimeout(call(), timeoutMs).catch((error) => {
      throw classify(configDir, error, env);
    });
  const read = async (): Promise<CryptoKey | null> => {
    const stored = await bounded(() => entry.getPassword());
    if (stored === null) return null;
    return await importKey(stored).catch(() => {
      throw fail(
        "key-wrong",
        `item "${keyringAccount(configDir)}" does not hold a twg key`,
        'Sign in again: run "twg login --force --backend keyring"',
      );
    });
  };
  const renew = async (): Promise<CryptoKey> => {
    const raw = crypto.getRandomValues(new Uint8Array(32));
    const encoded = base64(raw);
    await bounded(() => entry.setPassword(encoded));
    // Proven readable before anything depends on it.
    if ((await bounded(() => entry.getPassword())) !== encoded) {
      throw fail("failed", "did not return the key just stored", "Use the file backend");
    }
    return await importKey(encoded);
  };
  return {
    read,
    async ensure() {
      return (await read()) ?? await renew();
    },
    renew,
    remove: () => bounded(() => entry.deletePassword()),
  };
}

/** Reads the key of `configDir` or explains why not (the refresh preflight). */
export async function readKeyOrFail(env: Env, configDir: string): Promise<CryptoKey> {
  const key = await (await openKeyring(env, configDir)).read();
  if (key) return key;
  throw new KeyringUnavailableError(
    configDir,
    "key-missing",
    `has no item "${
      keyringAccount(configDir)
    }" (service "${keyringService}"): the sealed refresh token cannot be read`,
    'Sign in again: run "twg login --force"',
  );
}

class KeyringTimeout extends Error {}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new KeyringTimeout(`no answer within ${ms} ms`)), ms);
  });
  // The timer stays referenced so that it fires; a native call still blocked
  // after it does not keep twg running: main ends the process with its exit code.
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function classify(configDir: string, error: unknown, env: Env): KeyringUnavailableError {
  const message = (error as Error)?.message ?? String(error);
  const fail = (problem: KeyringProblem, detail: string, fix: string) =>
    new KeyringUnavailableError(configDir, problem, detail, fix);
  if (error instanceof KeyringTimeout) {
    return fail(
      "timeout",
      `did not answer (${message}): it may be locked and waiting for an unlock prompt, or hung`,
      "Unlock your keyring (log in to the desktop session), then run the command again",
    );
  }
  if (
    env.os === "linux" &&
    /DBUS_SESSION_BUS_ADDRESS|autolaunch|Failed to connect to socket/i.test(message)
  ) {
    return fail(
      "no-session-bus",
      "cannot be reached: no D-Bus session bus (DBUS_SESSION_BUS_ADDRESS)",
      "Run twg inside your desktop login session; a sandbox must let it reach the session bus " +
        "($XDG_RUNTIME_DIR/bus), which is a different setting from a writable directory",
    );
  }
  if (/org\.freedesktop\.secrets|ServiceUnknown|was not provided by any \.service/i.test(message)) {
    return fail(
      "no-secret-service",
      "cannot be reached: no Secret Service on the session bus",
      "Install and start one (gnome-keyring or KWallet), or use the file backend",
    );
  }
  const firstLine = message.split("\n")[0];
  if (/\blocked\b|unlock prompt/i.test(message)) {
    return fail(
      "locked",
      `is locked (${firstLine})`,
      "Unlock your keyring (log in to the desktop session, or unlock it in Seahorse / Keychain Access), then run the command again",
    );
  }
  if (/Did not receive a reply|NoReply|Timeout/i.test(message)) {
    return fail(
      "timeout",
      `did not answer (${firstLine}): its daemon may be hung or stopped`,
      "Restart the keyring daemon (gnome-keyring-daemon) or unlock the keyring, then run the command again",
    );
  }
  return fail(
    "failed",
    `failed: ${message.split("\n")[0]}`,
    "Check the keyring with your OS's tools, or use the file backend",
  );
}

const legacyAdditionalData = new TextEncoder().encode("twg refresh token v1");

/** The associated data of a v2 seal: configuration directory, issuer and client, unambiguous. */
function boundData(configDir: string, binding: SealBinding): Uint8Array<ArrayBuffer> {
  return new TextEncoder().encode(
    JSON.stringify([
      "twg refresh token v2",
      configDir,
      binding.issuer.replace(/\/+$/, ""),
      binding.clientId,
    ]),
  );
}

/** Seals `token` under `key`, bound to `configDir` and `binding`: `twg-keyring:v2:<iv>:<ciphertext>`. */
export async function sealToken(
  key: CryptoKey,
  token: string,
  configDir: string,
  binding: SealBinding,
): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const sealed = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: boundData(configDir, binding) },
    key,
    new TextEncoder().encode(token),
  );
  return `${sealedPrefix}${base64(iv)}:${base64(new Uint8Array(sealed))}`;
}

/**
 * The token inside a sealed value; throws when it was sealed under another
 * key, for another sign-in (v2), or altered.
 */
export async function unsealToken(
  key: CryptoKey,
  sealed: string,
  configDir: string,
  binding: SealBinding,
): Promise<string> {
  const isLegacy = sealed.startsWith(legacySealedPrefix);
  if (!isLegacy && !sealed.startsWith(sealedPrefix)) throw new Error("not a sealed refresh token");
  const [iv, data] = sealed.slice(sealedPrefix.length).split(":");
  const plain = await crypto.subtle.decrypt(
    {
      name: "AES-GCM",
      iv: unbase64(iv ?? ""),
      additionalData: isLegacy ? legacyAdditionalData : boundData(configDir, binding),
    },
    key,
    unbase64(data ?? ""),
  );
  return new TextDecoder().decode(plain);
}

/**
 * The plaintext refresh token of a stored value: itself for the file
 * backend, unsealed with the keyring's key for the keyring backend.
 */
export async function plainRefreshToken(
  env: Env,
  configDir: string,
  stored: string,
  binding: SealBinding,
  knownKey?: CryptoKey,
): Promise<string> {
  if (backendOf(stored) === "file") return stored;
  const key = knownKey ?? await readKeyOrFail(env, configDir);
  try {
    return await unsealToken(key, stored, configDir, binding);
  } catch {
    throw new KeyringUnavailableError(
      configDir,
      "key-wrong",
      `key "${keyringAccount(configDir)}" does not open the stored refresh token ` +
        "(sealed under another key, or for another issuer or client)",
      'Sign in again: run "twg login --force"',
    );
  }
}

function importKey(encoded: string): Promise<CryptoKey> {
  const raw = unbase64(encoded);
  if (raw.length !== 32) return Promise.reject(new Error("not a 256-bit key"));
  return crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
}

function base64(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function unbase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** The refresh token to send, and how to store the one that replaces it. */
export interface RefreshTokenToSend {
  plain: string;
  /** Seals the new refresh token for `auth.conf` when the keyring backend is active. */
  sealNext<T extends { refreshToken: string | null }>(next: T, received: string | null): Promise<T>;
}

/**
 * Everything the refresh needs from the keyring, proven before the token is
 * sent: the addon loads, the service answers, the key item reads and opens
 * the stored token. The save then needs nothing more from the keyring (the
 * same key seals the new token), so nothing can fail there after the send.
 */
export async function refreshTokenToSend(
  env: Env,
  configDir: string,
  stored: string,
  binding: SealBinding,
): Promise<RefreshTokenToSend> {
  if (backendOf(stored) === "file") {
    return { plain: stored, sealNext: (next) => Promise.resolve(next) };
  }
  const key = await readKeyOrFail(env, configDir);
  const plain = await plainRefreshToken(env, configDir, stored, binding, key);
  return {
    plain,
    async sealNext(next, received) {
      // No new refresh token in the answer: the stored one is kept, sealed
      // again when it was sealed the old way (v1 becomes v2 here).
      const token = received ?? (stored.startsWith(legacySealedPrefix) ? plain : null);
      if (token === null) return next;
      return { ...next, refreshToken: await sealToken(key, token, configDir, binding) };
    },
  };
}
