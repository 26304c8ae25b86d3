/**
 * What a person (or their agent) reads when the credential store cannot be
 * updated: what failed, that nothing was sent, and the exact sandbox setting
 * for the agent detected, with this machine's real path.
 *
 * @module
 */
import { readCodexConfigToml } from "../agents/codex_config.ts";
import { detectAgentFromEnv } from "../agents/detect.ts";
import { sandboxGuidance } from "../agents/guidance.ts";
import type { StoreNotWritableError } from "../credentials/preflight.ts";
import type { Env } from "../env.ts";

/** The guidance lines printed after the error message (each line ends with a newline). */
export async function storeNotWritableGuidance(
  env: Env,
  error: StoreNotWritableError,
): Promise<string> {
  const agent = await detectAgentFromEnv(env);
  const codexConfigToml = agent === "codex" ? await readCodexConfigToml(env) : null;
  return "No request was sent to the token endpoint: a rotated refresh token that cannot be saved would be lost.\n" +
    sandboxGuidance({
      agent,
      configDir: error.configDir,
      homeDir: env.homeDir,
      os: env.os,
      codexConfigToml,
      getVar: env.getVar,
    });
}
