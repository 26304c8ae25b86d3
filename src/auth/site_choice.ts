/**
 * Choosing the site a sign-in works with. One access token reaches every site
 * the account can use (the resources list says which), so a choice is only a
 * field in `auth.conf`: `twg login` and `twg auth switch` both end here, and
 * switching needs no new login.
 *
 * @module
 */
import { keepAccessTokenFileQuietly } from "../handoff/access_token_file.ts";
import { terminalSafe } from "../ui/terminal_text.ts";
import type { ConfigPaths } from "../config/paths.ts";
import type { Site } from "../credentials/auth_conf.ts";
import { assertStoreWritable } from "../credentials/preflight.ts";
import type { Env } from "../env.ts";
import { AuthRequiredError, UsageError } from "../errors.ts";

/** `site-1 (Example One), site-2 (Example Two)`: the ids a person can pass to `--site`. */
export function describeSites(sites: Site[]): string {
  return sites.map((site) => `${terminalSafe(site.id)} (${terminalSafe(site.name)})`).join(", ") ||
    "none";
}

/** `--site` named a site the sign-in does not reach (exit 2, the available ids listed). */
export function noSiteMatches(wanted: string, sites: Site[], next: string): UsageError {
  return new UsageError(
    `No site matches "${wanted}"; this account reaches: ${describeSites(sites)}`,
    next,
  );
}

/** Several sites and no way to ask (no terminal, or `--json`): exit 2, the ids listed. */
export function siteNotChosen(sites: Site[], next: string): UsageError {
  return new UsageError(
    `This account reaches ${sites.length} sites and none was chosen: ${describeSites(sites)}`,
    next,
  );
}

/**
 * Asks on the terminal which site to use; `null` when the person ends the
 * input or presses Ctrl-C (the prompt is not hidden, so Ctrl-C arrives as
 * SIGINT, through `env.interrupt`).
 */
export async function askForSite(
  env: Env,
  sites: Site[],
  current: Site | null = null,
): Promise<Site | null> {
  // Before the question shows: reading env.interrupt installs the Ctrl-C
  // handler, and a Ctrl-C typed the moment the question appears must find it.
  const interrupt = env.interrupt;
  env.stderr.write("This account reaches several sites:\n");
  sites.forEach((site, index) => {
    const mark = current?.id === site.id ? " (current)" : "";
    env.stderr.write(
      `  ${index + 1}. ${terminalSafe(site.name)} (${terminalSafe(site.url)})${mark}\n`,
    );
  });
  for (;;) {
    const answer = await untilInterrupted(
      env.readLine(`Choose a site [1-${sites.length}]: `),
      interrupt,
    );
    if (answer === null) return null;
    const typed = answer.trim();
    const chosen = /^\d+$/.test(typed)
      ? sites[Number(typed) - 1]
      : sites.find((site) =>
        site.id === typed || site.url.replace(/\/$/, "") === typed.replace(/\/$/, "")
      );
    if (chosen) return chosen;
    // Said, not silently asked again: the person sees why.
    const how = `enter a number from 1 to ${sites.length}, a site id or its URL ` +
      "(Ctrl-D to choose later)";
    env.stderr.write(
      typed
        ? `No site "${terminalSafe(typed)}": ${how}.\n`
        : `${how[0]!.toUpperCase()}${how.slice(1)}.\n`,
    );
  }
}

/** `read`, or `null` as soon as `signal` aborts (the read itself cannot be cancelled). */
function untilInterrupted<T>(read: Promise<T | null>, signal: AbortSignal): Promise<T | null> {
  if (signal.aborted) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const onAbort = () => resolve(null);
    signal.addEventListener("abort", onAbort, { once: true });
    read.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

/**
 * Records `site` (and the list it came from) as the sign-in's site, under the
 * lock and on the latest credentials: a refresh may have rotated the tokens
 * meanwhile, and those must be kept.
 */
export async function saveSiteChoice(
  env: Env,
  paths: ConfigPaths,
  site: Site,
  sites: Site[],
): Promise<void> {
  await assertStoreWritable(env, paths.dir, paths.authConf);
  // The door and its lock load only to save: auth status describes sites without them.
  const { changeSignIn } = await import("../credentials/sign_in_door.ts");
  await changeSignIn(env, paths, (current) => {
    if (!current?.oauth) throw new AuthRequiredError("You are not logged in");
    return Promise.resolve({
      kind: "write",
      credentials: { ...current, site, sites },
      result: undefined,
      // Sandboxes reading the access-token file follow the switch too.
      onSaved: () => keepAccessTokenFileQuietly(env, paths, current.oauth!, site),
    });
  }, { lock: { signal: env.interrupt } });
}
