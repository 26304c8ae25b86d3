/**
 * `twg upkeep run`: what the schedule starts every 12 minutes. Cheap when
 * nothing is due (no network request at all), and the same preflight, lock
 * and atomic save as the foreground commands when something is.
 *
 * @module
 */
import { keepAccessTokenFileQuietly } from "../handoff/access_token_file.ts";
import {
  assertLauncherIntact,
  assertPinnedOrigins,
  PinMismatchError,
  pinVariables,
} from "./pins.ts";
import { writeFileAtomic } from "../safe_files/atomic_write.ts";
import { refreshIfDue } from "../auth/refresh.ts";
import type { ConfigPaths } from "../config/paths.ts";
import { StoreNotWritableError } from "../credentials/preflight.ts";
import { readCredentials } from "../credentials/store.ts";
import type { Env } from "../env.ts";
import { joinPath } from "../lean_path.ts";
import { assertOwnedByUser } from "../safe_files/ownership.ts";
import { terminalSafe } from "../ui/terminal_text.ts";
import { configPaths } from "../config/paths.ts";
import { listProfiles } from "../config/profiles.ts";
import { updateCheckRound } from "../update/check.ts";
import { consentNoticeRound } from "./consent_notice.ts";
import { withRecordedRejection } from "../auth/refresh_in_flight.ts";
import {
  AuthRequiredError,
  ExitCode,
  type ExitCodeValue,
  messageOf,
  ReportedError,
  TwgError,
} from "../errors.ts";
import { readUpkeepState, type UpkeepState, writeUpkeepState } from "../config/upkeep_state.ts";

/** Upkeep refreshes when the due time is this close, so that no foreground command has to. */
export const upkeepRefreshWindowMs = 15 * 60_000;
/** The log is rotated past this size (one previous file is kept). */
export const upkeepLogMaxBytes = 256 * 1024;

/** What one run did, for the log and the state. */
export interface UpkeepOutcome {
  result: string;
  exitCode: ExitCodeValue;
  state: UpkeepState;
}

/**
 * One round of upkeep: refreshes when due within {@link upkeepRefreshWindowMs},
 * then makes the update check (`src/update/check.ts`), and records both in
 * `upkeep.json` and the log. Never throws for an expected failure: the
 * outcome carries it, with the exit code.
 *
 * @example
 * ```ts ignore
 * const outcome = await upkeepRound(env, configPaths(env));
 * outcome.result; // "fresh", "refreshed", "skipped: not logged in" or "failed: …"
 * ```
 */
export async function upkeepRound(env: Env, paths: ConfigPaths): Promise<UpkeepOutcome> {
  let state = await readUpkeepState(env, paths.upkeepJson);
  const now = new Date(env.now()).toISOString();
  // Every profile (src/config/profiles.ts): the one given first, then the others.
  const others = (await listProfiles(env)).filter((name) => name !== paths.profile);
  const rounds = [{ name: paths.profile, round: await refreshProfile(env, paths) }];
  for (const name of others) {
    rounds.push({ name, round: await refreshProfile(env, configPaths(env, name)) });
  }
  if (rounds.some(({ round }) => round.refreshed)) {
    state = { ...state, lastRefresh: new Date(env.now()).toISOString() };
  }
  const named = rounds.length > 1;
  const result = rounds.map(({ name, round }) => named ? `${name}: ${round.result}` : round.result)
    .join("; ");
  const errors = rounds.filter(({ round }) => round.lastError !== null)
    .map(({ name, round }) => named ? `${name}: ${round.lastError}` : round.lastError);
  const lastError: string | null = errors.length > 0 ? errors.join("; ") : null;
  let exitCode: ExitCodeValue =
    rounds.find(({ round }) => round.exitCode !== ExitCode.ok)?.round.exitCode ?? ExitCode.ok;
  state = { ...state, lastRun: now, lastResult: result, lastError };
  const signedIn = (await readCredentials(env, paths.authConf).catch(() => null))?.oauth;
  state = await consentNoticeRound(env, state, signedIn);
  // A pinned job without a pinned manifest URL had none at enable: one that
  // config.json names since is not the job's to ask (a sandbox may write it).
  const isManifestUnpinned = Boolean(env.getVar(pinVariables.issuerOrigin)) &&
    !env.getVar("TWG_UPDATE_MANIFEST_URL");
  if (!isManifestUnpinned) state = await updateCheckRound(env, state);
  try {
    await writeUpkeepState(env, paths.upkeepJson, state);
  } catch (error) {
    // The same unwritable directory that failed the refresh: say it on
    // stderr (the scheduler's log) rather than fail differently.
    if (exitCode === ExitCode.ok) exitCode = ExitCode.storeNotWritable;
    state = {
      ...state,
      lastError: `${lastError ?? ""}${lastError ? "; " : ""}cannot record upkeep state: ${
        messageOf(error)
      }`,
    };
  }
  await appendLog(env, paths, `${now} ${result}${lastError ? `: ${lastError}` : ""}`);
  return { result, exitCode, state };
}

