/**
 * `twg config list | get | set | unset`: the settings in `config.json`, as
 * `gh config` keeps gh's, so a newcomer can save a client id without
 * learning the file's format. Each setting's variable still wins over the
 * file; `list` says which source is in effect.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { configPaths } from "../config/paths.ts";
import {
  fileKeys,
  readConfigJson,
  type SettingSource,
  settingSources,
} from "../config/settings.ts";
import { writeFileAtomic } from "../safe_files/atomic_write.ts";
import { ensureConfigDir } from "../safe_files/config_dir.ts";
import type { Env } from "../env.ts";
import { UsageError } from "../errors.ts";
import { jsonDocument } from "../json_documents.ts";
import { displayPath, styleFor } from "../ui/style.ts";
import { nearest } from "../ui/suggest.ts";
import { configNames, settingName } from "../config/setting_names.ts";
import { terminalSafe } from "../ui/terminal_text.ts";

/** One setting as `config list --json` shows it. */
export interface ConfigEntry {
  /** The name `config get/set` takes (`client-id`). */
  name: string;
  /** The key in `config.json` (`clientId`). */
  fileKey: string;
  variable: string;
  value: string | null;
  source: "env" | "file" | "default" | null;
}

/** Declares `twg config` and its subcommands. */
export function configCommand(env: Env): Command {
  const config = new Command("config").description(
    "Show and change settings kept in config.json (a TWG_* variable wins over the file)",
  );
  config.command("list").description("Every setting, its value and where it comes from")
    .option("--json", "print the settings as JSON on stdout")
    .action(async (options) => await runConfigList(env, { json: options.json ?? false }));
  config.command("get").description("Print the value in effect for one setting")
    .argument("<name>", `one of: ${configNames.join(", ")}`)
    .action(async (name) => await runConfigGet(env, name));
  config.command("set").description("Save a setting in config.json")
    .argument("<name>", `one of: ${configNames.join(", ")}`)
    .argument("<value>", "its value")
    .action(async (name, value) => await runConfigSet(env, name, value));
  config.command("unset").description("Remove a setting from config.json (its default applies)")
    .argument("<name>", `one of: ${configNames.join(", ")}`)
    .action(async (name) => await runConfigSet(env, name, null));
  return config;
}

function sourceOf(name: string): SettingSource {
  const source = settingSources.find((candidate) =>
    settingName(candidate.key) === name || fileKeys[candidate.key] === name ||
    candidate.variable === name
  );
  if (source) return source;
  const suggestion = nearest(name, configNames);
  throw new UsageError(
    `Unknown setting "${name}"${suggestion ? ` (did you mean "${suggestion}"?)` : ""}`,
    `Settings: ${configNames.join(", ")}`,
  );
}

async function entries(env: Env): Promise<ConfigEntry[]> {
  const file = await readConfigJson(env, configPaths(env).configJson);
  return settingSources.map((source) => {
    const fromEnv = env.getVar(source.variable);
    const fromFile = file[fileKeys[source.key]];
    const [value, origin]: [string | null, ConfigEntry["source"]] = fromEnv
      ? [fromEnv, "env"]
      : typeof fromFile === "string"
      ? [fromFile, "file"]
      : source.fallback !== null
      ? [source.fallback, "default"]
      : [null, null];
    return {
      name: settingName(source.key),
      fileKey: fileKeys[source.key],
      variable: source.variable,
      value,
      source: origin,
    };
  });
}

async function runConfigList(env: Env, options: { json: boolean }): Promise<void> {
  const list = await entries(env);
  if (options.json) {
    env.stdout.write(
      JSON.stringify(jsonDocument("config list", { settings: list }), null, 2) + "\n",
    );
    return;
  }
  const style = styleFor(env, env.stdout);
  const width = Math.max(...list.map((entry) => entry.name.length));
  const lines = list.map((entry) => {
    const origin = entry.source === "env"
      ? `(from ${entry.variable})`
      : entry.source === "file"
      ? "(config.json)"
      : entry.source === "default"
      ? style.dim("(default)")
      : style.dim(`(not set: twg config set ${entry.name} …, or ${entry.variable})`);
    const value = entry.value === null ? "" : `${terminalSafe(entry.value)}  `;
    return `${entry.name.padEnd(width)}  ${value}${origin}`;
  });
  env.stdout.write(
    `${lines.join("\n")}\n${
      style.dim(`File: ${displayPath(configPaths(env).configJson, env.homeDir)}`)
    }\n`,
  );
}

async function runConfigGet(env: Env, name: string): Promise<void> {
  const source = sourceOf(name);
  const entry = (await entries(env)).find((candidate) => candidate.variable === source.variable)!;
  if (entry.value === null) {
    throw new UsageError(
      `"${entry.name}" is not set`,
      `Run "twg config set ${entry.name} <value>", or set ${entry.variable}`,
    );
  }
  env.stdout.write(`${entry.value}\n`);
}

/** Checks a value before it is saved: a wrong URL or backend would fail later, less clearly. */
function assertValid(source: SettingSource, value: string): void {
  if (source.key === "credentialBackend" && value !== "file" && value !== "keyring") {
    throw new UsageError(`"${value}" is not a credential backend`, 'Use "file" or "keyring"');
  }
  if (source.key.endsWith("Url") || source.key === "issuer") {
    let url: URL;
    try {
      url = new URL(value.replace("{siteId}", "site"));
    } catch {
      throw new UsageError(`"${value}" is not a URL`, "Give an absolute https:// URL");
    }
    if (url.protocol !== "https:" && url.protocol !== "http:") {
      throw new UsageError(`"${value}" is not an http(s) URL`, "Give an absolute https:// URL");
    }
  }
  if (value.trim() === "") {
    throw new UsageError(
      `An empty value is not a setting`,
      `Run "twg config unset ${settingName(source.key)}" to remove it`,
    );
  }
}

async function runConfigSet(env: Env, name: string, value: string | null): Promise<void> {
  const source = sourceOf(name);
  if (value !== null) assertValid(source, value);
  const paths = configPaths(env);
  await ensureConfigDir(env, paths.dir);
  const file = await readConfigJson(env, paths.configJson);
  const fileKey = fileKeys[source.key];
  if (value === null) delete file[fileKey];
  else file[fileKey] = value;
  // Every other key, unknown ones included, is kept as it was.
  await writeFileAtomic(env, paths.configJson, JSON.stringify(file, null, 2) + "\n", 0o644);
  const shown = displayPath(paths.configJson, env.homeDir);
  const style = styleFor(env, env.stderr);
  env.stderr.write(
    value === null
      ? `${style.success("✔")} Removed ${settingName(source.key)} from ${shown}\n`
      : `${style.success("✔")} Saved ${settingName(source.key)} in ${shown}\n`,
  );
  const fromEnv = env.getVar(source.variable);
  if (fromEnv) {
    env.stderr.write(
      `${source.variable} is set in this environment and still wins over the file\n`,
    );
  }
}
