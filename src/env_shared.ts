/**
 * What `env.ts` and its Node twin `env_node.ts` share: plain code that uses
 * no runtime API, so both builds run it as it is.
 *
 * @module
 */
import type { OsName, TestHooks } from "./env.ts";

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

/**
 * A line being typed: its text so far, whether Enter ended it, and whether
 * Ctrl-D on an empty line ended the input (then the answer is "none").
 */
export interface TypedLine {
  line: string;
  isComplete: boolean;
  isEnd?: boolean;
}

/**
 * Applies typed `text` to `line`: Enter ends it, Backspace deletes, and
 * Ctrl-C, which a terminal in raw mode delivers as a character rather than a
 * signal, aborts. Ctrl-D on an empty line ends the input, as a terminal in
 * canonical mode would; elsewhere it is ignored. Arrow and function keys
 * arrive as escape sequences (ECMA-48: ESC `[` parameters, a final byte in
 * @–~; or ESC `O` and one byte) and other control characters mean nothing
 * in a line: none of them becomes part of the answer.
 */
export function typeInto(line: string, text: string): TypedLine {
  // deno-lint-ignore no-control-regex
  const keys = text.match(/\x1b\[[0-?]*[ -/]*[@-~]|\x1bO.|\x1b.?|[\s\S]/gu) ?? [];
  for (const key of keys) {
    if (key === "\u0003") throw new DOMException("Interrupted", "AbortError");
    if (key === "\r" || key === "\n") return { line, isComplete: true };
    if (key === "\u0004") {
      if (line === "") return { line, isComplete: true, isEnd: true };
      continue;
    }
    if (key === "\u007f" || key === "\b") line = [...line].slice(0, -1).join("");
    // deno-lint-ignore no-control-regex
    else if (!/^[\x00-\x1f\x7f]/.test(key)) line += key;
  }
  return { line, isComplete: false };
}

/**
 * The signals that interrupt twg: every catchable signal that ends a process
 * by default, a closed terminal (HUP) and Ctrl-\ (QUIT) as much as Ctrl-C
 * (issue 11); on Windows, Ctrl-C and Ctrl-Break.
 */
export function interruptSignalNames(
  os: OsName,
): ("SIGINT" | "SIGTERM" | "SIGHUP" | "SIGQUIT" | "SIGBREAK")[] {
  return os === "windows" ? ["SIGINT", "SIGBREAK"] : ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"];
}
