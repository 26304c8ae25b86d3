/**
 * `twg update` without a release manifest, when nothing else can say which
 * version is the newest (a compiled binary, a `deno install` of a remote
 * module, npm with no registry to ask): which update works for this copy and
 * which URL the manifest setting wants. An npm install with a registry and
 * a checkout are answered by `src/commands/update.ts` instead.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { TwgError } from "../errors.ts";
import { detectInstallation } from "./detect.ts";
import { howToUpdate } from "./how_to_update.ts";
import { npmRegistryVariable } from "./npm_registry.ts";
import { noPublicDefaultsVariable } from "../config/settings.ts";

const MANIFEST_HINT = 'set TWG_UPDATE_MANIFEST_URL (or "twg config set update-manifest-url ' +
  '<url>") to the https URL of the release manifest your team publishes: a JSON document ' +
  'with "version" and "artifacts" (the README\'s "Release manifest")';

/** The error for `twg update [--check]` with no manifest, naming what to run instead. */
export async function noManifestError(
  env: Env,
  options: { configDir: string; currentVersion: string },
): Promise<TwgError> {
  const launcher = await detectInstallation(env);
  if (launcher.kind === "compiled") {
    return new TwgError(
      "No release manifest is configured, and a compiled twg updates only from one",
      { hint: MANIFEST_HINT.charAt(0).toUpperCase() + MANIFEST_HINT.slice(1) },
    );
  }
  const how = await howToUpdate(env, {
    configDir: options.configDir,
    currentVersion: options.currentVersion,
    latestVersion: "latest",
  });
  const from = {
    checkout: "a git checkout",
    // Only under TWG_NO_PUBLIC_DEFAULTS: otherwise the public registry is asked.
    npm: `npm, and no registry may be asked (${noPublicDefaultsVariable}=1, ` +
      `${npmRegistryVariable} unset)`,
    "deno-install": "deno install",
  }[launcher.kind];
  return new TwgError(
    `No release manifest is configured, so twg cannot tell which version is the newest`,
    { hint: `This copy comes from ${from}: update it with "${how}"; or ${MANIFEST_HINT}` },
  );
}
