/**
 * The names `twg config` takes for the settings (`client-id` for the
 * `clientId` key of config.json), shared with shell completion.
 *
 * @module
 */
import { fileKeys, type Settings, settingSources } from "./settings.ts";

/** The kebab-case name of a setting, from its key in config.json. */
export function settingName(key: keyof Settings): string {
  return fileKeys[key].replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** Every setting's name, in the order `twg config list` shows them. */
export const configNames: string[] = settingSources.map((source) => settingName(source.key));
