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
    const text = typeof current === "function" ? current() : current;
    // "\r" returns to the start of the last screen line only: a line wider
    // than the terminal wraps, and every frame would add a line, scrolling
    // the one-time code away. The width is asked each frame (a resize).
    const shown = fitToWidth(text, (env.stderr.columns?.() ?? 80) - 3);
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

/**
 * `text` cut to `width` characters with an ellipsis. Counts code points:
 * the spinner's texts are plain, with no wide (East Asian) characters.
 */
export function fitToWidth(text: string, width: number): string {
  const chars = [...text];
  if (chars.length <= width) return text;
  if (width <= 1) return "";
  // A closing "(…)" is the live part (the countdown): the cut goes before it.
  const suffix = /( \([^()]*\))$/.exec(text)?.[1];
  if (suffix && [...suffix].length + 10 <= width) {
    const head = chars.slice(0, chars.length - [...suffix].length);
    return `${head.slice(0, width - [...suffix].length - 1).join("")}…${suffix}`;
  }
  return `${chars.slice(0, width - 1).join("")}…`;
}
