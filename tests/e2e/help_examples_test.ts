/**
 * Every example in every `--help`, run as a person would paste it (bash,
 * or the shell it is written for) against the development server in a
 * fresh home, exits as the example promises (issue 25, item 5). An example
 * that cannot run here says why, and where it is tested instead.
 */
import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { helpExamples } from "../../src/help_examples.ts";
import { type DevServer, startDevServer } from "../fixtures/dev_server_client.ts";
import { type Home, login, makeHome, shellQuote, twg, twgArgv } from "./_twg.ts";

/** How one example is run and what it must do. */
interface Expectation {
  /** Signed in first (`twg login` against the dev server). */
  signedIn?: boolean;
  /** Against a server whose sign-in reaches three sites (the others: one). */
  multiSite?: boolean;
  /** `token.txt` in the working directory holds an access token the server issued. */
  tokenFile?: boolean;
  /** A person approves the code the example prints (it signs in). */
  approve?: boolean;
  /** Files in the working directory, relative path → content. */
  files?: Record<string, string>;
  /** Which of those files are programs (mode 0755). */
  executable?: string[];
  /** Directories made first in the home (a shell's completion directory). */
  dirs?: string[];
  env?: (server: DevServer) => Record<string, string>;
  shell?: "bash" | "zsh" | "fish";
  /** A placeholder in the example replaced for the dev server. */
  replace?: [string, string];
  exit?: number;
  /** Not run here, and why. */
  skip?: string;
}

const OK: Expectation = { exit: 0 };
const SIGNED_IN: Expectation = { signedIn: true, exit: 0 };
const TERMINAL = "asks on a terminal; tests/e2e/prompt_keys_test.ts answers it on one";
const KEYRING = "needs a Secret Service keyring; tests/e2e/keyring_test.ts runs it";

