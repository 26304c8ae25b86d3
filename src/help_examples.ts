/**
 * The "Examples:" section that ends every command's `--help`, in gh's style:
 * two or three real invocations with what each does. Keyed by the command's
 * path below `twg`; `src/cli.ts` attaches them, and a test checks that every
 * command in the tree has its entry.
 *
 * @module
 */

/** One example: the command line and what it does. */
export type Example = [invocation: string, meaning: string];

/** Examples by command path (`""` is `twg` itself). */
export const helpExamples: Record<string, Example[]> = {
  "": [
    ["twg login", "sign in with your browser"],
    ["twg auth status", "who is signed in (offline)"],
    ["TOKEN=$(twg auth token)", "a valid access token for scripts"],
    ["twg api /rest/api/3/myself", "an authenticated API request"],
  ],
  login: [
    ["twg login", "sign in; opens the browser at the verification page"],
    ["twg login --no-browser", "print the URL and code only (SSH, containers)"],
    ["twg login --json", "JSON lines on stdout, for an agent relaying the code"],
    ["twg login --with-token < token.txt", "store an access token read from stdin"],
    ["twg login --backend keyring", "keep the refresh token out of plaintext (OS keyring)"],
  ],
  logout: [
    ["twg logout", "revoke and remove the OAuth sign-in, keep the Bitbucket token"],
    ["twg logout --all", "remove the Bitbucket token too"],
  ],
  doctor: [
    ["twg doctor", "check everything; exit 1 when a check fails"],
    ["twg doctor --basic", "a short offline summary, starting with the auth source"],
    ["twg doctor --json | jq '.checks[] | select(.status != \"ok\")'", "what needs attention"],
  ],
  auth: [
    ["twg auth status", "who is signed in, and when the token expires"],
    ["twg auth token", "print a valid access token"],
    ["twg auth refresh", "rotate the tokens when due"],
  ],
  "auth login": [
    ["twg auth login", "gh's spelling of twg login"],
  ],
  "auth logout": [
    ["twg auth logout", "gh's spelling of twg logout"],
  ],
  "auth status": [
    ["twg auth status", "who is signed in, the site, the expiry (offline)"],
    ["twg auth status --json | jq -r .site.url", "the connected site, for scripts"],
  ],
  "auth token": [
    ["TOKEN=$(twg auth token)", "a valid access token, refreshed first when due"],
    ['curl -H "Authorization: Bearer $(twg auth token)" https://…', "use it with curl"],
    ['TWG_OAUTH_ACCESS_TOKEN="$TOKEN" twg auth token', "in CI: the variable wins, as it is"],
    ["twg auth token --json", "the token with its expiry, site and source, as JSON"],
    ['eval "$(twg auth token --format env)"', "TWG_OAUTH_ACCESS_TOKEN and the site in this shell"],
  ],
  "auth serve": [
    ["twg auth serve", "keep tokens fresh for sandboxes, on $XDG_RUNTIME_DIR/twg/broker.sock"],
    ["twg auth serve --socket /tmp/agent/broker.sock", "listen where a container can mount it"],
  ],
  exec: [
    ["twg exec -- curl -H @headers https://…", "run a command with TWG_OAUTH_ACCESS_TOKEN set"],
    ["twg exec --min-valid 30m -- ./long-job", "refresh first unless 30 minutes are left"],
  ],
  "auth refresh": [
    ["twg auth refresh", "rotate only when 75% of the lifetime has passed"],
    ["twg auth refresh --force", "rotate now"],
    ["twg auth refresh --json", "the outcome as JSON, for scripts and agents"],
  ],
  "auth switch": [
    ["twg auth switch", "choose another site the sign-in reaches"],
    ["twg auth switch --site site-2", "select a site by its id"],
    ["twg auth switch --site https://example-2.atlassian.net", "or by its URL"],
  ],
  "auth backend": [
    ["twg auth backend keyring", "seal the refresh token under a key kept in the OS keyring"],
    ["twg auth backend file", "back to plaintext in auth.conf; the keyring item is removed"],
    ["twg auth backend keyring --json", "the outcome as JSON"],
  ],
  api: [
    ["twg api /rest/api/3/myself", "GET, with the stored sign-in"],
    ["twg api /rest/api/3/issue -f fields[summary]=Hi -F notify=false", "POST fields as JSON"],
    [
      "twg api -X GET /rest/api/3/search/jql -f jql='project = KEY' --paginate --jq '.issues[].key'",
      "every page, through jq",
    ],
    ["twg api /wiki/api/v2/pages --paginate --slurp > pages.json", "all pages as one array"],
    ["twg api -X PUT /rest/api/3/issue/KEY-1 --input body.json", "a raw body from a file"],
    ["twg api --bitbucket /2.0/user -i", "Bitbucket, with the status line and headers"],
  ],
  completion: [
    ["twg completion bash > ~/.local/share/bash-completion/completions/twg", "bash"],
    ['twg completion zsh > "${fpath[1]}/_twg"', "zsh"],
    ["twg completion fish > ~/.config/fish/completions/twg.fish", "fish"],
    ["twg completion powershell | Out-String | Invoke-Expression", "PowerShell, this session"],
  ],
  setup: [
    ["twg setup", "check the login, store the Bitbucket token, enable upkeep"],
    ["twg setup --no-upkeep", "the same without the background helper"],
  ],
  "setup bitbucket": [
    ["twg setup bitbucket", "type the Bitbucket token (hidden input)"],
    ['printf %s "$TOKEN" | twg setup bitbucket --with-token', "read it from stdin"],
  ],
  upkeep: [
    ["twg upkeep enable", "schedule the background helper"],
    ["twg upkeep status", "what it last did"],
    ["twg upkeep disable", "remove the schedule"],
  ],
  "upkeep enable": [
    ["twg upkeep enable", "install the schedule for this OS"],
    ["twg upkeep enable --dry-run", "print the files it would install"],
    // Printed, not written: under the README's least-privilege install twg
    // may write only its own directories, and --output-dir names another.
    ["twg upkeep enable --dry-run --os windows", "print another OS's files"],
  ],
  "upkeep disable": [
    ["twg upkeep disable", "remove the schedule (harmless when there is none)"],
  ],
  "upkeep status": [
    ["twg upkeep status", "whether upkeep is scheduled and what it last did"],
    ["twg upkeep status --json", "the same as JSON"],
  ],
  "upkeep run": [
    ["twg upkeep run", "one round now, as the schedule runs it"],
  ],
  upgrade: [
    ["twg upgrade --check", "say whether a newer version exists"],
    ["twg upgrade --check --json", "the same as JSON"],
    ["twg upgrade", "install it, the way this copy was installed"],
    ["twg upgrade --channel beta", "follow the beta channel from now on"],
    ["twg upgrade --version 0.1.0 --yes", "install exactly that version, older ones included"],
  ],
  uninstall: [
    ["twg uninstall", "asks, then removes twg, its schedule and its config"],
    ["twg uninstall --yes", "without asking"],
  ],
  version: [
    ["twg version", "print the version and the runtime"],
  ],
  help: [
    ["twg help auth status", "the help of a command"],
    ["twg help environment", "every environment variable twg reads"],
  ],
  config: [
    ["twg config set client-id my-client-id", "save the OAuth client id in config.json"],
    ["twg config list", "every setting, its value and where it comes from"],
  ],
  "config list": [
    ["twg config list", "every setting and its source (variable, file, default)"],
    ["twg config list --json", "the same as JSON"],
  ],
  "config get": [
    ["twg config get issuer", "the issuer in effect"],
  ],
  "config set": [
    ["twg config set client-id my-client-id", "the client id twg signs in with"],
    ["twg config set credential-backend keyring", "keep new sign-ins in the OS keyring"],
  ],
  "config unset": [
    ["twg config unset client-id", "remove it from config.json"],
  ],
};

/**
 * The "Examples:" section for `examples`, as it ends a command's help: the
 * invocation and its meaning side by side, aligned, when they fit in
 * `columns`; else the meaning on the next line, indented.
 */
export function formatExamples(examples: Example[], columns = 80): string {
  const sideBySide = examples.filter(([invocation]) => invocation.length <= 40);
  const width = Math.max(0, ...sideBySide.map(([invocation]) => invocation.length));
  const lines = examples.map(([invocation, meaning]) => {
    const fits = invocation.length <= 40 && 4 + width + 3 + meaning.length <= columns;
    return fits
      ? `  $ ${invocation.padEnd(width)}   ${meaning}`
      : `  $ ${invocation}\n      ${meaning}`;
  });
  return `\nExamples:\n${lines.join("\n")}`;
}
