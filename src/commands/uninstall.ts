/**
 * `twg uninstall [--yes]`: removes the schedule, revokes the stored sign-in,
 * deletes twg's files and finally twg itself, reporting each step. A step
 * that fails is reported and the others still run; running it again is
 * harmless.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { join } from "node:path";
import { accessTokenDir, type ConfigPaths, configPaths, defaultProfile } from "../config/paths.ts";
import { listProfiles } from "../config/profiles.ts";
import type { OAuthTokens } from "../credentials/auth_conf.ts";
import { acquireLock } from "../credentials/lock.ts";
import { readCredentials } from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { backendOf, keyringAccount } from "../credentials/keyring.ts";
import { removeKeyringKey, revocableRefreshToken } from "../credentials/keyring_use.ts";
import {
  ExitCode,
  isAbortError,
  messageOf,
  ReportedError,
  TwgError,
  UsageError,
} from "../errors.ts";
import { revokeToken } from "../oauth/revoke.ts";
import { displayPath, styleFor } from "../ui/style.ts";
import { detectInstallation } from "../install/detect.ts";
import { removalFor } from "../install/remove.ts";
import { disableUpkeep } from "../upkeep/schedule.ts";
import { askYesNo } from "../ui/ask.ts";

/** Options of `twg uninstall`. */
export interface UninstallOptions {
  /** Uninstall without asking. Required when stdin is not a terminal. */
  yes: boolean;
}

/** One reported line: `✔`, `!` or `✖`. */
interface StepLine {
  status: "ok" | "warn" | "fail";
  text: string;
}

/**
 * The exact names twg writes in its config directory, with the strict
 * suffixes its writes add: `<name>.tmp-<pid>-<base36>` (atomic_write.ts),
 * `auth.conf.bad-<ISO time>` (login --force), `auth.lock.takeover` (lock.ts),
 * `upkeep.log.1` (rotation). `config.json` is not among them: twg never
 * writes it but for `twg upgrade --channel`, which adds its one key to the
 * person's file, so it is the person's own (see {@link isTwgsConfigJson}).
 * Nothing else goes: `TWG_CONFIG_DIR` may point at a project folder, where
 * `config.json.orig` or `upkeep.log.bak` are the person's files.
 */
const TWG_NAMES = [
  "auth.conf",
  "profiles.json",
  // The refresh's in-flight record (src/auth/refresh_in_flight.ts).
  "auth.conf.inflight",
  // The access-token file host-side twg keeps for sandboxes (src/auth/, issue 20).
  "access-token.json",
  "auth.lock",
  "auth.lock.takeover",
  "upkeep.json",
  "upkeep.log",
  "upkeep.log.1",
  "twg-launcher",
  "twg-launcher.cmd",
  "twg-upkeep.js",
  "twg-upkeep.xml",
];
const TEMP_SUFFIX = /\.tmp-\d+-[0-9a-z]+$/;
const BAD_SUFFIX = /^auth\.conf\.bad-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\d-\d{3}Z$/;

/** Whether `name` is one twg writes (temporary files of those names included). */
export function isTwgFileName(name: string): boolean {
  const base = name.replace(TEMP_SUFFIX, "");
  return TWG_NAMES.includes(base) || BAD_SUFFIX.test(name);
}

/**
 * `config.json` is deleted only in twg's own default directory
 * (`~/.config/twg`, `%APPDATA%\twg`), where nothing but twg's settings
 * belong; in a directory chosen with `TWG_CONFIG_DIR` it may be a project's
 * own file, and stays.
 */
function isTwgsConfigJson(env: Env): boolean {
  return !env.getVar("TWG_CONFIG_DIR");
}

/** Declares `twg uninstall`. */
export function uninstallCommand(env: Env) {
  return new Command("uninstall")
    .description(
      "Remove the upkeep schedule, revoke the stored sign-in, delete twg's files and twg itself",
    )
    .option("-y, --yes", "do not ask for confirmation (required without a terminal)")
    .action(async (options) => await runUninstall(env, { yes: options.yes ?? false }));
}

/**
 * Uninstalls twg: asks first on a terminal and refuses without `yes`
 * elsewhere (exit 2); then each step, in an order where a later one never
 * needs what an earlier one removed. Exits 1 when any step failed.
 */
