/**
 * A one-line progress indicator on stderr, shown only on a terminal.
 *
 * @module
 */
import type { Env } from "../env.ts";

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A running spinner; `stop` clears its line. */
export interface Spinner {
  update(text: string): void;
  stop(): void;
}

/** Starts a spinner on stderr, or a silent stand-in when stderr is not a terminal. */
export function startSpinner(env: Env, text: string): Spinner {
  if (!env.stderr.isTerminal) return { update() {}, stop() {} };
  let frame = 0;
  let current = text;
  const draw = () => env.stderr.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${current}`);
  draw();
  const timer = setInterval(draw, 100);
  return {
    update(next) {
      current = next;
    },
    stop() {
      clearInterval(timer);
      env.stderr.write("\r\x1b[2K");
    },
  };
}
