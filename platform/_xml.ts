/**
 * XML text for the plist and the task XML.
 *
 * @module
 */

/**
 * Escapes text for XML character data and attribute values (both quote
 * kinds, so it is safe in either): `&`, `<`, `>`, `"` and `'`, the five
 * entities XML 1.0 predefines (§4.6). Everything else, non-ASCII included,
 * stays as it is in a UTF-8 or UTF-16 document.
 *
 * @example
 * ```ts
 * import { escapeXml } from "./_xml.ts";
 *
 * escapeXml(`a<b & "c"`); // "a&lt;b &amp; &quot;c&quot;"
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ENTITIES[char] ?? char);
}

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};
