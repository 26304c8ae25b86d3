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

/** Reads `path`, or stdin for `-`, as `@file` arguments and `--input` do. */
export async function readUserFile(env: Env, path: string): Promise<string> {
  if (path === "-") return await env.readStdin();
  try {
    return await env.fs.readFile(path, "utf8");
  } catch (error) {
    throw new TwgError(`Cannot read "${path}": ${(error as Error).message}`);
  }
}

/** The parameters of `-f` (strings) and `-F` (typed), later ones winning as in gh. */
export async function parseFields(
  env: Env,
  rawFields: string[],
  typedFields: string[],
): Promise<Record<string, unknown>> {
  const params: Record<string, unknown> = {};
  for (const field of rawFields) {
    const [key, value] = splitField(field);
    params[key] = value;
  }
  for (const field of typedFields) {
    const [key, value] = splitField(field);
    params[key] = await typedValue(env, value);
  }
  return params;
}

function splitField(field: string): [string, string] {
  const equals = field.indexOf("=");
  if (equals <= 0) {
    throw new UsageError(`Field "${field}" needs a value: expected "key=value"`);
  }
  return [field.slice(0, equals), field.slice(equals + 1)];
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

/** `url` with `params` added to its query string (`-X GET` with fields, or `--input`). */
export function withQuery(url: URL, params: Record<string, unknown>): URL {
  const next = new URL(url);
  for (const [key, value] of Object.entries(params)) {
    next.searchParams.append(key, value === null ? "" : String(value));
  }
  return next;
}
