/**
 * A file a scheduler renderer produced, and writing it in its encoding.
 *
 * @module
 */
// Upward imports kept from the merge of issue 16 (ownership checks): the
// atomic write and the ownership check live in src/; moving them to a
// floor below platform/ is what is left to make platform/ a floor again.
import { assertOwnedByUser } from "../src/config/ownership.ts";
import { writeFileAtomic } from "../src/credentials/atomic_write.ts";
import type { Env } from "../src/env.ts";
import { parentDir } from "../src/lean_path.ts";

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
 * Writes `file` in its encoding; the directory must exist and be this
 * user's own. Replaced through a temporary file and a rename, so a symlink at
 * its name is replaced, never followed.
 */
export async function writeRenderedFile(env: Env, file: RenderedFile): Promise<void> {
  await assertOwnedByUser(env, parentDir(file.path), "directory", { allowGroupWrite: true });
  await writeFileAtomic(env, file.path, encodeRenderedFile(file), 0o644);
}

/** Removes files that may or may not exist. */
export async function removeFiles(env: Env, paths: string[]): Promise<void> {
  for (const path of paths) await env.fs.rm(path, { force: true });
}
