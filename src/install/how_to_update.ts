/**
 * The command that updates this copy of twg, as the update notice and
 * `twg update --check` name it: `twg update` cannot change a checkout, so
 * each kind of install gets the command that works for it.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { Env } from "../env.ts";
import { displayPath } from "../ui/style.ts";
import { checkoutRootOf } from "./checkout.ts";
import { detectInstallation, type Installation } from "./detect.ts";
import { denoReinstallArgs, isLocalModule, parseDenoShim } from "./deno_install.ts";
import { npmPackageOf } from "./npm.ts";
import { readOwnPackage } from "./own_package.ts";

/** What {@link howToUpdate} needs to know besides the install. */
export interface HowToUpdateOptions {
  configDir: string;
  currentVersion: string;
  latestVersion: string;
}

/**
 * The command line to run for `latestVersion`: `git -C <root> pull` for a
 * checkout (also one installed with `deno install` from local files),
 * `npm install -g <package>@<version>` for npm, the `deno install -g -f …`
 * that replaces the shim, and `twg update` for a compiled binary (which
 * replaces itself).
 *
 * @example
 * ```ts ignore
 * await howToUpdate(env, { configDir, currentVersion: "1.0.0", latestVersion: "1.1.0" });
 * // "git -C ~/src/twg pull" when run from a checkout
 * ```
 */
export async function howToUpdate(env: Env, options: HowToUpdateOptions): Promise<string> {
  const launcher = await detectInstallation(env);
  const gitPull = (root: string) => `git -C ${displayPath(root, env.homeDir)} pull`;
  switch (launcher.kind) {
    case "compiled":
      return "twg update";
    case "npm": {
      // This copy's own package, as `twg update` installs it: a manifest's
      // `npm` never names what the person is told to install.
      const name = await readOwnPackage(env).then((own) => own.name, () => null) ??
        npmPackageOf(env.mainPath) ?? "twg";
      return `npm install -g ${name}@${options.latestVersion}`;
    }
    case "deno-install": {
      const shim = await env.fs.readFile(launcher.path, "utf8")
        .then((text) => parseDenoShim(text, env.os), () => null);
      if (!shim) return "twg update";
      if (isLocalModule(shim.module)) return gitPull(checkoutRootOf(fileURLToPath(shim.module)));
      const args = denoReinstallArgs(shim, {
        fromVersion: options.currentVersion,
        toVersion: options.latestVersion,
      });
      return `deno ${args.join(" ")}`;
    }
    case "checkout":
      return gitPull(checkoutRootOf(env.mainPath));
  }
}

/**
 * The checkout this copy runs from: a checkout's root, or the one a `deno
 * install` of local files runs (both update with `git pull`); else `null`.
 *
 * @example
 * ```ts ignore
 * await checkoutRootFor(env, await detectInstallation(env)); // "/home/ada/src/twg"
 * ```
 */
export async function checkoutRootFor(
  env: Env,
  installation: Installation,
): Promise<string | null> {
  if (installation.kind === "checkout") return checkoutRootOf(env.mainPath);
  if (installation.kind !== "deno-install") return null;
  const shim = await env.fs.readFile(installation.path, "utf8")
    .then((text) => parseDenoShim(text, env.os), () => null);
  return shim && isLocalModule(shim.module) ? checkoutRootOf(fileURLToPath(shim.module)) : null;
}
