/**
 * The detail of `doctor`'s `agent` check: the agent detected and, when the
 * config dir cannot be written, the one-line fix for that agent.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { guidanceOptions } from "./store_guidance.ts";
import { AGENT_NAMES, oneLineFix } from "./guidance.ts";

/**
 * `"none detected"`, `"codex"`, `"other (declared as my-bot)"`, or, when the
 * store is not writable, `"claude-code; to let it write …: /add-dir …"`.
 */
export async function agentCheckDetail(
  env: Env,
  configDir: string,
  storeWritable: boolean,
): Promise<string> {
  const options = await guidanceOptions(env, configDir);
  if (options.agent === null) {
    return options.editorTerminal
      ? `none detected (a terminal of ${AGENT_NAMES[options.editorTerminal]}; no agent's marker)`
      : "none detected";
  }
  const declared = options.agentDeclared;
  const name = declared ? `${options.agent} (declared as ${declared})` : options.agent;
  return storeWritable ? name : `${name}; to let it write ${configDir}: ${oneLineFix(options)}`;
}
