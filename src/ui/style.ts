/**
 * Terminal styling that respects `NO_COLOR` and non-terminal streams.
 *
 * @module
 */
import type { Env, Output } from "../env.ts";
import { terminalSafeLines } from "./terminal_text.ts";

/** Colour helpers bound to one stream. */
export interface Style {
  success(text: string): string;
  warn(text: string): string;
  error(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

/** Whether `output` gets colour: a terminal, no `NO_COLOR` (https://no-color.org), not `TERM=dumb`. */
export function isColorEnabled(env: Env, output: Output): boolean {
  const noColor = env.getVar("NO_COLOR");
  return output.isTerminal && (noColor === undefined || noColor === "") &&
    env.getVar("TERM") !== "dumb";
}

/** Styles for `output`: plain when it is not a terminal or `NO_COLOR` is set (https://no-color.org). */
export function styleFor(env: Env, output: Output): Style {
  const enabled = isColorEnabled(env, output);
  const wrap = (open: number, close: number) => (text: string) =>
    enabled ? `\x1b[${open}m${text}\x1b[${close}m` : text;
  return {
    success: wrap(32, 39),
    warn: wrap(33, 39),
    error: wrap(31, 39),
    dim: wrap(2, 22),
    bold: wrap(1, 22),
  };
}

/** Shows `path` with `~` for the home directory, as the contract asks for messages. */
export function displayPath(path: string, homeDir: string): string {
  if (
    homeDir &&
    (path === homeDir || path.startsWith(homeDir + "/") || path.startsWith(homeDir + "\\"))
  ) {
    return "~" + path.slice(homeDir.length);
  }
  return path;
}

/** Prints a warning line on stderr. */
export function warn(env: Env, message: string): void {
  // Warnings often quote a server's words: they pass the one sanitiser.
  env.stderr.write(`${styleFor(env, env.stderr).warn("!")} ${terminalSafeLines(message)}\n`);
}
