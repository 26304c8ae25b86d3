/**
 * The one sanitiser for text that came from a server (or any file twg did not
 * write) on its way to a terminal.
 *
 * @module
 */

// C0 controls (U+0000–U+001F) and DEL, C1 controls (U+0080–U+009F: U+009B is
// a one-byte CSI), and the Unicode bidirectional formatting characters (the
// embeddings and overrides U+202A–U+202E, the isolates U+2066–U+2069, and the
// marks U+200E, U+200F, U+061C; Unicode Standard Annex #9, "Explicit
// Directional Formatting Characters"). Any of them lets a server rewrite what
// the person reads: "\r\x1b[2K" erases the real URL and prints another in its
// place; an override shows a host name backwards.
const unsafeCharacters =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` with every control and bidi formatting character removed, so that
 * it prints as what it is. Apply it to every server string before it reaches
 * stderr or stdout as human text (never to `--json` documents, whose encoder
 * escapes controls itself, or to `twg api` bodies, which are data).
 *
 * @example
 * ```ts
 * terminalSafe("https://good.example\r\x1b[2Khttps://evil.example"); // "https://good.example[2Khttps://evil.example"
 * ```
 */
export function terminalSafe(text: string): string {
  return text.replace(unsafeCharacters, "");
}

/** {@link terminalSafe} for a message of several lines: line breaks stay. */
export function terminalSafeLines(text: string): string {
  return text.split("\n").map(terminalSafe).join("\n");
}

// twg's own sequences, the only ones let through: the colours of style.ts
// (SGR 1, 2, 22, 31, 32, 33, 39) anywhere, and the spinner's "return, erase
// the line" (spinner.ts) at the start of a write.
// deno-lint-ignore no-control-regex -- matching twg's own escape sequences is the point
const ownColour = /(\x1b\[(?:1|2|22|31|32|33|39)m)/;
const spinnerPrefix = "\r\x1b[2K";
// As unsafeCharacters, but tab and newline are layout.
const unsafeExceptLayout =
  // deno-lint-ignore no-control-regex -- matching control characters is the point
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/**
 * `text` as twg may write it: every control and bidi formatting character
 * removed except newline, tab and twg's own styling (see ownColour).
 *
 * @example
 * ```ts
 * terminalSafeOutputText("Site \x1b]8;;https://evil\x07name\n"); // "Site ]8;;https://evilname\n"
 * ```
 */
export function terminalSafeOutputText(text: string): string {
  const prefix = text.startsWith(spinnerPrefix) ? spinnerPrefix : "";
  return prefix + text.slice(prefix.length).split(ownColour)
    .map((part, index) => index % 2 === 1 ? part : part.replace(unsafeExceptLayout, ""))
    .join("");
}

/**
 * The one sanitiser at the one place output is written: `write` passes
 * {@link terminalSafeOutputText} first. `runCli` wraps stdout and stderr of
 * every command this way, except the stdout of the commands whose output is
 * data (`api` bodies, `auth token`), which must stay byte for byte.
 */
export function terminalSafeOutput<T extends { write(text: string): void }>(output: T): T {
  return Object.create(output, {
    write: { value: (text: string) => output.write(terminalSafeOutputText(text)) },
  });
}