export async function runUninstall(env: Env, options: UninstallOptions): Promise<void> {
  // The default profile's paths: its directory is the config directory,
  // which holds every other profile's too.
  const paths = configPaths(env, defaultProfile);
  const cli = removalFor(env, await detectInstallation(env));
  const shownDir = displayPath(paths.dir, env.homeDir);
  if (!options.yes) await confirm(env, shownDir, cli.summary);
  const stored = await readCredentials(env, paths.authConf).catch(() => null);
  const wasKeyring = backendOf(stored?.oauth?.refreshToken) === "keyring";
  // Every other profile first (issue 21): its sign-in revoked, its files and
  // key removed, so that the config directory below holds only twg's files.
  const profileSteps = (await listProfiles(env)).filter((name) => name !== defaultProfile)
    .flatMap((name) => profileRemovalSteps(env, configPaths(env, name)));
  const steps: { failure: string; run: () => Promise<StepLine[]> }[] = [
    { failure: "Cannot remove the upkeep schedule", run: () => removeSchedule(env, paths) },
    ...profileSteps,
    { failure: "Cannot revoke the stored sign-in", run: () => revokeStoredSignIn(env, paths) },
    {
      failure: "Cannot remove the access-token files",
      run: async () => {
        await env.fs.rm(accessTokenDir(env), { recursive: true, force: true });
        return [];
      },
    },
    {
      failure: `Cannot remove ${shownDir}`,
      run: async () => {
        // Empty once every profile's files are gone; left (and named) otherwise.
        await env.fs.rm(join(paths.dir, "profiles"), {}).catch(() => {});
        return await removeConfigFiles(env, paths.dir);
      },
    },
    {
      failure: "Cannot remove the keyring item",
      run: async () => {
        const outcome = await removeKeyringKey(env, paths.dir, { wasKeyring });
        if (outcome === "skipped") return [];
        return [{
          status: outcome === "failed" ? "fail" : "ok",
          text: outcome === "removed"
            ? `Removed the key from the OS keyring ("${keyringAccount(paths.dir)}")`
            : outcome === "absent"
            ? "No key in the OS keyring to remove"
            : "The key in the OS keyring was not removed (see the warning above)",
        }];
      },
    },
    // Last: an npm uninstall deletes files this process might still load.
    { failure: "Cannot remove twg", run: async () => [await cli.remove()] },
  ];
  const style = styleFor(env, env.stderr);
  const marks = { ok: style.success("✔"), warn: style.warn("!"), fail: style.error("✖") };
  let hasFailed = false;
  for (const step of steps) {
    let lines: StepLine[];
    try {
      lines = await step.run();
    } catch (error) {
      if (isAbortError(error)) throw error;
      lines = [{ status: "fail", text: `${step.failure}: ${messageOf(error)}` }];
    }
    for (const line of lines) {
      hasFailed ||= line.status === "fail";
      env.stderr.write(`${marks[line.status]} ${line.text}\n`);
    }
  }
  if (hasFailed) throw new ReportedError(ExitCode.failure);
}

async function confirm(env: Env, shownDir: string, cliSummary: string): Promise<void> {
  if (!env.stdinIsTerminal) {
    throw new UsageError(
      "Refusing to uninstall without confirmation: there is no terminal to ask on",
      'Run "twg uninstall --yes" to uninstall without being asked',
    );
  }
  env.stderr.write(
    [
      "twg uninstall will:",
      "  - remove the upkeep schedule",
      "  - revoke the stored sign-in at the server",
      `  - delete twg's files in ${shownDir} (credentials, settings, state, logs)`,
      `  - ${cliSummary}`,
      "",
    ].join("\n"),
  );
  // Ctrl-C: main says "Interrupted; nothing was saved" (exit 130); "maybe": asked again.
  if (!(await askYesNo(env, "Uninstall twg?"))) {
    throw new TwgError("Uninstall cancelled; nothing was removed");
  }
}

async function removeSchedule(env: Env, paths: ConfigPaths): Promise<StepLine[]> {
  const { scheduler, wasInstalled } = await disableUpkeep(env, paths);
  return [{
    status: "ok",
    text: wasInstalled
      ? `Upkeep schedule removed (${scheduler.name})`
      : `No upkeep schedule was installed (${scheduler.name})`,
  }];
}

