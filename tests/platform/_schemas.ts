/**
 * Validation of rendered scheduler files against the real formats, run the
 * way `../shared/schemas/README.md` prescribes: Apple's plist DTD and
 * Microsoft's task schema with `xmllint`, unit files with
 * `systemd-analyze --user verify`.
 *
 * The schemas are found through `TWG_SCHEMA_DIR` (default
 * `../shared/schemas` beside the project). When they or the tools are
 * missing, {@link validationTest} registers the test as ignored, with the
 * reason in its name; in CI it fails instead.
 *
 * @module
 */
import { join } from "node:path";
import { type Requirement, schemaDir, testRequiring } from "../_requires.ts";

export { schemaDir };

/**
 * Registers a test that needs schema files or validation tools: it runs
 * when they are present, shows up as ignored with the reason in its name
 * when they are not, and fails in their absence in CI (see
 * `../_requires.ts`).
 */
export function validationTest(
  name: string,
  requirements: Requirement[],
  fn: () => Promise<void>,
): void {
  testRequiring(requirements, name, fn);
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