/** One profile's part of an upkeep round. */
interface ProfileRound {
  result: string;
  exitCode: ExitCodeValue;
  lastError: string | null;
  refreshed: boolean;
}

/** Refreshes one profile when due; never throws for an expected failure. */
async function refreshProfile(env: Env, paths: ConfigPaths): Promise<ProfileRound> {
  let refreshed = false;
  let result: string;
  let exitCode: ExitCodeValue = ExitCode.ok;
  let lastError: string | null = null;
  try {
    // Started by the schedule: what it ran and where it sends must be what
    // `upkeep enable` pinned (src/upkeep/pins.ts), before anything is sent.
    await assertLauncherIntact(env);
    const stored = await readCredentials(env, paths.authConf);
    // A rejection is recorded beside auth.conf (src/auth/refresh_rejection.ts).
    const tokens = await withRecordedRejection(env, paths, stored?.oauth);
    if (!tokens || tokens.rejectedAt) {
      result = "skipped: not logged in";
    } else {
      assertPinnedOrigins(env, tokens);
      const outcome = await refreshIfDue(env, paths, {
        dueWithinMs: upkeepRefreshWindowMs,
        interruptible: true,
      });
      result = outcome.refreshed ? "refreshed" : "fresh";
      // Every round, not only after a refresh: a missing or stale file
      // (a refresh by a process that could not write it) is put right here.
      await keepAccessTokenFileQuietly(env, paths, outcome.tokens, outcome.credentials.site);
      refreshed = outcome.refreshed;
    }
  } catch (error) {
    lastError = messageOf(error);
    exitCode = error instanceof TwgError ? error.exitCode : ExitCode.failure;
    result = error instanceof StoreNotWritableError
      ? "failed: store not writable"
      : error instanceof PinMismatchError
      ? "failed: not what upkeep enable pinned"
      : error instanceof AuthRequiredError
      ? "failed: login needed"
      : "failed";
  }
  return { result, exitCode, lastError, refreshed };
}

/**
 * `twg upkeep run`, as the schedule starts it: one round with the update
 * check; failures go to stderr (the scheduler's log) and the exit code. Free
 * of the command-line parser, so `src/main.ts` runs it directly: it runs 120
 * times a day.
 */
export async function runScheduledUpkeep(env: Env): Promise<void> {
  const outcome = await upkeepRound(env, configPaths(env));
  if (outcome.exitCode !== ExitCode.ok) {
    env.stderr.write(`twg upkeep: ${outcome.result}: ${outcome.state.lastError}\n`);
    throw new ReportedError(outcome.exitCode);
  }
}

/**
 * Appends one line to `upkeep.log`, rotating it to `upkeep.log.1` past
 * {@link upkeepLogMaxBytes}; nothing at all in a directory that another
 * user owns or can write (`assertOwnedByUser`). Never through a symlink: the log is read only
 * when it is a regular file (lstat), and the new content replaces it through
 * a temporary file and a rename, so `upkeep.log -> ~/.profile` is replaced,
 * and `~/.profile` never touched. The log is small, so the copy is cheap.
 */
export async function appendLog(env: Env, paths: ConfigPaths, line: string): Promise<void> {
  const log = joinPath(paths.root, "upkeep.log");
  try {
    // A directory refused for the refresh is refused for the log too:
    // whoever else can write it could swap a symlink in under any write.
    await assertOwnedByUser(env, paths.root, "directory");
    const info = await env.fs.lstat(log).catch(() => null);
    let previous = "";
    if (info?.isFile()) {
      if (info.size > upkeepLogMaxBytes) await env.fs.rename(log, `${log}.1`);
      else previous = await env.fs.readFile(log, "utf8");
    }
    // The line quotes servers' words; the log is read in a terminal later.
    await writeFileAtomic(env, log, previous + terminalSafe(line) + "\n", 0o644);
  } catch {
    // The log is a convenience; a read-only config dir is already in the state.
  }
}
