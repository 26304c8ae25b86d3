/**
 * The npm package this copy of twg was installed from, read from its own
 * `package.json`: the one name `twg update` may ever pass to
 * `npm install -g`, whatever a release manifest says.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { joinPath } from "../lean_path.ts";
import { TwgError } from "../errors.ts";
import { npmPackageOf } from "./npm.ts";
import { isNpmPackageName } from "./manifest.ts";

/** This installation's package: its name, installed version, and `package.json`. */
export interface OwnPackage {
  name: string;
  version: string;
  packageJson: string;
}

/**
 * Reads `node_modules/<name>/package.json` above `env.mainPath`; its `name`
 * must be the directory's and a valid npm name.
 *
 * @example
 * ```ts ignore
 * // mainPath: /usr/local/lib/node_modules/@twg/cli/dist/twg.js
 * (await readOwnPackage(env)).name; // "@twg/cli"
 * ```
 */
export async function readOwnPackage(env: Env): Promise<OwnPackage> {
  const fromPath = npmPackageOf(env.mainPath);
  const parts = env.mainPath.split(/[\\/]/);
  const modules = parts.lastIndexOf("node_modules");
  if (!fromPath || modules < 0) {
    throw new TwgError(`Cannot tell which npm package runs twg from "${env.mainPath}"`);
  }
  const root = parts.slice(0, modules + 1 + fromPath.split("/").length).join("/");
  const packageJson = joinPath(root, "package.json");
  let record: { name?: unknown; version?: unknown };
  try {
    record = JSON.parse(await env.fs.readFile(packageJson, "utf8"));
  } catch (error) {
    throw new TwgError(`Cannot read "${packageJson}": ${(error as Error).message}`, {
      hint: "Reinstall twg with npm",
    });
  }
  if (record.name !== fromPath || !isNpmPackageName(fromPath)) {
    throw new TwgError(
      `"${packageJson}" names package ${JSON.stringify(record.name)}, not ${fromPath}`,
    );
  }
  return {
    name: fromPath,
    version: typeof record.version === "string" ? record.version : "",
    packageJson,
  };
}
