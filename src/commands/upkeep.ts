/**
 * `twg upkeep enable | disable | status | run`: the per-user background
 * helper that keeps the credentials fresh outside any sandbox.
 *
 * @module
 */
import { writeFileAtomic } from "../credentials/atomic_write.ts";
import { Command, Option } from "@commander-js/extra-typings";
import { join } from "node:path";
import { encodeRenderedFile } from "../../platform/schedule_spec.ts";
import { schedulerFor } from "../../platform/mod.ts";
import { configPaths } from "../config/paths.ts";
import type { Env, OsName } from "../env.ts";
import { UsageError } from "../errors.ts";
import { displayPath, styleFor, warn } from "../ui/style.ts";
import { formatTime } from "../ui/time.ts";
import {
  disableUpkeep,
  enableUpkeep,
  renderSchedule,
  scheduleSpecFor,
  upkeepIntervalMinutes,
} from "../upkeep/schedule.ts";
import { readUpkeepState } from "../upkeep/state.ts";
import { runScheduledUpkeep } from "../upkeep/run.ts";

const osNames: Record<string, OsName> = { macos: "darwin", linux: "linux", windows: "windows" };

/** Declares `twg upkeep` and its subcommands. */
export function upkeepCommand(env: Env) {
  const upkeep = new Command("upkeep").description(
    `Keep the credentials fresh in the background (every ${upkeepIntervalMinutes} minutes)`,
  );
  upkeep.addCommand(
    new Command("enable")
      .description("Install the LaunchAgent, systemd user timer or Scheduled Task")
      .option("--dry-run", "show the files that would be installed, and install nothing")
      .addOption(
        new Option("--os <os>", "with --dry-run: render for this OS").choices([
          "macos",
          "linux",
          "windows",
        ]),
      )
      .option(
        "--output-dir <dir>",
        "with --dry-run: write the files there instead of printing them",
      )
      .action(async (options) => {
        if (!options.dryRun && (options.os || options.outputDir)) {
          // Without --dry-run they would be ignored and a real install made for this system.
          throw new UsageError(
            `${options.os ? "--os" : "--output-dir"} only applies with --dry-run`,
            'Add --dry-run to see the files without installing anything, or run "twg upkeep enable" alone to install for this system',
          );
        }
        if (options.dryRun) {
          await runUpkeepDryRun(env, {
            os: options.os ? osNames[options.os]! : env.os,
            outputDir: options.outputDir,
          });
        } else {
          await runUpkeepEnable(env);
        }
      }),
  );
  upkeep.addCommand(
    new Command("disable").description("Remove the schedule (harmless when there is none)").action(
      async () => {
        const scheduler = await disableUpkeep(env, configPaths(env));
        env.stderr.write(
          `${styleFor(env, env.stderr).success("✔")} Upkeep disabled (${scheduler.name})\n`,
        );
      },
    ),
  );
  upkeep.addCommand(
    new Command("status")
      .description("Show whether upkeep is scheduled and what it last did")
      .option("--json", "print the status as JSON on stdout")
      .action(async (options) => await runUpkeepStatus(env, { json: options.json ?? false })),
  );
  upkeep.addCommand(
    new Command("run").description("Run one round now (what the schedule does)").action(
      async () => await runScheduledUpkeep(env),
    ),
  );
  return upkeep;
}

/** Installs the schedule and says what was written where. */
export async function runUpkeepEnable(env: Env): Promise<void> {
  const paths = configPaths(env);
  const { scheduler, files, launcher } = await enableUpkeep(env, paths);
  const check = styleFor(env, env.stderr).success("✔");
  env.stderr.write(
    `${check} Upkeep enabled: ${scheduler.name} runs "twg upkeep run" every ${upkeepIntervalMinutes} minutes\n`,
  );
  for (const file of files) env.stderr.write(`  ${displayPath(file, env.homeDir)}\n`);
  env.stderr.write(
    '  "twg upkeep status" shows what it last did; "twg upkeep disable" removes it.\n',
  );
  // npx keeps its packages in a cache it may clean: a schedule that starts
  // Deno from there stops working one day, silently.
  if (launcher.kind === "checkout" && /[\\/]_npx[\\/]/.test(env.execPath)) {
    warn(
      env,
      `The schedule starts Deno from npx's cache (${env.execPath}); install Deno (npm install -g deno) and run "twg upkeep enable" again`,
    );
  }
}

