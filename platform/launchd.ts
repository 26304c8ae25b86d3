/**
 * macOS: upkeep as a per-user LaunchAgent, and the token keeper
 * (`twg auth serve`) as a second one kept running. {@link renderLaunchAgent} turns a
 * spec into the plist; the installers only run `launchctl` through the
 * injected {@link Env}.
 *
 * @module
 */
import { posix } from "node:path";
import type { Env, RunResult } from "../src/env.ts";
import { escapeXml } from "./_xml.ts";
import { commandFailure, PlatformError } from "./failure.ts";
import { removeFiles, type RenderedFile, writeRenderedFile } from "./rendered_file.ts";
import {
  assertSchedulable,
  jobEnvironment,
  keeperArgv,
  type Scheduler,
  type SchedulerStatus,
  type ScheduleSpec,
  upkeepArgv,
} from "./schedule_spec.ts";

/** The job's label, and the plist's file name without `.plist`. */
export const LAUNCH_AGENT_LABEL = "dev.twg.upkeep";

/** The token keeper's label, and its plist's file name without `.plist`. */
export const KEEPER_AGENT_LABEL = "dev.twg.keeper";

/** Where the LaunchAgent plist `label` lives for the person whose home is `homeDir`. */
export function launchAgentPath(homeDir: string, label = LAUNCH_AGENT_LABEL): string {
  return posix.join(homeDir, "Library", "LaunchAgents", `${label}.plist`);
}

/** The directory that receives the job's stdout and stderr. */
export function launchAgentLogDir(homeDir: string): string {
  return posix.join(homeDir, "Library", "Logs", "twg");
}

/**
 * Renders the LaunchAgent plist: `twg upkeep run` every `intervalMinutes`
 * and once at load, as a low-priority background job, with its output in
 * `~/Library/Logs/twg/upkeep.log`.
 *
 * @example
 * ```ts
 * const [plist] = renderLaunchAgent({
 *   launcher: "/Users/ada/.deno/bin/twg", launcherArgs: [], homeDir: "/Users/ada",
 *   configDir: "/Users/ada/.config/twg", environment: {}, intervalMinutes: 12,
 * });
 * plist?.path; // "/Users/ada/Library/LaunchAgents/dev.twg.upkeep.plist"
 * ```
 */
export function renderLaunchAgent(spec: ScheduleSpec): RenderedFile[] {
  assertSchedulable(spec, posix.isAbsolute);
  const log = posix.join(launchAgentLogDir(spec.homeDir), "upkeep.log");
  const environment = Object.entries(jobEnvironment(spec)).flatMap(([name, value]) => [
    `\t\t<key>${escapeXml(name)}</key>`,
    `\t\t${plistString(value)}`,
  ]);
  const content = [
    ...plistHead,
    `\t<key>Label</key>`,
    `\t${plistString(LAUNCH_AGENT_LABEL)}`,
    `\t<key>ProgramArguments</key>`,
    `\t<array>`,
    ...upkeepArgv(spec).map((arg) => `\t\t${plistString(arg)}`),
    `\t</array>`,
    `\t<key>EnvironmentVariables</key>`,
    `\t<dict>`,
    ...environment,
    `\t</dict>`,
    `\t<key>StartInterval</key>`,
    `\t<integer>${spec.intervalMinutes * 60}</integer>`,
    `\t<key>RunAtLoad</key>`,
    `\t<true/>`,
    `\t<key>ProcessType</key>`,
    `\t<string>Background</string>`,
    `\t<key>LowPriorityIO</key>`,
    `\t<true/>`,
    `\t<key>StandardOutPath</key>`,
    `\t${plistString(log)}`,
    `\t<key>StandardErrorPath</key>`,
    `\t${plistString(log)}`,
    `</dict>`,
    `</plist>`,
    ``,
  ].join("\n");
  const files: RenderedFile[] = [
    { path: launchAgentPath(spec.homeDir), content, encoding: "utf-8" },
  ];
  if (spec.keeperSocket === undefined) return files;
  // Not socket-activated (no `Sockets`): see keeperArgv
  // (platform/schedule_spec.ts). Started at load, restarted when it fails
  // but not when it ends cleanly: launchd.plist(5), KeepAlive's
  // SuccessfulExit (freebsd/openlaunchd man/launchd.plist.5); launchd
  // spaces restarts by ThrottleInterval.
  const keeperLog = posix.join(launchAgentLogDir(spec.homeDir), "keeper.log");
  const keeper = [
    ...plistHead,
    `\t<key>Label</key>`,
    `\t${plistString(KEEPER_AGENT_LABEL)}`,
    `\t<key>ProgramArguments</key>`,
    `\t<array>`,
    ...keeperArgv(spec).map((arg) => `\t\t${plistString(arg)}`),
    `\t</array>`,
    `\t<key>EnvironmentVariables</key>`,
    `\t<dict>`,
    ...environment,
    `\t</dict>`,
    `\t<key>RunAtLoad</key>`,
    `\t<true/>`,
    `\t<key>KeepAlive</key>`,
    `\t<dict>`,
    `\t\t<key>SuccessfulExit</key>`,
    `\t\t<false/>`,
    `\t</dict>`,
    `\t<key>ThrottleInterval</key>`,
    `\t<integer>30</integer>`,
    `\t<key>ProcessType</key>`,
    `\t<string>Background</string>`,
    `\t<key>StandardOutPath</key>`,
    `\t${plistString(keeperLog)}`,
    `\t<key>StandardErrorPath</key>`,
    `\t${plistString(keeperLog)}`,
    `</dict>`,
    `</plist>`,
    ``,
  ].join("\n");
  return [...files, {
    path: launchAgentPath(spec.homeDir, KEEPER_AGENT_LABEL),
    content: keeper,
    encoding: "utf-8",
  }];
}

