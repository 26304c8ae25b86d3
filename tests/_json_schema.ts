/**
 * A small JSON Schema (2020-12) validator for the schemas in `schemas/`:
 * the keywords they use (type, const, enum, required, properties,
 * additionalProperties: false, items, pattern, format date-time, oneOf,
 * $ref to a `$defs` entry or a sibling file) and nothing else, so that a
 * schema using another keyword fails loudly instead of passing silently.
 *
 * @module
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's schema directory. */
export const schemaDir = fileURLToPath(new URL("../schemas/", import.meta.url));

type Schema = Record<string, unknown>;

const known = new Set([
  "$schema",
  "$id",
  "title",
  "description",
  "type",
  "const",
  "enum",
  "required",
  "properties",
  "additionalProperties",
  "items",
  "pattern",
  "format",
  "oneOf",
  "$ref",
  "$defs",
]);

function load(file: string): Schema {
  return JSON.parse(readFileSync(join(schemaDir, file), "utf8"));
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

/** The problems of `value` against `schemaFile` (empty when it is valid). */
export function validate(schemaFile: string, value: unknown): string[] {
  const root = load(schemaFile);
  const problems: string[] = [];
  check(root, root, value, "$", problems);
  return problems;
}

function check(schema: Schema, root: Schema, value: unknown, path: string, problems: string[]) {
  for (const key of Object.keys(schema)) {
    if (!known.has(key)) problems.push(`${path}: the validator does not know "${key}"`);
  }
  if (typeof schema.$ref === "string") {
    const ref = schema.$ref;
    if (ref.startsWith("#/$defs/")) {
      const defs = root.$defs as Record<string, Schema>;
      check(defs[ref.slice(8)]!, root, value, path, problems);
    } else {
      const other = load(ref);
      check(other, other, value, path, problems);
    }
  }
  if (schema.type !== undefined) {
    const types = Array.isArray(schema.type) ? schema.type : [schema.type];
    const actual = typeOf(value);
    if (!types.includes(actual) && !(actual === "integer" && types.includes("number"))) {
      problems.push(`${path}: ${actual}, expected ${types.join(" or ")}`);
      return;
    }
  }
  if ("const" in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    problems.push(`${path}: ${JSON.stringify(value)}, expected ${JSON.stringify(schema.const)}`);
  }
  if (Array.isArray(schema.enum) && !schema.enum.some((item) => item === value)) {
    problems.push(`${path}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if (typeof value === "string") {
    if (typeof schema.pattern === "string" && !new RegExp(schema.pattern).test(value)) {
      problems.push(`${path}: "${value}" does not match ${schema.pattern}`);
    }
    if (schema.format === "date-time" && Number.isNaN(Date.parse(value))) {
      problems.push(`${path}: "${value}" is not a date-time`);
    }
  }
  if (value && typeof value === "object" && !Array.isArray(value)) {
    const object = value as Record<string, unknown>;
    for (const name of (schema.required as string[] | undefined) ?? []) {
      if (!(name in object)) problems.push(`${path}: "${name}" is missing`);
    }
    const properties = (schema.properties as Record<string, Schema> | undefined) ?? {};
    for (const [name, item] of Object.entries(object)) {
      if (properties[name]) check(properties[name], root, item, `${path}.${name}`, problems);
      else if (schema.additionalProperties === false) {
        problems.push(`${path}: "${name}" is not in the schema`);
      }
    }
  }
  if (Array.isArray(value) && schema.items) {
    value.forEach((item, index) =>
      check(schema.items as Schema, root, item, `${path}[${index}]`, problems)
    );
  }
  if (Array.isArray(schema.oneOf)) {
    const matching = schema.oneOf.filter((option) => {
      const found: string[] = [];
      check(option as Schema, root, value, path, found);
      return found.length === 0;
    });
    if (matching.length !== 1) {
      problems.push(`${path}: matches ${matching.length} of the oneOf choices, expected 1`);
    }
  }
}
