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
