/**
 * What every scheduler integration shares: the spec of the upkeep job, the
 * files a renderer returns, the {@link Scheduler} each OS module provides, and
 * the small helpers their renderers and installers have in common.
 *
 * @module
 */
import { assertOwnedByUser } from "../src/config/ownership.ts";
import { writeFileAtomic } from "../src/credentials/atomic_write.ts";
import { parentDir } from "../src/path.ts";
import type { Env, RunResult } from "../src/env.ts";

/** The upkeep job to schedule: which program to start, for whom, how often. */
export interface ScheduleSpec {
  /** Absolute path of the stable launcher (a deno-install shim, npm bin, compiled binary, or a launcher script). */
  launcher: string;
  /** Arguments placed before "upkeep", "run" — e.g. [] for a shim. */
  launcherArgs: string[];
  homeDir: string;
  /** Absolute config dir (TWG_CONFIG_DIR) to pass to the job so it uses the same store. */
  configDir: string;
  /** Minimal environment variables for the job (never secrets). */
  environment: Record<string, string>;
  intervalMinutes: number; // 12
}

/** A file a renderer produced: where it goes, its text, and how to encode it. */
export interface RenderedFile {
  path: string;
  content: string;
  encoding: "utf-8" | "utf-16le-bom";
}

/** What a scheduler reports about the upkeep job. */
export interface SchedulerStatus {
  /** The job is registered (file present, task or unit known). */
  installed: boolean;
  /** The job will run on schedule (loaded, enabled and active). */
  active: boolean;
  /** One line for `twg doctor` and `twg upkeep status`. */
  detail: string;
}

/** One operating system's way of running `twg upkeep run` on a schedule. */
export interface Scheduler {
  name: "launchd" | "systemd" | "task-scheduler";
  /** The files {@link Scheduler.install} would write, without touching anything. */
  render(spec: ScheduleSpec): RenderedFile[];
  /** Writes the files and registers the job; leaves nothing behind when that fails. */
  install(env: Env, spec: ScheduleSpec): Promise<void>;
  /** Unregisters the job and removes its files; succeeds when nothing is installed. */
  uninstall(env: Env, spec: ScheduleSpec): Promise<void>;
  status(env: Env, spec: ScheduleSpec): Promise<SchedulerStatus>;
}

/** The argv that every scheduler finally runs: `<launcher> ...launcherArgs upkeep run`. */
export function upkeepCommand(spec: ScheduleSpec): string[] {
  return [spec.launcher, ...spec.launcherArgs, "upkeep", "run"];
}

/**
 * The job's environment: `spec.environment` plus `TWG_CONFIG_DIR`, which
 * always wins so that the job reads the same store as the foreground CLI.
 */
export function jobEnvironment(spec: ScheduleSpec): Record<string, string> {
  return { ...spec.environment, TWG_CONFIG_DIR: spec.configDir };
}

/**
 * Throws when `spec` cannot be written faithfully into a scheduler file: a
 * relative path; a line break, NUL or other control character (a unit file
 * is line-based and systemd.service(5) allows no control characters in the
 * command, XML 1.0 cannot represent most C0 controls, a Windows command line
 * ends at NUL); a lone surrogate or U+FFFE/U+FFFF (not XML characters); an
 * invalid variable name; or an interval that is not whole minutes.
 *
 * @example
 * ```ts
 * import { posix } from "node:path";
 * const spec = {
 *   launcher: "/opt/twg\n", launcherArgs: [], homeDir: "/home/ada",
 *   configDir: "/home/ada/.config/twg", environment: {}, intervalMinutes: 12,
 * };
 * assertSchedulable(spec, posix.isAbsolute);
 * // Error: Cannot schedule upkeep: the launcher path contains a line break
 * ```
 */
export function assertSchedulable(
  spec: ScheduleSpec,
  isAbsolute: (path: string) => boolean,
): void {
  const paths: Array<[string, string]> = [
    ["the launcher path", spec.launcher],
    ["the home directory path", spec.homeDir],
    ["the config directory path", spec.configDir],
  ];
  for (const [what, path] of paths) {
    assertRepresentable(what, path);
    if (!isAbsolute(path)) fail(`${what} is not absolute: ${path}`);
  }
  spec.launcherArgs.forEach((arg, index) =>
    assertRepresentable(`launcher argument ${index + 1}`, arg)
  );
  for (const [name, value] of Object.entries(spec.environment)) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) {
      fail(`the environment variable name ${JSON.stringify(name)} is not valid`);
    }
    assertRepresentable(`the value of ${name}`, value);
  }
  const minutes = spec.intervalMinutes;
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > 24 * 60) {
    fail(`the interval must be a whole number of minutes from 1 to 1440, not ${minutes}`);
  }
}

function assertRepresentable(what: string, value: string): void {
  if (/[\n\r]/.test(value)) fail(`${what} contains a line break`);
  if (value.includes("\0")) fail(`${what} contains a NUL character`);
  // Control characters are exactly what this looks for.
  // deno-lint-ignore no-control-regex
  if (/[\x01-\x1F\x7F]/.test(value)) fail(`${what} contains a control character`);
  if (/[\uFFFE\uFFFF]/.test(value) || !value.isWellFormed()) {
    fail(`${what} contains a character that XML cannot hold`);
  }
}

function fail(detail: string): never {
  throw new Error(`Cannot schedule upkeep: ${detail}`);
}

/**
 * Escapes text for XML character data and attribute values (both quote
 * kinds, so it is safe in either).
 *
 * @example
 * ```ts
 * escapeXml(`a<b & "c"`); // "a&lt;b &amp; &quot;c&quot;"
 * ```
 */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => XML_ENTITIES[char] ?? char);
}

const XML_ENTITIES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
};

/**
 * The bytes of a rendered file in its declared encoding.
 *
 * @example
 * ```ts
 * encodeRenderedFile({ path: "t.xml", content: "<a/>", encoding: "utf-16le-bom" });
 * // Uint8Array [0xFF, 0xFE, 0x3C, 0x00, 0x61, 0x00, ...]
 * ```
 */
export function encodeRenderedFile(file: RenderedFile): Uint8Array {
  if (file.encoding === "utf-8") return new TextEncoder().encode(file.content);
  const bytes = new Uint8Array(2 + file.content.length * 2);
  const view = new DataView(bytes.buffer);
  view.setUint16(0, 0xFEFF, true);
  for (let index = 0; index < file.content.length; index++) {
    view.setUint16(2 + index * 2, file.content.charCodeAt(index), true);
  }
  return bytes;
}

/**
 * Writes `file` in its encoding; the directory must exist and be this
 * user's own. Replaced through a temporary file and a rename, so a symlink at
 * its name is replaced, never followed.
 */
export async function writeRenderedFile(env: Env, file: RenderedFile): Promise<void> {
  await assertOwnedByUser(env, parentDir(file.path), "directory", { allowGroupWrite: true });
  await writeFileAtomic(env, file.path, encodeRenderedFile(file), 0o644);
}

/** Removes files that may or may not exist. */
export async function removeFiles(env: Env, paths: string[]): Promise<void> {
  for (const path of paths) await env.fs.rm(path, { force: true });
}

/**
 * What a failed command said, for an error message: its stderr verbatim
 * (only trailing whitespace trimmed), else its stdout, else its exit code.
 */
export function commandFailure(result: RunResult): string {
  const said = result.stderr.trimEnd() || result.stdout.trimEnd();
  return said === "" ? `exit code ${result.code}` : `exit code ${result.code}: ${said}`;
}
