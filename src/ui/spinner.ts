/**
 * A one-line progress indicator on stderr, shown only on a terminal.
 *
 * @module
 */
import type { Env } from "../env.ts";

const frames = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

/** A running spinner; `stop` clears its line. */
export interface Spinner {
  /** New text; a function is asked again at every frame (a live countdown). */
  update(text: string | (() => string)): void;
  stop(): void;
}

/** Starts a spinner on stderr, or a silent stand-in when stderr is not a terminal. */
export function startSpinner(env: Env, text: string): Spinner {
  if (!env.stderr.isTerminal) return { update() {}, stop() {} };
  let frame = 0;
  let current: string | (() => string) = text;
  const draw = () => {
    const shown = typeof current === "function" ? current() : current;
    env.stderr.write(`\r\x1b[2K${frames[frame++ % frames.length]} ${shown}`);
  };
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
