/**
 * A twg on a pseudo-terminal (util-linux `script`), as a person runs it: what
 * it has shown, typing, and its end. Shared by the terminal tests.
 *
 * @module
 */
import { type Home, shellQuote, twgArgv } from "./_twg.ts";

/** A program on a pseudo-terminal: what it has shown so far, typing, and its end. */
export interface TerminalSession {
  /** Reads until `pattern` is on the screen (or the program ends); returns the match. */
  waitFor(pattern: RegExp): Promise<RegExpMatchArray>;
  type(text: string): Promise<void>;
  /** Waits for the end; the exit code and the whole screen. */
  finish(): Promise<{ code: number; screen: string }>;
  screen(): string;
}

/** Starts `args` of twg on a pseudo-terminal in `home`. */
export function twgInTerminal(home: Home, args: string[]): TerminalSession {
  // exec: twg itself, not a shell waiting for it, is the terminal's foreground
  // process, so a Ctrl-C the terminal turns into SIGINT reaches only twg.
  const child = new Deno.Command("script", {
    args: ["-qec", `exec ${shellQuote([...twgArgv(), ...args])}`, "/dev/null"],
    env: home.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  const reader = child.stdout.getReader();
  const stderrText = new Response(child.stderr).text();
  const decoder = new TextDecoder();
  let screen = "";
  let ended = false;
  const readMore = async () => {
    const { value, done } = await reader.read();
    if (done) ended = true;
    else screen += decoder.decode(value, { stream: true });
  };
  return {
    async waitFor(pattern) {
      for (;;) {
        const match = screen.match(pattern);
        if (match) return match;
        if (ended) throw new Error(`the program ended before ${pattern}:\n${screen}`);
        await readMore();
      }
    },
    async type(text) {
      await writer.write(new TextEncoder().encode(text));
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
