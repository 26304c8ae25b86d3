/**
 * Updating and removing a compiled twg binary. An update replaces nothing
 * until the new file is complete, matches the manifest's SHA-256 and starts
 * as the expected version; then one rename puts it in place.
 *
 * @module
 */
import { systemProgram } from "../../platform/windows_system.ts";
import type { Env } from "../env.ts";
import { messageOf, NetworkError, TwgError } from "../errors.ts";
import { tempPathFor } from "../safe_files/atomic_write.ts";
import { assertSecureUrl, readBodyAtMost } from "../oauth/http.ts";
import { commandFailure } from "../../platform/failure.ts";
import type { ReleaseArtifact } from "./manifest.ts";
import { powerShellArgs } from "../../platform/powershell.ts";

/** The largest binary twg downloads (a compiled twg is around 100 MiB). */
export const maxBinaryBytes = 512 * 1024 * 1024;
const downloadTimeoutMs = 10 * 60_000;

/** What {@link installBinaryUpdate} installs, and where. */
export interface BinaryUpdate {
  artifact: ReleaseArtifact;
  /** The running binary, replaced in place. */
  binaryPath: string;
  /** The version the new binary must report (`--version`). */
  version: string;
}

/**
 * Downloads the artifact, verifies its SHA-256, writes it beside the binary,
 * checks that it starts and reports `version`, and renames it over the
 * binary (on Windows, which cannot replace a running executable, the old one
 * is first renamed to `<binary>.old`). A failed download or a checksum
 * mismatch is a {@link NetworkError} (exit 5); in every failure the old
 * binary stays and no temporary file is left.
 *
 * @example
 * ```ts ignore
 * await installBinaryUpdate(env, {
 *   artifact: manifest.artifacts["linux-x64"]!,
 *   binaryPath: env.execPath,
 *   version: manifest.version,
 * });
 * ```
 */
export async function installBinaryUpdate(env: Env, update: BinaryUpdate): Promise<void> {
  const { artifact, binaryPath, version } = update;
  const bytes = await download(env, artifact.url);
  const actual = await sha256Hex(bytes);
  if (actual !== artifact.sha256) {
    throw new NetworkError(
      `The download from ${
        new URL(artifact.url).host
      } does not match the release manifest: SHA-256 ${actual}, expected ${artifact.sha256}`,
    );
  }
  // A temporary name beside the binary: same file system, so the final
  // rename is atomic. Windows runs only files that end in .exe.
  const staged = tempPathFor(env, binaryPath) + (env.os === "windows" ? ".exe" : "");
  try {
    try {
      // The mode at creation, never a chmod by path (it would follow a symlink).
      await env.fs.writeFile(staged, bytes, { mode: 0o755, flag: "wx" });
    } catch (error) {
      throw new TwgError(`Cannot write beside "${binaryPath}": ${messageOf(error)}`, {
        hint: "Run the update as the user who owns that directory",
        cause: error,
      });
    }
    await assertStartsAs(env, staged, version);
    await swapInto(env, staged, binaryPath);
  } finally {
    await env.fs.rm(staged, { force: true }).catch(() => {});
  }
}

/**
 * Removes the binary at `binaryPath`. Returns `"removed"`, or on Windows,
 * where a running executable cannot be deleted, `"after-exit"`: the binary
 * is renamed to `<binary>.old` at once and a hidden PowerShell deletes that
 * file once this process has exited. Harmless when the binary is gone.
 */
