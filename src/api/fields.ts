/**
 * `twg api`'s request parameters, with `gh api`'s meanings (cli/cli
 * `pkg/cmd/api/api.go`, `parseFields` and `magicFieldValue`): `-f key=value`
 * is a string; `-F key=value` is typed: `true`, `false`, `null` and integers
 * become JSON values, `@file` reads the value from a file (`@-`: stdin).
 *
 * @module
 */
import type { Env } from "../env.ts";
import { TwgError, UsageError } from "../errors.ts";
import { fsErrorText } from "../ui/fs_error_text.ts";

/** Reads `path`, or stdin for `-`, as `@file` arguments and `--input` do. */
export async function readUserFile(env: Env, path: string): Promise<string> {
  if (path === "-") return await env.readStdin();
  try {
    return await env.fs.readFile(path, "utf8");
  } catch (error) {
    throw new TwgError(`Cannot read "${path}": ${fsErrorText(error)}`);
  }
}

/**
 * The parameters of `-f` (strings) and `-F` (typed), with gh's nested keys:
 * `key[sub]=v` builds an object, `key[]=v` appends to an array, `key[]`
 * alone is an empty array, and `key[][sub]=v` fills the array's last object
 * until `sub` repeats (cli/cli `pkg/cmd/api/fields.go`, `parseFields`,
 * `addParamsSlice`; `gh api --help`: "To pass nested parameters in the
 * request payload, use key[subkey]=value"). `-f` fields come first, then
 * `-F`, as in gh; a plain key given twice keeps the later value.
 */
export async function parseFields(
  env: Env,
  rawFields: string[],
  typedFields: string[],
): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = {};
  for (const field of rawFields) {
    const { path, value } = splitField(field);
    placeField(params, path, value ?? undefined, field);
  }
  for (const field of typedFields) {
    const { path, value } = splitField(field);
    placeField(params, path, value === null ? undefined : await typedValue(env, value), field);
  }
  return params;
}

/** A field's key split into its bracket path (`a[b][]` → `["a", "b", ""]`) and its value. */
function splitField(field: string): { path: string[]; value: string | null } {
  const equals = field.indexOf("=");
  const key = equals < 0 ? field : field.slice(0, equals);
  const match = /^([^[\]]+)((?:\[[^[\]]*\])*)$/.exec(key);
  if (!match || equals === 0) {
    throw new UsageError(
      `Field "${field}" has an invalid key: expected "key=value", "key[sub]=value" or "key[]=value"`,
    );
  }
  const path = [match[1]!, ...[...(match[2] ?? "").matchAll(/\[([^[\]]*)\]/g)].map((m) => m[1]!)];
  if (path.some((name, index) => name === "" && path[index + 1] === "")) {
    throw new UsageError(
      `Field "${field}" has an array of arrays, which twg (like gh) cannot build`,
    );
  }
  if (equals < 0 && path.at(-1) !== "") {
    throw new UsageError(`Field "${field}" needs a value: expected "key=value"`);
  }
  return { path, value: equals < 0 ? null : field.slice(equals + 1) };
}

/** Puts `value` at `path` inside `params`; no value (`key[]`) is gh's empty array. */
function placeField(
  params: Record<string, unknown>,
  path: string[],
  value: unknown,
  field: string,
): void {
  let target = params;
  for (let index = 0; index < path.length - 1; index++) {
    const name = path[index]!;
    if (name === "") continue;
    const next = path[index + 1]!;
    if (next === "" && index + 1 < path.length - 1) {
      // `key[][sub]`: an array of objects; a new object when `sub` is taken.
      const sub = path[index + 2]!;
      const list = arrayAt(target, name, field);
      const last = list.at(-1);
      if (isPlainObject(last) && !(sub in last && !Array.isArray(last[sub]))) target = last;
      else {
        const fresh: Record<string, unknown> = {};
        list.push(fresh);
        target = fresh;
      }
      index++;
    } else if (next !== "") {
      const existing = target[name];
      if (existing === undefined) target = target[name] = {} as Record<string, unknown>;
      else if (isPlainObject(existing)) target = existing;
      else throw conflict(field, name, "an object");
    }
  }
  const last = path.at(-1)!;
  if (last === "") {
    const name = path.at(-2)!;
    const list = arrayAt(target, name, field);
    if (value !== undefined) list.push(value);
    return;
  }
  target[last] = value;
}

function arrayAt(target: Record<string, unknown>, name: string, field: string): unknown[] {
  const existing = target[name];
  if (existing === undefined) return (target[name] = []) as unknown[];
  if (Array.isArray(existing)) return existing;
  throw conflict(field, name, "an array");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function conflict(field: string, name: string, wanted: string): UsageError {
  return new UsageError(
    `Field "${field}" needs "${name}" to be ${wanted}, but an earlier field made it something else`,
    'Use one shape per key: "key[sub]=v" for objects, "key[]=v" for arrays',
  );
}

async function typedValue(env: Env, value: string): Promise<unknown> {
  if (value.startsWith("@")) return await readUserFile(env, value.slice(1));
  // gh converts integers only (strconv.Atoi), so "1.5" stays a string there too.
  if (/^[-+]?\d+$/.test(value) && Number.isSafeInteger(Number(value))) return Number(value);
  if (value === "true") return true;
  if (value === "false") return false;
  if (value === "null") return null;
  return value;
}

/**
 * `url` with `params` added to its query string (`-X GET` with fields, or
 * `--input`). An array is repeated as `key[]=v`, as gh's `addQuery` does
 * (cli/cli `pkg/cmd/api/http.go`); an object's members become `key[sub]=v`,
 * where gh drops the parent key (its comment: nested subkeys unsupported) and
 * would let `a[x]` and `b[x]` collide.
 */
export function withQuery(url: URL, params: Record<string, unknown>): URL {
  const next = new URL(url);
  const add = (key: string, value: unknown): void => {
    if (Array.isArray(value)) { for (const entry of value) add(`${key}[]`, entry); }
    else if (isPlainObject(value)) {
      for (const [sub, entry] of Object.entries(value)) add(`${key}[${sub}]`, entry);
    } else next.searchParams.append(key, value === null ? "" : String(value));
  };
  for (const [key, value] of Object.entries(params)) add(key, value);
  return next;
}