const expectations: Record<string, Expectation> = {
  "twg login": { approve: true, exit: 0 },
  "twg auth status": SIGNED_IN,
  "TOKEN=$(twg auth token)": SIGNED_IN,
  "twg api /rest/api/3/myself": SIGNED_IN,
  "twg login --no-browser": { approve: true, exit: 0 },
  "twg login --json": { approve: true, exit: 0 },
  "twg login --with-token < token.txt": { tokenFile: true, exit: 0 },
  "twg login --backend keyring": { skip: KEYRING },
  "twg logout": SIGNED_IN,
  "twg auth login": { approve: true, exit: 0 },
  "twg auth logout": SIGNED_IN,
  "twg logout --all": SIGNED_IN,
  "twg doctor": SIGNED_IN,
  "twg doctor --json | jq '.checks[] | select(.status != \"ok\")'": SIGNED_IN,
  "twg auth token": SIGNED_IN,
  "twg auth token --json": SIGNED_IN,
  'eval "$(twg auth token --format env)"': SIGNED_IN,
  "twg auth serve": { skip: "runs until stopped; the keeper's own e2e tests run it" },
  "twg auth serve --socket /tmp/agent/broker.sock": {
    skip: "runs until stopped; the keeper's own e2e tests run it",
  },
  "twg exec -- curl -H @headers https://…": { skip: "the URL is the reader's own API" },
  "twg exec --min-valid 30m -- ./long-job": {
    signedIn: true,
    files: { "long-job": '#!/bin/sh\ntest -n "$TWG_OAUTH_ACCESS_TOKEN"\n' },
    executable: ["long-job"],
    exit: 0,
  },
  "twg auth refresh": SIGNED_IN,
  "twg auth status --json | jq -r .site.url": SIGNED_IN,
  'curl -H "Authorization: Bearer $(twg auth token)" https://…': {
    skip: "the URL is the reader's own API",
  },
  'TWG_OAUTH_ACCESS_TOKEN="$TOKEN" twg auth token': { env: () => ({ TOKEN: "ci" }), exit: 0 },
  "twg auth refresh --force": SIGNED_IN,
  "twg auth refresh --json": SIGNED_IN,
  "twg auth switch": { skip: TERMINAL },
  "twg auth switch --site site-2": { signedIn: true, multiSite: true, exit: 0 },
  "twg auth switch --site https://example-2.atlassian.net": {
    signedIn: true,
    multiSite: true,
    replace: ["https://example-2.atlassian.net", "https://example-2.atlassian.test"],
    exit: 0,
  },
  "twg auth backend keyring": { skip: KEYRING },
  "twg auth backend file": SIGNED_IN,
  "twg auth backend keyring --json": { skip: KEYRING },
  "twg api /rest/api/3/issue -f fields[summary]=Hi -F notify=false": SIGNED_IN,
  "twg api -X GET /rest/api/3/search/jql -f jql='project = KEY' --paginate --jq '.issues[].key'":
    SIGNED_IN,
  "twg api /wiki/api/v2/pages --paginate --slurp > pages.json": SIGNED_IN,
  "twg api -X PUT /rest/api/3/issue/KEY-1 --input body.json": {
    signedIn: true,
    files: { "body.json": '{"fields":{"summary":"Hi"}}' },
    exit: 0,
  },
  "twg api --bitbucket /2.0/user -i": {
    env: (server) => ({ TWG_BBC_TOKEN: server.bitbucketToken }),
    exit: 0,
  },
  "twg completion bash > ~/.local/share/bash-completion/completions/twg": {
    dirs: [".local/share/bash-completion/completions"],
    exit: 0,
  },
  'twg completion zsh > "${fpath[1]}/_twg"': {
    shell: "zsh",
    dirs: ["zfunc"],
    env: () => ({ FPATH: "ZFUNC" }),
    exit: 0,
  },
  "twg completion fish > ~/.config/fish/completions/twg.fish": {
    shell: "fish",
    dirs: [".config/fish/completions"],
    exit: 0,
  },
  "twg completion powershell | Out-String | Invoke-Expression": {
    skip: "PowerShell syntax; no pwsh here (tests/e2e/completion_test.ts checks the script)",
  },
  "twg setup": { skip: "enables upkeep on this host's scheduler; tests/e2e/upkeep_test.ts" },
  "twg setup --no-upkeep": SIGNED_IN,
  "twg setup bitbucket": { skip: TERMINAL },
  'printf %s "$TOKEN" | twg setup bitbucket --with-token': {
    env: (server) => ({ TOKEN: server.bitbucketToken }),
    exit: 0,
  },
  "twg upkeep enable": { skip: "installs on this host's scheduler; tests/e2e/upkeep_test.ts" },
  "twg upkeep status": OK,
  "twg upkeep disable": OK,
  "twg upkeep enable --dry-run": OK,
  "twg upkeep enable --dry-run --os windows": OK,
  "twg upkeep status --json": OK,
  "twg upkeep run": SIGNED_IN,
  "twg doctor --basic": SIGNED_IN,
  "twg upgrade --check": OK,
  "twg upgrade --check --json": OK,
  "twg upgrade": { skip: "replaces this copy of twg; tests/e2e/update_test.ts" },
  "twg upgrade --channel beta": { skip: "replaces this copy of twg; tests/e2e/update_test.ts" },
  "twg upgrade --version 0.1.0 --yes": {
    skip: "replaces this copy of twg; tests/e2e/update_test.ts",
  },
  "twg update --check": OK,
  "twg update --check --json": OK,
  "twg update": { skip: "replaces this copy of twg; tests/e2e/update_test.ts" },
  "twg uninstall": { skip: "removes this copy of twg; tests/commands/uninstall_test.ts" },
  "twg uninstall --yes": { skip: "removes this copy of twg; tests/commands/uninstall_test.ts" },
  "twg version": OK,
  "twg help auth status": OK,
  "twg help environment": OK,
  "twg config set client-id my-client-id": OK,
  "twg config list": OK,
  "twg config list --json": OK,
  "twg config get issuer": OK,
  "twg config set credential-backend keyring": OK,
  "twg config unset client-id": OK,
};

