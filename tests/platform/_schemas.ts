/**
 * Validation of rendered scheduler files against the real formats, run the
 * way `../shared/schemas/README.md` prescribes: Apple's plist DTD and
 * Microsoft's task schema with `xmllint`, unit files with
 * `systemd-analyze --user verify`.
 *
 * The schemas are found through `TWG_SCHEMA_DIR` (default
 * `../shared/schemas` beside the project). When they or the tools are
 * missing, {@link validationTest} registers the test as ignored, with the
 * reason in its name; with `TWG_REQUIRE_SCHEMAS=1` (CI) it fails instead.
 *
 * @module
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/** Where the schema files are looked for. */
export const schemaDir = Deno.env.get("TWG_SCHEMA_DIR") ??
  fileURLToPath(new URL("../../../shared/schemas", import.meta.url));

const SCHEMA_FILES = ["PropertyList-1.0.dtd", "catalog.xml", "task-scheduler.xsd"];

/** What a validation test needs in order to run. */
export type Requirement = "schemas" | "xmllint" | "systemd-analyze";

function hasTool(name: string): boolean {
  try {
    return new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

function missing(requirement: Requirement): string | undefined {
  if (requirement !== "schemas") {
    return hasTool(requirement) ? undefined : `${requirement} not installed`;
  }
  const absent = SCHEMA_FILES.filter((file) => !existsSync(join(schemaDir, file)));
  return absent.length === 0 ? undefined : `schemas not found at ${schemaDir}`;
}

/**
 * Registers a test that needs schema files or validation tools: it runs
 * when they are present, shows up as ignored with the reason in its name
 * when they are not, and fails in their absence under `TWG_REQUIRE_SCHEMAS=1`.
 */
export function validationTest(
  name: string,
  requirements: Requirement[],
  fn: () => Promise<void>,
): void {
  const reasons = requirements.map(missing).filter((reason) => reason !== undefined);
  if (reasons.length === 0) {
    Deno.test(name, fn);
  } else if (Deno.env.get("TWG_REQUIRE_SCHEMAS") === "1") {
    Deno.test(name, () => {
      throw new Error(`Required by TWG_REQUIRE_SCHEMAS=1: ${reasons.join("; ")}`);
    });
  } else {
    Deno.test({ ignore: true, name: `${name} (skipped: ${reasons.join("; ")})`, fn });
  }
}

/** Exit code and stderr of one validator run. */
export interface Validation {
  code: number;
  stderr: string;
}

async function run(command: string, args: string[], env: Record<string, string> = {}) {
  const output = await new Deno.Command(command, { args, env, stdout: "null", stderr: "piped" })
    .output();
  return { code: output.code, stderr: new TextDecoder().decode(output.stderr) };
}

/** Validates a plist against Apple's DTD; passing is exit 0 with empty stderr. */
export function validatePlist(file: string): Promise<Validation> {
  return run(
    "xmllint",
    ["--noout", "--nonet", "--dtdvalid", join(schemaDir, "PropertyList-1.0.dtd"), file],
    { XML_CATALOG_FILES: join(schemaDir, "catalog.xml") },
  );
}

/** Validates task XML against Microsoft's task schema; passing is exit 0. */
export function validateTaskXml(file: string): Promise<Validation> {
  return run("xmllint", ["--noout", "--schema", join(schemaDir, "task-scheduler.xsd"), file]);
}

/**
 * Runs `systemd-analyze --user verify` on unit files with a private
 * `XDG_RUNTIME_DIR` (mode 0700), removed afterwards; passing is exit 0 with
 * empty stderr.
 */
export async function verifySystemdUnits(files: string[]): Promise<Validation> {
  const runtimeDir = await Deno.makeTempDir({ prefix: "twg-runtime-" });
  try {
    await Deno.chmod(runtimeDir, 0o700);
    return await run("systemd-analyze", ["--user", "verify", ...files], {
      XDG_RUNTIME_DIR: runtimeDir,
    });
  } finally {
    await Deno.remove(runtimeDir, { recursive: true });
  }
}
