/**
 * `twg upkeep enable | disable | status | run`: the per-user background
 * helper that keeps the credentials fresh outside any sandbox.
 *
 * @module
 */
import { writeFileAtomic } from "../safe_files/atomic_write.ts";
import { Command, Option } from "@commander-js/extra-typings";
import { join } from "node:path";
import { encodeRenderedFile } from "../../platform/rendered_file.ts";
import { configPaths } from "../config/paths.ts";
import type { Env, OsName } from "../env.ts";
import { permissionDenialOf } from "../env_deno.ts";
import { messageOf, TwgError, UsageError } from "../errors.ts";
import { styleFor } from "../ui/style.ts";
import { formatTime } from "../ui/time.ts";
import { runScheduledUpkeep } from "../upkeep/run.ts";
import {
  disableUpkeep,
  enableUpkeepAndReport,
  renderSchedule,
  upkeepIntervalMinutes,
} from "../upkeep/schedule.ts";
import { readUpkeepStatus } from "../upkeep/status.ts";
import { jsonDocument } from "../json_documents.ts";

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
          await enableUpkeepAndReport(env);
        }
      }),
  );
  upkeep.addCommand(
    new Command("disable").description("Remove the schedule (harmless when there is none)").action(
      async () => {
        const { scheduler, wasInstalled } = await disableUpkeep(env, configPaths(env));
        env.stderr.write(
          wasInstalled
            ? `${styleFor(env, env.stderr).success("✔")} Upkeep disabled (${scheduler.name})\n`
            : `No upkeep schedule was installed (${scheduler.name}); nothing to remove\n`,
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

/** Renders the files for `os` and prints or writes them; installs nothing. */
export async function runUpkeepDryRun(
  env: Env,
  options: { os: OsName; outputDir: string | undefined },
): Promise<void> {
  const files = await renderSchedule(env, configPaths(env), options.os);
  if (options.outputDir) {
    for (const file of files) {
      const name = file.path.split(/[\\/]/).pop()!;
      const path = join(options.outputDir, name);
      try {
        await env.fs.mkdir(options.outputDir, { recursive: true });
        // Replaced, never written through a symlink already there.
        await writeFileAtomic(env, path, encodeRenderedFile(file), 0o644);
      } catch (error) {
        // A runtime permission refusal is main.ts's to explain (it names the flag).
        if (permissionDenialOf(error)) throw error;
        throw new TwgError(`Cannot write ${path}: ${messageOf(error)}`, {
          hint: "Choose a directory you can write with --output-dir",
          cause: error,
        });
      }
      env.stderr.write(`Wrote ${path} (installs to ${file.path})\n`);
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

async function runUpkeepStatus(env: Env, options: { json: boolean }): Promise<void> {
  const { detail, lastResult, ...status } = await readUpkeepStatus(env);
  if (options.json) {
    // The one error shape of every --json document: the last error as an object.
    const { error, ...fields } = status;
    const lastError = error === null
      ? null
      : { code: "upkeep-failed", message: error, hint: 'Run "twg upkeep run" to try again now' };
    env.stdout.write(
      JSON.stringify(jsonDocument("upkeep status", fields, lastError), null, 2) + "\n",
    );
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
  lines.push(
    `  Token keeper: ${
      status.broker.running ? "running" : 'not running ("twg auth serve" starts it)'
    } at ${status.broker.socket}`,
  );
  if (status.error) {
    const [first, ...rest] = status.error.trimEnd().split("\n");
    lines.push(`  Last error: ${first}`, ...rest.map((line) => `    ${line}`));
  }
  env.stdout.write(lines.join("\n") + "\n");
}
