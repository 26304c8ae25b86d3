/**
 * `twg update` without a release manifest: which update works for this copy
 * (`git pull` for a checkout, `npm install -g …@latest` for npm, the `deno
 * install` line), and which URL the manifest setting wants.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { TwgError } from "../errors.ts";
import { detectInstallation } from "./detect.ts";
import { howToUpdate } from "./how_to_update.ts";

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
  const from = { checkout: "a git checkout", npm: "npm", "deno-install": "deno install" }[
    launcher.kind
  ];
  return new TwgError(
    `No release manifest is configured, so twg cannot tell which version is the newest`,
    { hint: `This copy comes from ${from}: update it with "${how}"; or ${MANIFEST_HINT}` },
  );
}
