/**
 * `twg doctor --basic`: a short offline summary, first line `Auth source:
 * …` (as Atlassian's twg prints it, per the issue; its documentation in the
 * search corpus does not cover `--basic`). Built from the same offline
 * reading as `auth status`: no request of any kind.
 *
 * @module
 */
import type { Env } from "../env.ts";
import { ExitCode, ReportedError } from "../errors.ts";
import { displayPath } from "../ui/style.ts";
import { formatTime } from "../ui/time.ts";
import { terminalSafeLines } from "../ui/terminal_text.ts";
import { consentLine } from "../auth/consent_expiry.ts";
import { version } from "../version.ts";
import { type AuthStatus, readAuthStatus } from "./auth_status.ts";

/** `twg doctor --basic --json`. */
export interface BasicSummary {
  authSource: "env" | "oauth" | "token" | "none";
  backend: AuthStatus["backend"];
  user: string | null;
  site: string | null;
  accessTokenExpiresAt: string | null;
  consentExpiresAt: string | null;
  needsLogin: boolean;
  configDir: string;
  configWritable: boolean;
  version: string;
  runtime: string;
}

/** The summary's lines; the first is always `Auth source: …`. */
export function basicLines(env: Env, status: AuthStatus): string[] {
  const now = env.now();
  const where = displayPath(status.configDir, env.homeDir);
  const source = status.method === "env"
    ? `environment (${status.accessTokenVariable})`
    : status.method === "token"
    ? `stored access token (twg login --with-token), ${where}`
    : status.method === "oauth"
    ? `OAuth sign-in, ${status.backend} backend, ${where}`
    : 'none: run "twg login"';
  const lines = [`Auth source: ${source}`];
  if (status.user) {
    lines.push(
      `User: ${status.user.name ?? status.user.id}${
        status.user.email ? ` (${status.user.email})` : ""
      }`,
    );
  }
  if (status.site) lines.push(`Site: ${status.site.name} (${status.site.url})`);
  if (status.needsLogin) lines.push('Token: a new sign-in is needed: run "twg login"');
  else if (status.accessTokenExpiresAt) {
    lines.push(`Token: expires ${formatTime(status.accessTokenExpiresAt, now)}`);
  }
  if (status.consentExpiresAt) lines.push(consentLine(status.consentExpiresAt, now));
  lines.push(`Config dir: ${where} (${status.configWritable ? "writable" : "not writable"})`);
  lines.push(`Version: twg ${version} (${env.runtime})`);
  return lines;
}

/** Prints the summary; exit 3 when nobody is signed in, 77 when a sign-in ended. */
export async function runDoctorBasic(env: Env, options: { json: boolean }): Promise<void> {
  const status = await readAuthStatus(env);
  if (options.json) {
    const summary: BasicSummary = {
      authSource: status.method ?? "none",
      backend: status.backend,
      user: status.user?.name ?? status.user?.id ?? null,
      site: status.site?.url ?? null,
      accessTokenExpiresAt: status.accessTokenExpiresAt,
      consentExpiresAt: status.consentExpiresAt,
      needsLogin: status.needsLogin,
      configDir: status.configDir,
      configWritable: status.configWritable,
      version,
      runtime: env.runtime,
    };
    env.stdout.write(JSON.stringify(summary, null, 2) + "\n");
  } else {
    // Names and URLs come from the server: through the one sanitiser.
    env.stdout.write(terminalSafeLines(basicLines(env, status).join("\n")) + "\n");
  }
  if (status.method === "env" || status.loggedIn) return;
  throw new ReportedError(status.needsLogin ? ExitCode.authExpired : ExitCode.authRequired);
}
