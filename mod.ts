/**
 * twg as a library: the same engine the CLI uses, for tools that want a valid
 * access token without spawning `twg auth token`.
 *
 * @example
 * ```ts ignore
 * import { configPaths, createProcessEnv, refreshIfDue } from "@twg/cli";
 *
 * const env = createProcessEnv();
 * const { tokens } = await refreshIfDue(env, configPaths(env));
 * // tokens.accessToken is valid; a due refresh happened under the lock.
 * ```
 *
 * @module
 */
export { runCli } from "./src/main.ts";
export { createProcessEnv } from "./src/env_deno.ts";
export type { Env, FileSystem, OsName, Output, RunOptions, RunResult } from "./src/env.ts";
export { brokerSocketPath, configDir, type ConfigPaths, configPaths } from "./src/config/paths.ts";
export { refreshIfDue, type RefreshOptions, type RefreshResult } from "./src/auth/refresh.ts";
export { readCredentials } from "./src/credentials/store.ts";
export type { Credentials, OAuthTokens, Site, User } from "./src/credentials/auth_conf.ts";
export { isRefreshDue, refreshDueAtMs } from "./src/credentials/auth_conf.ts";
export { StoreNotWritableError } from "./src/credentials/preflight.ts";
export {
  AuthExpiredError,
  AuthRequiredError,
  ExitCode,
  NetworkError,
  TwgError,
  UsageError,
} from "./src/errors.ts";
export { type AgentId, detectAgent } from "./src/agents/detect.ts";
export { sandboxGuidance } from "./src/agents/guidance.ts";
export { version } from "./src/version.ts";
