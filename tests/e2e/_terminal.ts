/**
 * twg on a pseudo-terminal of a given size (util-linux `script`, with `stty`
 * setting the width before twg starts), for the width-sensitive screens:
 * the login spinner, prompts, help.
 *
 * @module
 */
import { type Home, shellQuote, twgArgv } from "./_twg.ts";

/** A program on a pseudo-terminal: what it has shown so far, typing, and its end. */
export interface SizedTerminal {
  /** Reads until `pattern` is on the screen (or the program ends); returns the match. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  type(text: string): Promise<void>;
  /** Keeps reading what the program shows for `ms` milliseconds. */
  watch(ms: number): Promise<void>;
  /**
   * Reads until the program ends by itself, its stdin still open. After a
   * last key, call this before {@link finish}: closing stdin makes the
   * terminal hang up, a second signal that may end twg before it has said
   * what the key did.
   */
  waitForEnd(): Promise<void>;
  /** Closes stdin and waits for the end; the exit code and the whole screen. */
  finish(): Promise<{ code: number; screen: string }>;
  screen(): string;
}

/** Starts `twg args…` in `home` on a terminal `columns` wide. */
export function twgOnTerminal(
  home: Home,
  args: string[],
  options: { columns: number; env?: Record<string, string>; timeoutMs?: number },
): SizedTerminal {
  // exec: twg itself is the terminal's foreground process, so a Ctrl-C the
  // terminal turns into SIGINT reaches only twg.
  const command = `stty cols ${options.columns} rows 40; exec ${
    shellQuote([...twgArgv(), ...args])
  }`;
  const child = new Deno.Command("script", {
    args: ["-qec", command, "/dev/null"],
    env: { ...home.env, ...options.env },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // A screen that never comes (a prompt nobody answers) fails the test
  // instead of hanging the suite: the terminal is killed, and waitFor then
  // reports what was on the screen.
  let timedOut = false;
  const deadline = setTimeout(() => {
    timedOut = true;
    try {
      child.kill("SIGKILL");
    } catch { /* already ended */ }
  }, options.timeoutMs ?? 90_000);
  child.status.finally(() => clearTimeout(deadline));
  const writer = child.stdin.getWriter();
  const reader = child.stdout.getReader();
  const stderrText = new Response(child.stderr).text();
  const decoder = new TextDecoder();
  let screen = "";
  let ended = false;
  // One read at a time; `watch` may stop waiting for it, the next call continues it.
  let pending: Promise<void> | null = null;
  const readMore = () => {
    pending ??= reader.read().then(({ value, done }) => {
      pending = null;
      if (done) ended = true;
      else screen += decoder.decode(value, { stream: true });
    });
    return pending;
  };
  return {
    async waitFor(pattern) {
      for (;;) {
        const match = screen.match(pattern);
        if (match) return match;
        if (ended) {
          throw new Error(
            `the program ${timedOut ? "timed out" : "ended"} before ${pattern}:\n${screen}`,
          );
        }
        await readMore();
      }
    },
    async watch(ms) {
      const deadline = Date.now() + ms;
      while (!ended && Date.now() < deadline) {
        let timer: ReturnType<typeof setTimeout> | undefined;
        await Promise.race([
          readMore(),
          new Promise((resolve) => timer = setTimeout(resolve, deadline - Date.now())),
        ]);
        clearTimeout(timer);
      }
    },
    async type(text) {
      await writer.write(new TextEncoder().encode(text));
    },
    async waitForEnd() {
      while (!ended) await readMore();
    },
    async finish() {
      await writer.close().catch(() => {});
      while (!ended) await readMore();
      const status = await child.status;
      await stderrText;
      return { code: status.code, screen };
    },
    screen: () => screen,
  };
}

/**
 * What a terminal `columns` wide shows after `output` (carriage returns,
 * erase-line and line feeds applied; a line longer than the width wraps),
 * as its lines: enough to count the lines a program leaves on the screen.
 */
export function renderScreen(output: string, columns: number): string[] {
  const lines: string[] = [""];
  let column = 0;
  // deno-lint-ignore no-control-regex
  const tokens = output.match(/\x1b\[[0-9;?]*[A-Za-z]|\r\n|[\s\S]/g) ?? [];
  for (const token of tokens) {
    const row = lines.length - 1;
    if (token === "\r\n" || token === "\n") {
      lines.push("");
      column = 0;
    } else if (token === "\r") column = 0;
    else if (token === "\x1b[2K") lines[row] = "";
    else if (token.startsWith("\x1b")) continue;
    else {
      if (column >= columns) {
        lines.push("");
        column = 0;
      }
      const current = lines[lines.length - 1]!;
      lines[lines.length - 1] = current.slice(0, column) + token + current.slice(column + 1);
      column++;
    }
  }
  return lines;
}