/** The steps that revoke and remove one non-default profile. */
function profileRemovalSteps(
  env: Env,
  paths: ConfigPaths,
): { failure: string; run: () => Promise<StepLine[]> }[] {
  const label = `profile ${paths.profile}`;
  return [
    {
      failure: `Cannot revoke the sign-in of ${label}`,
      run: async () =>
        (await revokeStoredSignIn(env, paths)).map((line) => ({
          ...line,
          text: `${label}: ${line.text}`,
        })),
    },
    {
      failure: `Cannot remove ${label}`,
      run: async () => {
        const stored = await readCredentials(env, paths.authConf).catch(() => null);
        const wasKeyring = backendOf(stored?.oauth?.refreshToken) === "keyring";
        const lines = await removeConfigFiles(env, paths.dir);
        await removeKeyringKey(env, paths.dir, { wasKeyring });
        await env.fs.rm(paths.dir, {}).catch(() => {});
        return lines.map((line) => ({ ...line, text: `${label}: ${line.text}` }));
      },
    },
  ];
}

async function revokeStoredSignIn(env: Env, paths: ConfigPaths): Promise<StepLine[]> {
  if (!(await readCredentials(env, paths.authConf))?.oauth) {
    return [{ status: "ok", text: "No stored sign-in to revoke" }];
  }
  // Under the lock, so that a refresh running right now cannot rotate the
  // tokens between reading them and revoking them. A store the lock cannot
  // be taken in (read-only) is revoked without it.
  const lock = await acquireLock(env, paths.lock, { signal: env.interrupt }).catch((error) => {
    if (isAbortError(error)) throw error;
    return null;
  });
  try {
    const stored = await readCredentials(env, paths.authConf);
    const lines = stored?.oauth ? [await revokeTokens(env, stored.oauth)] : [];
    if (stored?.bitbucketToken) {
      lines.push({
        status: "warn",
        text:
          "The Bitbucket token is only deleted here; revoke it in Bitbucket's settings if it is no longer needed",
      });
    }
    return lines;
  } finally {
    await lock?.release();
  }
}

async function revokeTokens(env: Env, tokens: OAuthTokens): Promise<StepLine> {
  const endpoint = tokens.revocationEndpoint;
  if (!endpoint) {
    return {
      status: "warn",
      text: "The server offers no token revocation (RFC 7009); the tokens are only deleted here",
    };
  }
  // The refresh token first: revoking it may end the whole grant (RFC 7009 §2.1).
  const candidates = [
    {
      token: await revocableRefreshToken(
        env,
        configPaths(env).dir,
        tokens.refreshToken,
        tokens,
      ),
      hint: "refresh_token",
      label: "refresh token",
    },
    { token: tokens.accessToken, hint: "access_token", label: "access token" },
  ] as const;
  const revoked: string[] = [];
  const failed: string[] = [];
  for (const { token, hint, label } of candidates) {
    if (!token) continue;
    const isRevoked = await revokeToken(env, endpoint, tokens.clientId, token, hint);
    (isRevoked ? revoked : failed).push(label);
  }
  const host = new URL(endpoint).host;
  if (failed.length > 0) {
    return {
      status: "fail",
      text: `Could not revoke the ${failed.join(" and the ")} at ${host}: ` +
        "end twg's access in your account's security settings",
    };
  }
  return { status: "ok", text: `Revoked the ${revoked.join(" and the ")} at ${host}` };
}

async function removeConfigFiles(env: Env, dir: string): Promise<StepLine[]> {
  const shown = displayPath(dir, env.homeDir);
  let names: string[];
  try {
    names = await env.fs.readdir(dir);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return [{ status: "ok", text: `Nothing to delete: ${shown} does not exist` }];
    }
    throw error;
  }
  const others: string[] = [];
  for (const name of names) {
    const isOurs = isTwgFileName(name) || (name === "config.json" && isTwgsConfigJson(env));
    // lstat: only a regular file is twg's; a directory or a link of that name is not.
    const info = isOurs ? await env.fs.lstat(join(dir, name)).catch(() => null) : null;
    if (info?.isFile()) await env.fs.rm(join(dir, name), { force: true });
    else if (info === null && isOurs) continue;
    else others.push(name);
  }
  if (others.length > 0) {
    return [
      { status: "ok", text: `Deleted twg's files in ${shown}` },
      {
        status: "warn",
        text: `Left ${shown} in place: it also holds files twg did not write (${
          others.join(", ")
        })`,
      },
    ];
  }
  await env.fs.rm(dir, { recursive: true, force: true });
  return [{ status: "ok", text: `Deleted ${shown}` }];
}
