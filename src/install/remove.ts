/**
 * Removing this copy of twg the way it was installed: `npm uninstall -g`,
 * `deno uninstall`, or deleting the compiled binary. A checkout is the
 * person's working tree and stays.
 *
 * @module
 */
import { commandFailure } from "../../platform/failure.ts";
import type { Env } from "../env.ts";
import { TwgError } from "../errors.ts";
import { displayPath } from "../ui/style.ts";
import { checkoutRootOf } from "./checkout.ts";
import { removeInstalledBinary } from "./compiled.ts";
import { denoUninstallArgs } from "./deno_install.ts";
import type { Installation } from "./detect.ts";
import { npmInvocation, npmPackageOf } from "./npm.ts";

/** What removing did: done (`ok`), or left for the person (`warn`). */
export interface RemovalOutcome {
  status: "ok" | "warn";
  text: string;
}

/** How this copy of twg is removed. */
export interface Removal {
  /** One line for the confirmation prompt ("remove twg itself: npm uninstall -g @twg/cli"). */
  summary: string;
  /** Removes it; throws when that fails. */
  remove(): Promise<RemovalOutcome>;
}

/**
 * The way to remove `installation`, without removing anything yet. For npm
 * the package is the directory under `node_modules` that holds the entry
 * point: no network, no manifest needed.
 *
 * @example
 * ```ts ignore
 * const removal = removalFor(env, await detectInstallation(env));
 * removal.summary; // "remove twg itself: deno uninstall -g twg"
 * await removal.remove(); // { status: "ok", text: "Removed twg (deno uninstall -g twg)" }
 * ```
 */
export function removalFor(env: Env, installation: Installation): Removal {
  switch (installation.kind) {
    case "npm": {
      const npmPackage = npmPackageOf(env.mainPath);
      const npm = npmInvocation(env);
      const shown = `npm uninstall -g ${npmPackage ?? "<package>"}`;
      return {
        summary: `remove twg itself: ${shown}`,
        async remove() {
          if (!npmPackage) throw new TwgError(`No npm package holds ${env.mainPath}`);
          await runRemover(env, npm.command, [...npm.args, "uninstall", "-g", npmPackage], shown);
          return { status: "ok", text: `Removed twg (${shown})` };
        },
      };
    }
    case "deno-install": {
      const shown = `deno ${denoUninstallArgs.join(" ")}`;
      return {
        summary: `remove twg itself: ${shown}`,
        async remove() {
          await runRemover(env, "deno", [...denoUninstallArgs], shown);
          return { status: "ok", text: `Removed twg (${shown})` };
        },
      };
    }
    case "compiled": {
      const shown = displayPath(installation.path, env.homeDir);
      return {
        summary: `delete twg itself: ${shown}`,
        async remove() {
          const outcome = await removeInstalledBinary(env, installation.path);
          return {
            status: "ok",
            text: outcome === "removed"
              ? `Deleted ${shown}`
              : `Deleted ${shown} (the file goes once this twg has exited)`,
          };
        },
      };
    }
    case "checkout": {
      const root = displayPath(checkoutRootOf(env.mainPath), env.homeDir);
      return {
        summary: `leave the checkout at ${root} alone`,
        remove: () =>
          Promise.resolve({
            status: "warn",
            text:
              `twg runs from the checkout at ${root}, which is left alone; delete it yourself if it is no longer needed`,
          }),
      };
    }
  }
}

async function runRemover(env: Env, command: string, args: string[], shown: string): Promise<void> {
  const result = await env.run(command, args);
  if (result.code !== 0) {
    throw new TwgError(`"${shown}" failed with ${commandFailure(result)}`, {
      hint: `Run "${shown}" yourself to see what went wrong`,
    });
  }
}
