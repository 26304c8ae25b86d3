/**
 * `deno task demo`: a guided tour of twg against the development
 * authorization server, in a throwaway home directory. The browser approval
 * is automated through the server's admin API, and said so.
 *
 * @module
 */
import { join } from "node:path";
import { startDevServer } from "./fixtures/dev_server_client.ts";
import {
  hasBwrap,
  type Home,
  makeHome,
  readOnlySandbox,
  spawnIn,
  twg,
  twgArgv,
} from "./e2e/_twg.ts";

const encoder = new TextEncoder();
const say = (text: string) => Deno.stdout.writeSync(encoder.encode(text + "\n"));
const heading = (text: string) => say(`\n── ${text}`);

/** Shows a token as its first characters only. */
function mask(text: string, secrets: string[]): string {
  return secrets.reduce(
    (masked, secret) => masked.replaceAll(secret, `${secret.slice(0, 6)}…(masked)`),
    text,
  );
}

async function show(
  home: Home,
  args: string[],
  secrets: string[],
  options: Parameters<typeof twg>[2] = {},
) {
  say(`$ twg ${args.join(" ")}`);
  const result = await twg(home, args, options);
  for (const line of mask(result.stderr + result.stdout, secrets).trimEnd().split("\n")) {
    say(`  ${line}`);
  }
  say(`  (exit ${result.code})`);
  return result;
}

say("twg demo: sign in, use the token, rotate it, refuse an unsafe refresh, sign out.");
await using server = await startDevServer({ interval: 1 });
say(`Development authorization server (oidc-provider) running at ${server.issuer}`);
await using home = await makeHome(server);
say(`Throwaway home: ${home.path}`);

heading("Sign in with the device authorization grant");
say("$ twg login --no-browser");
const argv = twgArgv();
const login = spawnIn(home, [...argv, "login", "--no-browser"]);
let approved = false;
const decoder = new TextDecoder();
for await (const chunk of login.stderr) {
  const text = decoder.decode(chunk);
  for (const line of text.trimEnd().split("\n")) say(`  ${line}`);
  const code = /one-time code: ([A-Z0-9-]+)/.exec(text)?.[1];
  if (code && !approved) {
    approved = true;
    say(`  [demo] approving ${code} at the server as Ada Lovelace, as you would in the browser`);
    await server.approve(code);
  }
}
await login.stdout.cancel();
say(`  (exit ${(await login.status).code})`);
let tokens = await server.lastTokens();
const secrets = () =>
  [tokens.accessToken, tokens.refreshToken, server.bitbucketToken].filter(Boolean) as string[];

heading("Who am I? (offline)");
await show(home, ["auth", "status"], secrets());

heading("An authenticated API call");
await show(home, ["api", "/rest/api/3/myself"], secrets());

heading("Rotate the refresh token");
const before =
  JSON.parse(await Deno.readTextFile(join(home.configDir, "auth.conf"))).oauth.refreshToken;
await show(home, ["auth", "refresh", "--force", "--json"], secrets());
tokens = await server.lastTokens();
const after =
  JSON.parse(await Deno.readTextFile(join(home.configDir, "auth.conf"))).oauth.refreshToken;
say(
  `  refresh token before: ${before.slice(0, 6)}…  after: ${
    after.slice(0, 6)
  }…  (the old one is now spent)`,
);

heading("A coding agent in a read-only sandbox asks for a refresh");
await server.resetStats();
const isSandboxed = await hasBwrap;
const sandboxed = isSandboxed ? { wrap: readOnlySandbox() } : {
  denoFlags: [
    "--allow-read",
    "--allow-net",
    "--allow-env",
    "--allow-sys",
    "--allow-write=/nonexistent",
  ],
};
say(
  isSandboxed
    ? "  (running under bwrap with / mounted read-only, as Claude Code)"
    : "  (running with Deno --allow-write elsewhere)",
);
await show(home, ["auth", "refresh", "--force"], secrets(), {
  ...sandboxed,
  env: { CLAUDECODE: "1" },
});
say(`  token requests the server received: ${(await server.stats()).tokenRequests}`);

heading("Sign out (the refresh token is revoked at the server)");
await show(home, ["logout"], secrets());
await show(home, ["auth", "status"], secrets());
say(
  "\nDone. Try it in a real browser: deno task dev-server, then the printed exports and twg login.",
);
