/**
 * A question on the terminal that answers Ctrl-C and Ctrl-D: Ctrl-C (a
 * SIGINT in canonical mode, a character in raw mode) rejects with an abort
 * error, which `src/main.ts` reports ("Interrupted; nothing was saved",
 * exit 130); Ctrl-D on an empty line is `null`, "no answer", for the caller
 * to say what that keeps.
 *
 * @module
 */
import type { Env } from "../env.ts";

/** `env.readLine(prompt)`, rejected with the interrupt's reason as soon as Ctrl-C arrives. */
export function askLine(
  env: Env,
  prompt: string,
  options: { hidden?: boolean } = {},
): Promise<string | null> {
  const signal = env.interrupt;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      // The line being typed is abandoned: the next output starts on its own line.
      env.stderr.write("\n");
      reject(signal.reason);
    };
    signal.addEventListener("abort", onAbort, { once: true });
    env.readLine(prompt, options).then(async (answer) => {
      // Ctrl-C in canonical mode also ends the read (as an empty end of
      // input) and the SIGINT may be handled a moment later: an end of input
      // is taken as Ctrl-D only once no interrupt followed it.
      if (answer === null) await env.sleep(100, signal).catch(() => {});
      if (signal.aborted) return;
      // Ctrl-D ends the input without the newline Enter would echo: the
      // next output starts on a line of its own (a hidden prompt's read
      // writes one itself).
      if (answer === null && !options.hidden) env.stderr.write("\n");
      resolve(answer);
    }, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * A yes/no question: `y`/`yes` is true, `n`/`no`/Enter (`defaultYes` false)
 * false, Ctrl-D false; anything else asks again, saying what is expected.
 */
export async function askYesNo(env: Env, question: string): Promise<boolean> {
  for (;;) {
    const answer = await askLine(env, `${question} [y/N] `);
    if (answer === null) return false;
    const word = answer.trim().toLowerCase();
    if (word === "y" || word === "yes") return true;
    if (word === "" || word === "n" || word === "no") return false;
    env.stderr.write('Please answer "y" or "n".\n');
  }
}
