/**
 * What `env.ts` and its Node twin `env_node.ts` share: plain code that uses
 * no runtime API, so both builds run it as it is.
 *
 * @module
 */
import type { TestHooks } from "./env.ts";

/**
 * The test hooks set by `TWG_TEST_REFRESH_IN_PROCESS=1` and
 * `TWG_TEST_PAUSE_AFTER_LOCK_MS=<ms>` (the kill, takeover and benchmark
 * trials start real twg processes, which can only be told through their
 * environment); read once, here, so that product code never reads them.
 */
export function testHooksFrom(getVar: (name: string) => string | undefined): TestHooks {
  const pauseAfterLockMs = Number(getVar("TWG_TEST_PAUSE_AFTER_LOCK_MS"));
  return {
    ...(getVar("TWG_TEST_REFRESH_IN_PROCESS") === "1" ? { refreshInProcess: true } : {}),
    ...(pauseAfterLockMs > 0 ? { pauseAfterLockMs } : {}),
  };
}

/** Waits `ms`, or rejects with the signal's reason as soon as it aborts. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** A line being typed: its text so far, and whether Enter ended it. */
export interface TypedLine {
  line: string;
  isComplete: boolean;
}

/**
 * Applies typed `text` to `line`: Enter ends it, Backspace deletes, and
 * Ctrl-C, which a terminal in raw mode delivers as a character rather than a
 * signal, aborts.
 */
export function typeInto(line: string, text: string): TypedLine {
  for (const char of text) {
    if (char === "\u0003") throw new DOMException("Interrupted", "AbortError");
    if (char === "\r" || char === "\n") return { line, isComplete: true };
    if (char === "\u007f" || char === "\b") line = line.slice(0, -1);
    else line += char;
  }
  return { line, isComplete: false };
}
