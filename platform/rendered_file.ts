/**
 * A file a scheduler renderer produced, and writing it in its encoding.
 *
 * @module
 */
import type { Env } from "../src/env.ts";

/** A file a renderer produced: where it goes, its text, and how to encode it. */
export interface RenderedFile {
  path: string;
  content: string;
  encoding: "utf-8" | "utf-16le-bom";
}

/**
 * The bytes of a rendered file in its declared encoding.
 *
 * @example
 * ```ts
 * import { encodeRenderedFile } from "./rendered_file.ts";
 *
 * encodeRenderedFile({ path: "t.xml", content: "<a/>", encoding: "utf-16le-bom" });
 * // Uint8Array [0xFF, 0xFE, 0x3C, 0x00, 0x61, 0x00, ...]
 * ```
 */
export function encodeRenderedFile(file: RenderedFile): Uint8Array {
  if (file.encoding === "utf-8") return new TextEncoder().encode(file.content);
  const bytes = new Uint8Array(2 + file.content.length * 2);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xFEFF, true);
  for (let index = 0; index < file.content.length; index++) {
    view.setUint16(2 + index * 2, file.content.charCodeAt(index), true);
  }
  return bytes;
}

/** Writes `file` in its encoding; the directory must exist. */
export async function writeRenderedFile(env: Env, file: RenderedFile): Promise<void> {
  await env.fs.writeFile(file.path, encodeRenderedFile(file), { mode: 0o644 });
}

/** Removes files that may or may not exist. */
export async function removeFiles(env: Env, paths: string[]): Promise<void> {
  for (const path of paths) await env.fs.rm(path, { force: true });
}