/** Renders the files for `os` and prints or writes them; installs nothing. */
export async function runUpkeepDryRun(
  env: Env,
  options: { os: OsName; outputDir: string | undefined },
): Promise<void> {
  const files = await renderSchedule(env, configPaths(env), options.os);
  if (options.outputDir) {
    await env.fs.mkdir(options.outputDir, { recursive: true });
    for (const file of files) {
      const name = file.path.split(/[\\/]/).pop()!;
      // Replaced, never written through a symlink already there.
      await writeFileAtomic(env, join(options.outputDir, name), encodeRenderedFile(file), 0o644);
      env.stderr.write(`Wrote ${join(options.outputDir, name)} (installs to ${file.path})\n`);
    }
    return;
  }
  for (const file of files) {
    const note = file.encoding === "utf-16le-bom" ? " (written as UTF-16LE with a BOM)" : "";
    env.stdout.write(
      `# ${file.path}${note}\n${file.content.replaceAll("\r\n", "\n")}${
        file.content.endsWith("\n") ? "" : "\n"
      }\n`,
    );
  }
}

/** The `upkeep status --json` document (contract). */
export interface UpkeepStatus {
  enabled: boolean;
  scheduler: "launchd" | "systemd" | "task-scheduler" | null;
  intervalMinutes: number;
  lastRun: string | null;
  lastRefresh: string | null;
  lastUpdateCheck: string | null;
  nextUpdateCheckAfter: string | null;
  error: string | null;
}

/** The recorded state, checked against what the scheduler reports. */
export async function readUpkeepStatus(
  env: Env,
): Promise<UpkeepStatus & { detail: string; lastResult: string | null }> {
  const paths = configPaths(env);
  const state = await readUpkeepState(env, paths.upkeepJson);
  let enabled = state.enabled;
  let detail = state.enabled ? "enabled" : "not enabled";
  if (state.enabled) {
    const { spec } = await scheduleSpecFor(env, paths);
    const status = await schedulerFor(env.os).status(env, spec).catch(() => null);
    if (status) {
      enabled = status.active;
      detail = status.detail;
    }
  }
  return {
    enabled,
    scheduler: enabled ? state.scheduler : null,
    intervalMinutes: upkeepIntervalMinutes,
    lastRun: state.lastRun,
    lastRefresh: state.lastRefresh,
    lastUpdateCheck: state.lastUpdateCheck,
    nextUpdateCheckAfter: state.nextUpdateCheckAfter,
    error: state.enableError ?? state.lastError,
    detail,
    lastResult: state.lastResult,
  };
}

async function runUpkeepStatus(env: Env, options: { json: boolean }): Promise<void> {
  const { detail, lastResult, ...status } = await readUpkeepStatus(env);
  if (options.json) {
    env.stdout.write(JSON.stringify(status, null, 2) + "\n");
    return;
  }
  // The report is what this command exists for: stdout.
  const style = styleFor(env, env.stdout);
  const now = env.now();
  const lines = [
    status.enabled
      ? `${style.success("✔")} Upkeep enabled (${status.scheduler}): ${detail}`
      : `${style.warn("!")} Upkeep not enabled; "twg upkeep enable" sets it up`,
  ];
  if (status.lastRun) lines.push(`  Last run: ${formatTime(status.lastRun, now)} (${lastResult})`);
  if (status.lastRefresh) lines.push(`  Last refresh: ${formatTime(status.lastRefresh, now)}`);
  if (status.error) {
    const [first, ...rest] = status.error.trimEnd().split("\n");
    lines.push(`  Last error: ${first}`, ...rest.map((line) => `    ${line}`));
  }
  env.stdout.write(lines.join("\n") + "\n");
}