const plistHead = [
  `<?xml version="1.0" encoding="UTF-8"?>`,
  `<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">`,
  `<plist version="1.0">`,
  `<dict>`,
];

function plistString(text: string): string {
  return `<string>${escapeXml(text)}</string>`;
}

/** `launchctl`'s name for the person's GUI session and for the job in it. */
function domainTarget(uid: number): string {
  return `gui/${uid}`;
}

function serviceTarget(uid: number, label = LAUNCH_AGENT_LABEL): string {
  return `${domainTarget(uid)}/${label}`;
}

/**
 * Whether a failed `launchctl bootout` only means the job was not loaded:
 * "Boot-out failed: 3: No such process" (exit 3), or on newer macOS
 * "Could not find specified service" (exit 113).
 */
function isNotLoaded(result: RunResult): boolean {
  return result.code === 3 || result.code === 113 ||
    /No such process|Could not find/i.test(result.stderr);
}

/**
 * Writes the plist (and the keeper's, when the spec has one) and loads each
 * into the person's GUI domain, replacing a loaded copy. When a `launchctl
 * bootstrap` fails, what was loaded is unloaded, the plists are removed
 * again and the error carries launchctl's stderr.
 *
 * @example
 * ```ts ignore
 * await installLaunchAgent(env, spec, 501);
 * // runs: launchctl bootout gui/501/dev.twg.upkeep
 * //       launchctl bootstrap gui/501 ~/Library/LaunchAgents/dev.twg.upkeep.plist
 * ```
 */
export async function installLaunchAgent(
  env: Env,
  spec: ScheduleSpec,
  uid: number,
): Promise<void> {
  const plists = renderLaunchAgent(spec);
  const labels = [LAUNCH_AGENT_LABEL, KEEPER_AGENT_LABEL];
  // 0755 whatever the umask allows beyond it: the directory must not be writable by others.
  await env.fs.mkdir(posix.dirname(plists[0]!.path), { recursive: true, mode: 0o755 });
  // launchd opens StandardOutPath itself and does not create its directory.
  await env.fs.mkdir(launchAgentLogDir(spec.homeDir), { recursive: true, mode: 0o755 });
  for (const plist of plists) await writeRenderedFile(env, plist);

  for (const [index, plist] of plists.entries()) {
    const label = labels[index]!;
    const bootout = await bootoutAndWait(env, uid, label);
    const bootstrap = await env.run("launchctl", ["bootstrap", domainTarget(uid), plist.path]);
    if (bootstrap.code === 0) continue;
    for (const loaded of labels.slice(0, index)) {
      await env.run("launchctl", ["bootout", serviceTarget(uid, loaded)]);
    }
    await removeFiles(env, plists.map((file) => file.path));
    const earlier = bootout.code === 0 || isNotLoaded(bootout)
      ? ""
      : `\n(before that, "launchctl bootout ${serviceTarget(uid, label)}" failed with ${
        commandFailure(bootout)
      })`;
    throw new PlatformError(
      `Cannot enable upkeep: "launchctl bootstrap ${domainTarget(uid)} ${plist.path}" failed with ${
        commandFailure(bootstrap)
      }${earlier}`,
      `Run "launchctl print ${domainTarget(uid)}" to see why, then "twg upkeep enable" again`,
    );
  }
}

