/**
 * `twg auth switch`: selects another site reachable with the same sign-in
 * (the access token reaches every site the account can use, so no new
 * login), or, with `--profile`, which profile is the default — for every
 * directory, or with `--here` for this directory and those below it.
 *
 * @module
 */
import { assertBoundOrigin } from "../auth/token_origins.ts";
import { Command } from "@commander-js/extra-typings";
import { readSignedIn } from "../auth/signed_in.ts";
import {
  askForSite,
  describeSites,
  noSiteMatches,
  saveSiteChoice,
  siteNotChosen,
} from "../auth/site_choice.ts";
import { usableCredentials } from "../auth/token.ts";
import { assertProfileName, configPaths, defaultProfile } from "../config/paths.ts";
import {
  maxMappedDirectories,
  profilesFile,
  readProfileChoices,
  saveProfileChoices,
} from "../config/profiles.ts";
import { readCredentials } from "../credentials/store.ts";
import { loadSettings } from "../config/settings.ts";
import type { Site } from "../credentials/auth_conf.ts";
import type { Env } from "../env.ts";
import {
  ExitCode,
  messageOf,
  NetworkError,
  ReportedError,
  TwgError,
  UsageError,
} from "../errors.ts";
import { fetchSites } from "../oauth/identity.ts";
import { matchSite } from "../auth/site_selector.ts";
import { displayPath, styleFor } from "../ui/style.ts";

/** Options of `twg auth switch`. */
export interface AuthSwitchOptions {
  /** An id, URL or host name; without it, asks on a terminal. */
  site: string | undefined;
  /** The profile to make the default (main has already made it the active one). */
  profile?: string | undefined;
  /** Map the working directory to `profile` instead of changing the default. */
  here?: boolean;
}

/** Declares `twg auth switch`. */
export function authSwitchCommand(env: Env) {
  return new Command("switch")
    .description(
      "Choose another site reachable with the same sign-in (no new login), or the default profile",
    )
    .option("--site <id-or-url>", "the site to use: its id, URL or host name")
    .option("--profile <name>", "make this profile the default (see --here)")
    .option("--here", "use the profile in this directory and below it only")
    .action(async (options) => {
      await runAuthSwitch(env, {
        site: options.site,
        profile: options.profile,
        here: options.here === true,
      });
    });
}

/**
 * Makes `name` the default profile, or the one of the working directory
 * (`here`). Kept in twg's own `profiles.json`, never in a repository.
 */
export async function switchProfile(env: Env, name: string, here: boolean): Promise<void> {
  assertProfileName(name);
  const choices = await readProfileChoices(env);
  const style = styleFor(env, env.stderr);
  if (here) {
    const cwd = env.cwd();
    const directories = { ...choices.directories, [cwd]: name };
    if (Object.keys(directories).length > maxMappedDirectories) {
      throw new UsageError(
        `At most ${maxMappedDirectories} directories can be mapped to profiles`,
        `Remove some from ${profilesFile(env)}`,
      );
    }
    await saveProfileChoices(env, { ...choices, directories });
    env.stderr.write(
      `${style.success("✔")} Profile ${name} is used in ${displayPath(cwd, env.homeDir)} and below
`,
    );
  } else {
    await saveProfileChoices(env, { ...choices, default: name === defaultProfile ? null : name });
    env.stderr.write(`${style.success("✔")} Profile ${name} is now the default
`);
  }
  const signedIn = await readCredentials(env, configPaths(env, name).authConf).catch(() => null);
  if (!signedIn?.oauth) {
    env.stderr.write(`  It is not signed in yet: run "twg login --profile ${name}"\n`);
  } else if (signedIn.user) {
    const who = signedIn.user.email ?? signedIn.user.name ?? signedIn.user.id;
    env.stderr.write(style.dim(`  Signed in as ${who}\n`));
  }
}

/** Selects the site and saves the choice; exit 2 when it names none the sign-in reaches. */
export async function runAuthSwitch(env: Env, options: AuthSwitchOptions): Promise<void> {
  if (options.here && !options.profile) {
    throw new UsageError("--here needs --profile", 'Run "twg auth switch --profile <name> --here"');
  }
  if (options.profile) {
    await switchProfile(env, options.profile, options.here === true);
    if (!options.site) return;
  }
  const paths = configPaths(env);
  const { credentials } = await readSignedIn(env, paths);
  const next = 'Run "twg auth switch --site <id>" with one of them';
  let sites = credentials.sites;
  // The list stored at login may be missing (an older auth.conf) or stale (a
  // site added since): ask the server again before calling a name unknown.
  if (!sites || (options.site && !matchSite(sites, options.site))) {
    sites = await currentSites(env);
  }
  let chosen: Site | null;
  if (options.site) {
    chosen = matchSite(sites, options.site);
    if (!chosen) throw noSiteMatches(options.site, sites, next);
  } else if (sites.length === 0) {
    throw new TwgError("This sign-in reaches no site", {
      hint: 'Ask for access to a site, then run "twg auth switch" again',
    });
  } else if (sites.length === 1) {
    chosen = sites[0]!;
  } else if (!env.stdinIsTerminal) {
    throw siteNotChosen(sites, next);
  } else {
    chosen = await askForSite(env, sites, credentials.site);
    if (!chosen) {
      env.stderr.write("\nNo site chosen; nothing was changed.\n");
      throw new ReportedError(ExitCode.interrupted);
    }
  }
  await saveSiteChoice(env, paths, chosen, sites);
  const style = styleFor(env, env.stderr);
  env.stderr.write(`${style.success("✔")} Switched to ${chosen.name} (${chosen.url})\n`);
  if (sites.length > 1) {
    env.stderr.write(style.dim(`  Sites this sign-in reaches: ${describeSites(sites)}\n`));
  }
}

/** The sites list, fetched with the stored sign-in's token (refreshed first when due). */
async function currentSites(env: Env): Promise<Site[]> {
  const paths = configPaths(env);
  const settings = await loadSettings(env, paths.configJson);
  if (!settings.resourcesUrl) {
    throw new UsageError(
      "No sites list is configured",
      "Set TWG_RESOURCES_URL to the URL that lists the sites a token reaches",
    );
  }
  const { credentials, tokens } = await usableCredentials(env, paths);
  assertBoundOrigin(env, settings.resourcesUrl, credentials);
  try {
    return await fetchSites(env, settings.resourcesUrl, tokens.accessToken);
  } catch (error) {
    if (error instanceof TwgError) throw error;
    throw new NetworkError(
      `Could not list the sites at ${new URL(settings.resourcesUrl).host}: ${messageOf(error)}`,
      error,
    );
  }
}