export async function removeInstalledBinary(
  env: Env,
  binaryPath: string,
): Promise<"removed" | "after-exit"> {
  if (env.os !== "windows") {
    await env.fs.rm(binaryPath, { force: true });
    return "removed";
  }
  const aside = `${binaryPath}.old`;
  await env.fs.rm(aside, { force: true }).catch(() => {});
  try {
    await env.fs.rename(binaryPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return "removed";
    throw error;
  }
  const result = await env.run(
    systemProgram(env, "powershell"),
    powerShellArgs(DELETE_AFTER_EXIT_SCRIPT),
    {
      detached: true,
      env: { TWG_WAIT_PID: String(env.pid), TWG_DELETE_PATH: aside },
    },
  );
  if (result.code !== 0) {
    throw new Error(`Cannot schedule the deletion of "${aside}": ${commandFailure(result)}`);
  }
  return "after-exit";
}

/** Waits for twg to exit, then deletes the renamed binary; the paths come from the environment. */
const DELETE_AFTER_EXIT_SCRIPT = [
  "$ErrorActionPreference = 'SilentlyContinue'",
  "Wait-Process -Id ([int]$env:TWG_WAIT_PID) -Timeout 60",
  "Remove-Item -LiteralPath $env:TWG_DELETE_PATH -Force",
].join("\n");

async function download(env: Env, url: string): Promise<Uint8Array<ArrayBuffer>> {
  assertSecureUrl(url, "download URL");
  const host = new URL(url).host;
  const signal = AbortSignal.any([env.interrupt, AbortSignal.timeout(downloadTimeoutMs)]);
  try {
    const response = await fetchFollowingSecureRedirects(env, url, signal);
    if (!response.ok) {
      await response.body?.cancel();
      throw new NetworkError(
        `Cannot download the new version from ${host}: HTTP ${response.status}`,
      );
    }
    return await readBodyAtMost(response, maxBinaryBytes, host, signal);
  } catch (error) {
    if (env.interrupt.aborted) throw env.interrupt.reason;
    if (error instanceof NetworkError) throw error;
    throw new NetworkError(
      `Cannot download the new version from ${host}: ${messageOf(error)}`,
      error,
    );
  }
}

const maxRedirects = 5;

/**
 * Follows redirects by hand (release hosts redirect to storage), each one
 * checked like the first URL: https, or http to a loopback host. Integrity
 * comes from the manifest's SHA-256; this keeps the bytes, and what the
 * network sees of the request, off plain http all the same.
 */
async function fetchFollowingSecureRedirects(
  env: Env,
  url: string,
  signal: AbortSignal,
): Promise<Response> {
  let current = url;
  for (let hop = 0;; hop++) {
    const response = await env.fetch(current, { signal, redirect: "manual" });
    const location = response.headers.get("location");
    if (response.status < 300 || response.status > 399 || location === null) return response;
    await response.body?.cancel();
    if (hop >= maxRedirects) {
      throw new NetworkError(
        `Cannot download the new version: more than ${maxRedirects} redirects`,
      );
    }
    current = new URL(location, current).href;
    assertSecureUrl(current, "download URL (after a redirect)");
  }
}

async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

// The checksum proves the bytes are the ones published; this proves they are
// a twg that runs on this machine (a manifest may list a binary under the
// wrong platform), before the working one is replaced.
async function assertStartsAs(env: Env, path: string, version: string): Promise<void> {
  let result = await env.run(path, ["--version"]);
  // ETXTBSY: a process forked by another thread in the instant the file was
  // still open for writing holds that descriptor until it execs (it is
  // close-on-exec), and Linux refuses to run a file open for writing
  // (golang/go#22315). It lasts an instant; retrying is the usual remedy.
  for (let attempt = 1; attempt < 5 && isTextFileBusy(result); attempt++) {
    await env.sleep(20 * attempt);
    result = await env.run(path, ["--version"]);
  }
  if (result.code !== 0 || !result.stdout.includes(version)) {
    throw new TwgError(
      `The downloaded twg ${version} does not start on this system: ${commandFailure(result)}`,
      { hint: 'Nothing was replaced; report this with the output of "twg doctor"' },
    );
  }
}

function isTextFileBusy(result: { code: number; stderr: string }): boolean {
  return result.code === 126 && /Text file busy|os error 26|ETXTBSY/.test(result.stderr);
}

async function swapInto(env: Env, staged: string, binaryPath: string): Promise<void> {
  try {
    if (env.os !== "windows") {
      await env.fs.rename(staged, binaryPath);
      return;
    }
    const aside = `${binaryPath}.old`;
    // The previous update's leftover; still locked if that twg still runs.
    await env.fs.rm(aside, { force: true }).catch(() => {});
    await env.fs.rename(binaryPath, aside);
    try {
      await env.fs.rename(staged, binaryPath);
    } catch (error) {
      await env.fs.rename(aside, binaryPath);
      throw error;
    }
  } catch (error) {
    throw new TwgError(`Cannot replace "${binaryPath}": ${messageOf(error)}`, { cause: error });
  }
}