/**
 * Unloads the job and waits until launchd has let go of it: `bootout`
 * returns before the job is gone, and a `bootstrap` in that window fails
 * with "Bootstrap failed: 5: Input/output error".
 */
async function bootoutAndWait(env: Env, uid: number, label: string): Promise<RunResult> {
  const bootout = await env.run("launchctl", ["bootout", serviceTarget(uid, label)]);
  if (bootout.code !== 0) return bootout;
  for (let attempt = 0; attempt < 20; attempt++) {
    const print = await env.run("launchctl", ["print", serviceTarget(uid, label)]);
    if (print.code !== 0) break;
    await env.sleep(100);
  }
  return bootout;
}

/**
 * Unloads the job (and the keeper, where its plist is present) and removes
 * the plists. Succeeds when nothing is installed.
 *
 * @example
 * ```ts ignore
 * await uninstallLaunchAgent(env, "/Users/ada", 501);
 * ```
 */
export async function uninstallLaunchAgent(env: Env, homeDir: string, uid: number): Promise<void> {
  const keeperPlist = launchAgentPath(homeDir, KEEPER_AGENT_LABEL);
  const hasKeeper = await env.fs.lstat(keeperPlist).then(() => true, () => false);
  for (const label of hasKeeper ? [LAUNCH_AGENT_LABEL, KEEPER_AGENT_LABEL] : [LAUNCH_AGENT_LABEL]) {
    const bootout = await env.run("launchctl", ["bootout", serviceTarget(uid, label)]);
    if (bootout.code !== 0 && !isNotLoaded(bootout)) {
      throw new PlatformError(
        `Cannot disable upkeep: "launchctl bootout ${serviceTarget(uid, label)}" failed with ${
          commandFailure(bootout)
        }`,
        `Run "launchctl print ${
          serviceTarget(uid, label)
        }" to see why, then "twg upkeep disable" again`,
      );
    }
  }
  await removeFiles(env, [launchAgentPath(homeDir), keeperPlist]);
}

/**
 * Whether the plist is present and the job is loaded (`launchctl print`
 * exits 0 only for a loaded job), and the same for the keeper.
 *
 * @example
 * ```ts ignore
 * await launchAgentStatus(env, "/Users/ada", 501);
 * // { installed: true, active: true, detail: "dev.twg.upkeep is loaded in gui/501", keeper: … }
 * ```
 */
export async function launchAgentStatus(
  env: Env,
  homeDir: string,
  uid: number,
): Promise<SchedulerStatus> {
  const describe = async (label: string) => {
    const path = launchAgentPath(homeDir, label);
    const installed = await env.fs.stat(path).then(() => true, () => false);
    const print = await env.run("launchctl", ["print", serviceTarget(uid, label)]);
    const active = print.code === 0;
    const detail = active
      ? `${label} is loaded in ${domainTarget(uid)}`
      : installed
      ? `${path} exists but is not loaded`
      : `${label} is not installed`;
    return { installed, active, detail };
  };
  const upkeep = await describe(LAUNCH_AGENT_LABEL);
  // The keeper only where its plist was written (an older twg wrote none).
  const keeperPlist = launchAgentPath(homeDir, KEEPER_AGENT_LABEL);
  if (!(await env.fs.lstat(keeperPlist).then(() => true, () => false))) return upkeep;
  const keeper = await describe(KEEPER_AGENT_LABEL);
  return {
    ...upkeep,
    detail: `${upkeep.detail}; ${keeper.detail}`,
    keeper: { active: keeper.active, detail: keeper.detail },
  };
}

/** The current user's id, which names the GUI domain (`gui/<uid>`). */
async function currentUid(env: Env): Promise<number> {
  const result = await env.run("id", ["-u"]);
  const uid = result.stdout.trim();
  if (result.code !== 0 || !/^\d+$/.test(uid)) {
    throw new PlatformError(
      `Cannot find the current user id: "id -u" failed with ${commandFailure(result)}`,
      'Check that "id -u" works in this shell, then run the twg command again',
    );
  }
  return Number(uid);
}

/** The LaunchAgent as a {@link Scheduler}; the uid comes from `id -u`. */
export const launchdScheduler: Scheduler = {
  name: "launchd",
  render: renderLaunchAgent,
  install: async (env, spec) => installLaunchAgent(env, spec, await currentUid(env)),
  uninstall: async (env, spec) => uninstallLaunchAgent(env, spec.homeDir, await currentUid(env)),
  status: async (env, spec) => launchAgentStatus(env, spec.homeDir, await currentUid(env)),
};
