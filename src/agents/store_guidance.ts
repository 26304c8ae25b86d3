/**
 * What a person (or their agent) reads when the credential store cannot be
 * updated: what failed, that nothing was sent, and the exact sandbox setting
 * for the agent detected, with this machine's real path. Reads the agents'
 * own config files to pick the form; never writes to them.
 *
 * @module
 */
import { readClaudeSandboxSettings } from "./claude_settings.ts";
import { readCodexLayers } from "./codex_config.ts";
import { detectAgentInfoFromEnv, editorTerminal } from "./detect.ts";
import { sandboxGuidance, type SandboxGuidanceOptions } from "./guidance.ts";
import type { StoreNotWritableError } from "../credentials/preflight.ts";
import { KeyringUnavailableError } from "../credentials/keyring.ts";
import type { Env } from "../env.ts";
import { brokerSocketPath, brokerSocketVariable, configPaths } from "../config/paths.ts";

/** The options of {@link sandboxGuidance} for this environment and config dir. */
export async function guidanceOptions(
  env: Env,
  configDir: string,
): Promise<SandboxGuidanceOptions> {
  const agent = await detectAgentInfoFromEnv(env);
  return {
    agent: agent?.id ?? null,
    agentDeclared: agent?.declared ?? null,
    agentVersion: agent?.version ?? null,
    alongside: agent?.alongside ?? null,
    rule: agent?.rule ?? null,
    editorTerminal: agent ? null : editorTerminal(env.getVar),
    configDir,
    tokenFile: configPaths(env).accessTokenFile,
    brokerSocket: brokerSocketOf(env),
    homeDir: env.homeDir,
    os: env.os,
    getVar: env.getVar,
    codexLayers: agent?.id === "codex" ? await readCodexLayers(env) : [],
    claudeSettings: agent?.id === "claude-code"
      ? await readClaudeSandboxSettings(env, configDir, [])
      : null,
  };
}

/**
 * The token keeper's socket (`brokerSocketPath`, src/config/paths.ts);
 * `null` on Windows unless named, so the advice never points at a Unix
 * socket path there.
 */
function brokerSocketOf(env: Env): string | null {
  if (env.os === "windows" && !env.getVar(brokerSocketVariable)) return null;
  return brokerSocketPath(env);
}

/** The guidance lines printed after the error message (each line ends with a newline). */
export async function storeNotWritableGuidance(
  env: Env,
  error: StoreNotWritableError,
): Promise<string> {
  if (error instanceof KeyringUnavailableError) {
    // Not a directory to make writable: the keyring itself (or the way to it) is missing.
    return "No request was sent to the token endpoint: the sealed refresh token needs the OS keyring's key.\n" +
      `${error.fix}.\n`;
  }
  const lost =
    "No request was sent to the token endpoint: a rotated refresh token that cannot be saved would be lost.\n";
  const options = await guidanceOptions(env, error.configDir);
  // twg's own permission flags refused the write and no agent runs it: the
  // flag is the likeliest fix, named first (issue 25, item 6); the general
  // answer follows for the sandbox that may also be there.
  const flag = error.permissionFlag && options.agent === null
    ? `twg's own permissions refuse the write: add ${error.permissionFlag} to the flags ` +
      `that start twg (the README's "deno install" line names ~/.config/twg).\n`
    : "";
  return lost + flag + sandboxGuidance(options);
}
