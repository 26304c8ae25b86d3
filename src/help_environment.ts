/**
 * `twg help environment`: every environment variable twg reads, with its
 * meaning, as `gh help environment` lists gh's. The contract's Environment
 * table (docs: cli-contract.md) is the source; a test checks that every
 * `TWG_*` variable the code reads is listed here.
 *
 * @module
 */

/** One variable: its name and what it does. */
export type EnvironmentEntry = [name: string, meaning: string];

/** The variables, in the order a newcomer needs them. */
export const environmentEntries: EnvironmentEntry[] = [
  [
    "TWG_CLIENT_ID",
    "The OAuth client id twg signs in with (a public client, no secret). Required: " +
    "there is no default. Or: twg config set client-id <id>",
  ],
  ["TWG_ISSUER", "OAuth issuer URL (default https://auth.atlassian.com)"],
  ["TWG_SCOPES", "Space-separated scopes to request; offline_access is always added"],
  ["TWG_RESOURCES_URL", "Lists the sites the token reaches (GET with the bearer token)"],
  ["TWG_API_URL", "Base URL of twg api (may contain {siteId})"],
  ["TWG_BITBUCKET_API_URL", "Base URL of twg api --bitbucket"],
  [
    "TWG_ALLOW_ORIGIN",
    "Origins (comma-separated) the stored token may also go to, as twg api --allow-origin",
  ],
  [
    "TWG_NO_PUBLIC_DEFAULTS",
    "1: no default that names a public host (issuer, Atlassian and Bitbucket APIs)",
  ],
  ["TWG_CONFIG_DIR", "The config directory (default $XDG_CONFIG_HOME/twg, else ~/.config/twg)"],
  ["XDG_CONFIG_HOME", "Where the config directory goes when TWG_CONFIG_DIR is unset"],
  ["TWG_CREDENTIAL_BACKEND", "file (default) or keyring: where a new sign-in is kept"],
  [
    "TWG_OAUTH_ACCESS_TOKEN",
    "An access token for CI; wins over stored credentials, never refreshed or written",
  ],
  ["TWG_BBC_TOKEN", "Bitbucket token; wins over a stored one"],
  ["TWG_UPDATE_MANIFEST_URL", "Release manifest for twg upgrade (and update)"],
  ["TWG_UPDATE_CHANNEL", "Release channel for twg upgrade: stable (default) or beta"],
  [
    "npm_config_registry",
    "npm's registry, which twg upgrade asks for the newest version of an npm install when no " +
    "release manifest is set (default https://registry.npmjs.org/, none under " +
    "TWG_NO_PUBLIC_DEFAULTS=1)",
  ],
  [
    "TWG_REFRESH_REUSE_LEEWAY_SECONDS",
    "The issuer's reuse leeway for a rotated refresh token (Atlassian: 600)",
  ],
  [
    "TWG_CONSENT_LIFETIME_DAYS",
    "The issuer's absolute consent lifetime (Atlassian: 365), announced 14 and 3 days ahead",
  ],
  [
    "TWG_BROKER_SOCKET",
    "The token keeper's socket (as twg auth serve --socket); default $XDG_RUNTIME_DIR/twg/broker.sock",
  ],
  [
    "TWG_PROFILE",
    "The profile for this process (as --profile); default: the directory's mapping, else the one set by twg auth switch --profile",
  ],
  ["TWG_KEYRING_TIMEOUT_MS", "How long to wait for the OS keyring before giving up"],
  [
    "TWG_DEBUG",
    "api (or 1): trace each HTTP request and response on stderr, credentials redacted; " +
    "1 also shows stacks",
  ],
  ["TWG_NO_BROWSER", "1: never open a browser (also BROWSER=none)"],
  ["BROWSER", "The program that opens the verification page; none disables it"],
  ["NO_COLOR", "Disables colour"],
  ["NO_UPDATE_NOTIFIER", "Hides the notice that a newer twg exists"],
  ["AI_AGENT, AGENT", "Declares the coding agent running twg (see twg doctor)"],
];

/** The text of `twg help environment`, wrapped to `columns`. */
export function environmentHelp(columns: number): string {
  const width = Math.max(20, columns);
  const lines = [
    ...wrap(
      "Environment variables twg reads. Values may also live in config.json in the config " +
        'directory (see "twg config list"); a variable wins over the file.',
      width - 1,
    ),
    "",
  ];
  for (const [name, meaning] of environmentEntries) {
    lines.push(name);
    lines.push(...wrap(meaning, width - 4).map((line) => `    ${line}`));
  }
  return `${lines.join("\n")}\n`;
}

/** Word-wraps `text` to lines of at most `width` characters (a longer word stands alone). */
export function wrap(text: string, width: number): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(line);
  return lines;
}
