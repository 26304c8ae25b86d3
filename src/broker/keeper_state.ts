/**
 * What keeps a sandbox's access token fresh, as `auth status`, `doctor` and
 * `upkeep status` report it: the token keeper's socket (running or not,
 * asked with the protocol's `status` op, which reads no credential and
 * sends nothing) and the access-token file (present, valid until when).
 * Offline: no request leaves the host.
 *
 * @module
 */
import type { BrokerState } from "../handoff/client.ts";
import type { ConfigPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { readAccessTokenFile } from "../handoff/access_token_file.ts";

/** The access-token file as reported (never its token). */
export interface TokenFileState {
  path: string;
  expiresAt: string;
  valid: boolean;
}

/** The keepers a sandbox can rely on. */
export interface KeeperState {
  broker: BrokerState;
  /** Null when there is no usable file. */
  tokenFile: TokenFileState | null;
}

/** Reads both, offline. */
export async function readKeeperState(env: Env, paths: ConfigPaths): Promise<KeeperState> {
  const { brokerState } = await import("../handoff/client.ts");
  const [broker, document] = await Promise.all([
    brokerState(env),
    readAccessTokenFile(env, paths).catch(() => null),
  ]);
  return {
    broker,
    tokenFile: document
      ? {
        path: paths.accessTokenFile,
        expiresAt: document.expiresAt,
        valid: Date.parse(document.expiresAt) > env.now(),
      }
      : null,
  };
}

/** One line for people: the keeper and the file. */
export function describeKeeper(state: KeeperState): string {
  const broker = state.broker.running
    ? `keeper running at ${state.broker.socket}`
    : "no keeper running (twg auth serve)";
  const file = state.tokenFile
    ? `access-token file ${
      state.tokenFile.valid ? "valid until" : "expired at"
    } ${state.tokenFile.expiresAt}`
    : "no access-token file";
  return `${broker}; ${file}`;
}
