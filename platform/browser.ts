/**
 * Opens a URL in the person's browser, safely: only `https` (or `http` to a
 * loopback host), and never through a shell.
 *
 * @module
 */
import { systemProgram } from "./windows_system.ts";
import type { Env } from "../src/env.ts";
import { messageOf } from "../src/errors.ts";
import { isLoopbackHost } from "./loopback.ts";

/** Whether the browser was started; `reason` is a short phrase for after a colon. */
export type OpenResult = { opened: true } | { opened: false; reason: string };

/** The program that opens the browser and its arguments, run directly. */
interface BrowserCommand {
  command: string;
  args: string[];
}

/**
 * Whether `url` may be handed to a browser: `https:`, or `http:` to
 * `localhost`, `127.0.0.0/8` or `[::1]`.
 *
 * @example
 * ```ts
 * isSafeBrowserUrl("https://auth.example.com/device"); // true
 * isSafeBrowserUrl("http://127.0.0.1:8080/callback"); // true
 * isSafeBrowserUrl("javascript:alert(1)"); // false
 * ```
 */
export function isSafeBrowserUrl(url: string): boolean {
  return safeBrowserUrl(url) !== null;
}

/**
 * Opens `url` in a browser without waiting for it. Refuses unsafe URLs, and
 * does nothing when `TWG_NO_BROWSER=1`, `BROWSER=none`, or there is no display;
 * the caller then prints the URL for the person to open.
 *
 * @example
 * ```ts ignore
 * const result = await openBrowser(env, "https://auth.example.com/device");
 * if (!result.opened) env.stderr.write(`Could not open a browser: ${result.reason}\n`);
 * ```
 */
export async function openBrowser(env: Env, url: string): Promise<OpenResult> {
  const safeUrl = safeBrowserUrl(url);
  if (safeUrl === null) {
    return { opened: false, reason: "the URL is neither https nor http to a loopback host" };
  }
  // The normalized form percent-encodes spaces and quotes and always starts
  // with "http", so no opener can read it as an option or split it.
  const opener = browserCommand(env, safeUrl.href);
  if ("reason" in opener) return { opened: false, reason: opener.reason };
  let result;
  try {
    // Waited for briefly: xdg-open, open and a $BROWSER that cannot open the
    // page exit non-zero at once, and "Opened" would be a lie.
    result = await env.run(opener.command, opener.args, { detached: true, earlyExitMs: 1500 });
  } catch (error) {
    // Starting it was refused (Deno's --allow-run, a sandbox): the caller
    // prints the URL instead, as for any browser that did not open.
    return { opened: false, reason: `${opener.command} could not be started: ${messageOf(error)}` };
  }
  if (result.code === 0) return { opened: true };
  return {
    opened: false,
    reason: result.code === 127
      ? `${opener.command} was not found`
      : result.code === 126 && result.stderr
      ? `${opener.command} could not be started: ${result.stderr}`
      : `${opener.command} failed (exit code ${result.code})`,
  };
}

function browserCommand(env: Env, url: string): BrowserCommand | { reason: string } {
  if (env.getVar("TWG_NO_BROWSER") === "1") return { reason: "TWG_NO_BROWSER is set" };
  const browser = env.getVar("BROWSER");
  if (browser === "none") return { reason: "BROWSER is none" };
  if (browser) return browserVarCommand(browser, url);
  switch (env.os) {
    case "darwin":
      return { command: "/usr/bin/open", args: [url] };
    case "windows":
      return windowsCommand(env, url);
    case "linux":
      return linuxCommand(env, url);
  }
}

// BROWSER is one program path (spaces allowed, as in "C:\Program Files\...")
// given the URL as its argument. The older convention of a command line with
// "%s" for the URL is honoured by splitting on whitespace: still no shell.
function browserVarCommand(browser: string, url: string): BrowserCommand {
  if (!browser.includes("%s")) return { command: browser, args: [url] };
  const [command = "", ...args] = browser.trim().split(/\s+/);
  return { command, args: args.map((arg) => arg.replaceAll("%s", url)) };
}

// Not `cmd /c start "" <url>`: cmd.exe parses the URL as a command line, so
// "&" in a query string starts a second command and "^" and "%VAR%" are
// rewritten. rundll32 hands the URL to the default-browser handler untouched.
// The full path keeps a rundll32.exe in the current directory (searched before
// PATH by CreateProcess and libuv) from running instead.
function windowsCommand(env: Env, url: string): BrowserCommand {
  return {
    command: systemProgram(env, "rundll32"),
    args: ["url.dll,FileProtocolHandler", url],
  };
}

function linuxCommand(env: Env, url: string): BrowserCommand | { reason: string } {
  // Under WSL, xdg-open would look for a Linux browser; wslview (from wslu)
  // opens the Windows one.
  if (env.getVar("WSL_DISTRO_NAME") || env.getVar("WSL_INTEROP")) {
    return { command: "wslview", args: [url] };
  }
  if (!env.getVar("DISPLAY") && !env.getVar("WAYLAND_DISPLAY")) return { reason: "no display" };
  return { command: "xdg-open", args: [url] };
}

function safeBrowserUrl(url: string): URL | null {
  let parsed: URL;
  try {
    // Not URL.parse: Node 20 lacks it.
    parsed = new URL(url);
  } catch {
    return null;
  }
  const isSafe = parsed.protocol === "https:" ||
    (parsed.protocol === "http:" && isLoopbackHost(parsed.hostname));
  return isSafe ? parsed : null;
}
