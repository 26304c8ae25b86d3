/**
 * The release channel `twg upgrade` follows: `stable` (the manifest's top
 * level) or `beta` (its `channels.beta`). `--channel` switches it and is
 * remembered in `config.json` (`updateChannel`); `TWG_UPDATE_CHANNEL` wins
 * for one process.
 *
 * @module
 */
import type { ConfigPaths } from "../config/paths.ts";
import { loadSettings } from "../config/settings.ts";
import { writeFileAtomic } from "../safe_files/atomic_write.ts";
import { ensureConfigDir } from "../safe_files/config_dir.ts";
import type { Env } from "../env.ts";
import { TwgError, UsageError } from "../errors.ts";
import type { ReleaseManifest } from "./manifest.ts";

/** The channels `--channel` accepts. */
export const releaseChannels = ["stable", "beta"] as const;

/** A release channel. */
export type ReleaseChannel = typeof releaseChannels[number];

/** Checks a `--channel` value. */
export function parseChannel(value: string): ReleaseChannel {
  const channel = releaseChannels.find((name) => name === value);
  if (!channel) {
    throw new UsageError(
      `Unknown release channel "${value}"`,
      `Use --channel ${releaseChannels.join(" or --channel ")}`,
    );
  }
  return channel;
}

/** The channel in effect: the environment, else `config.json`, else stable. */
export async function currentChannel(env: Env, paths: ConfigPaths): Promise<ReleaseChannel> {
  const configured = (await loadSettings(env, paths.configJson)).updateChannel;
  return configured ? parseChannel(configured) : "stable";
}

/** Remembers `channel` in `config.json`, keeping every other key as it is. */
export async function rememberChannel(
  env: Env,
  paths: ConfigPaths,
  channel: ReleaseChannel,
): Promise<void> {
  // loadSettings first: it refuses a config.json that is not this user's own.
  await loadSettings(env, paths.configJson);
  let current: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(await env.fs.readFile(paths.configJson, "utf8"));
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
      current = parsed as Record<string, unknown>;
    }
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
  }
  if (current.updateChannel === channel) return;
  await ensureConfigDir(env, paths.dir);
  await writeFileAtomic(
    env,
    paths.configJson,
    JSON.stringify({ ...current, updateChannel: channel }, null, 2) + "\n",
    0o644,
  );
}

/** The release `channel` offers in `manifest`. */
export function releaseOn(manifest: ReleaseManifest, channel: ReleaseChannel): ReleaseManifest {
  if (channel === "stable") return manifest;
  const release = manifest.channels?.[channel];
  if (!release) {
    throw new TwgError(`The release manifest offers no ${channel} channel`, {
      hint: 'Stay on stable: run "twg upgrade --channel stable"',
    });
  }
  return release;
}