const allExamples = [...new Set(Object.values(helpExamples).flat().map(([example]) => example))];

Deno.test("every help example has a decision: run here, or skipped with a reason", () => {
  const undecided = allExamples.filter((example) => !(example in expectations));
  assert.deepEqual(undecided, [], "add each new example to the table above");
});

/** A `twg` on PATH that runs this checkout, as an installed one would. */
async function installShim(home: Home): Promise<string> {
  const bin = join(home.path, "bin");
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, "twg"), `#!/bin/sh\nexec ${shellQuote(twgArgv())} "$@"\n`, {
    mode: 0o755,
  });
  return bin;
}

async function runExample(
  server: DevServer,
  example: string,
  expectation: Expectation,
): Promise<{ code: number; stdout: string; stderr: string }> {
  await using home = await makeHome(server, { TWG_NO_BROWSER: "1" });
  if (expectation.signedIn) {
    await login(home, server, expectation.multiSite ? ["--site", "site-1"] : []);
  }
  const work = join(home.path, "work");
  await mkdir(work, { recursive: true });
  if (expectation.tokenFile) {
    await using other = await makeHome(server);
    await login(other, server);
    const token = await twg(other, ["auth", "token"]);
    await writeFile(join(work, "token.txt"), token.stdout);
  }
  for (const [name, content] of Object.entries(expectation.files ?? {})) {
    const mode = expectation.executable?.includes(name) ? 0o755 : 0o644;
    await writeFile(join(work, name), content, { mode });
  }
  for (const dir of expectation.dirs ?? []) await mkdir(join(home.path, dir), { recursive: true });
  const bin = await installShim(home);
  const extra = expectation.env?.(server) ?? {};
  for (const [key, value] of Object.entries(extra)) {
    extra[key] = value.replace("ZFUNC", join(home.path, "zfunc"));
  }
  const line = expectation.replace
    ? example.replace(expectation.replace[0], expectation.replace[1])
    : example;
  const shell = expectation.shell ?? "bash";
  const args = shell === "bash" ? ["-o", "pipefail", "-c", line] : ["-c", line];
  const child = new Deno.Command(shell, {
    args,
    cwd: work,
    env: { ...home.env, ...extra, PATH: `${bin}:${home.env.PATH}` },
    clearEnv: true,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  if (expectation.approve) {
    // The person in the browser: approve the code as soon as it is shown.
    let seen = "";
    let approved = false;
    const [stdout, stderr] = child.stdout.tee();
    const [stderrA, stderrB] = child.stderr.tee();
    const watch = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) {
        seen += decoder.decode(chunk, { stream: true });
        const code = /one-time code: (\S+)|"userCode":"([^"]+)"/.exec(seen);
        if (code) {
          if (!approved) {
            approved = true;
            await server.approve((code[1] ?? code[2])!);
          }
          return;
        }
      }
    };
    const [out, err] = await Promise.all([
      new Response(stdout).text(),
      new Response(stderrA).text(),
      Promise.race([watch(stderr), watch(stderrB)]),
    ]);
    return { code: (await child.status).code, stdout: out, stderr: err };
  }
  const output = await child.output();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

Deno.test("every help example exits as it promises against the dev server in a fresh home", async (t) => {
  await using server = await startDevServer({ interval: 1 });
  await using multiSite = await startDevServer({ interval: 1, sites: 3 });
  for (const example of allExamples) {
    const expectation = expectations[example];
    if (!expectation) continue;
    await t.step({
      name: expectation.skip ? `${example} (not run: ${expectation.skip})` : example,
      ignore: expectation.skip !== undefined,
      fn: async () => {
        const result = await runExample(
          expectation.multiSite ? multiSite : server,
          example,
          expectation,
        );
        assert.equal(
          result.code,
          expectation.exit ?? 0,
          `${example}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
        );
      },
    });
  }
});
