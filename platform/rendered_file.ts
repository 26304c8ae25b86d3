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

/**
 * Writes `file` in its encoding; the directory must exist, and the caller has
 * checked that it is this user's own (`src/upkeep/schedule.ts`). The bytes go
 * to a new temporary file (`wx`: never an existing name, never through a
 * link) that is renamed over the name, so a symlink planted there is
 * replaced, never followed.
 */
export async function writeRenderedFile(env: Env, file: RenderedFile): Promise<void> {
  const temp = `${file.path}.tmp-${env.pid}-${Math.random().toString(36).slice(2, 10)}`;
  try {
    await env.fs.writeFile(temp, encodeRenderedFile(file), { mode: 0o644, flag: "wx" });
    await env.fs.rename(temp, file.path);
  } catch (error) {
    await env.fs.rm(temp, { force: true }).catch(() => {});
    throw error;
  }
}

/** Removes files that may or may not exist. */
export async function removeFiles(env: Env, paths: string[]): Promise<void> {
  for (const path of paths) await env.fs.rm(path, { force: true });
}
