/**
 * The door is the only way in: no module of `src/` but
 * `src/credentials/sign_in_door.ts` writes, renames or removes `auth.conf`.
 *
 * @module
 */
import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

const door = "src/credentials/sign_in_door.ts";
/** Defines the unlocked save used to seed tests; product code never calls it. */
const seeding = "src/credentials/store.ts";

const changingCalls = [
  "rename",
  "renameSync",
  "rm",
  "unlink",
  "writeFile",
  "writeFileAtomic",
  "writeAtomically",
  "moveAside",
  "prepareWrite",
  "prepareReservedWrite",
  "link",
  "openSync",
  "open",
];

/** The argument text of every call of `name(` in `source`, parentheses balanced. */
function callArguments(source: string, name: string): string[] {
  const found = [];
  const pattern = new RegExp(`\\b${name}\\s*\\(`, "g");
  for (const match of source.matchAll(pattern)) {
    let depth = 1;
    let end = match.index + match[0].length;
    while (end < source.length && depth > 0) {
      if (source[end] === "(") depth++;
      if (source[end] === ")") depth--;
      end++;
    }
    found.push(source.slice(match.index + match[0].length, end - 1));
  }
  return found;
}

/** Where `source` changes `auth.conf` by one of the calls above, or saves credentials. */
export function authConfChanges(source: string): string[] {
  const changes = [];
  for (const name of changingCalls) {
    for (const args of callArguments(source, name)) {
      const first = args.split(",")[0] ?? "";
      // The target is named by the store's path (`paths.authConf`, `store.authConf`)
      // or by the file name itself.
      if (/authConf\b|auth\.conf["'`]/.test(first) || /,\s*[\w.]*authConf\b/.test(args)) {
        changes.push(`${name}(${args.replace(/\s+/g, " ").slice(0, 80)})`);
      }
    }
  }
  for (const args of callArguments(source, "saveCredentials")) {
    changes.push(`saveCredentials(${args})`);
  }
  return changes;
}

async function sourceFiles(dir: string): Promise<string[]> {
  const files = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...await sourceFiles(path));
    else if (path.endsWith(".ts")) files.push(path);
  }
  return files;
}

Deno.test("no module but the door writes, renames or removes auth.conf", async () => {
  const offenders: string[] = [];
  for (const file of await sourceFiles("src")) {
    if (file === door) continue;
    let source = await readFile(file, "utf8");
    if (file === seeding) {
      source = source.replace(/export async function saveCredentials[^]*?\n}\n/, "");
    }
    for (const change of authConfChanges(source)) offenders.push(`${file}: ${change}`);
  }
  assert.deepEqual(offenders, []);
});

Deno.test("the door itself is found by the same scan (the scan can fail)", async () => {
  const changes = authConfChanges(await readFile(door, "utf8"));
  assert.deepEqual(changes.sort(), [
    "moveAside(env, store.authConf)",
    "prepareReservedWrite(env, store.authConf, authConfMode, bytes)",
    "rename(best.path, store.authConf)",
    "rm(store.authConf, { force: true })",
    "writeAtomically(env, store.authConf, content)",
  ]);
  // What the commands did before the door: a save of their own under the lock.
  assert.deepEqual(
    authConfChanges(
      `await saveCredentials(env, paths.authConf, { ...current, site });\n` +
        `await env.fs.rm(paths.authConf, { force: true });`,
    ),
    [
      "rm(paths.authConf, { force: true })",
      "saveCredentials(env, paths.authConf, { ...current, site })",
    ],
  );
});
