/**
 * Runs the real `twg` as a separate process, the way people and agents do.
 * By default from the checkout under Deno; `TWG_E2E_COMMAND` (a JSON array,
 * e.g. the npm build's installed bin) runs the same tests against another
 * build.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { DevServer } from "../fixtures/dev_server_client.ts";

/** What a finished `twg` left behind. */
export interface TwgResult {
  code: number;
  stdout: string;
  stderr: string;
}

export const projectRoot = fileURLToPath(new URL("../../", import.meta.url));
const mainPath = join(projectRoot, "src", "main.ts");

let denoDir: string | undefined;

/** Deno's cache, so that a child with another HOME does not download everything again. */
async function realDenoDir(): Promise<string> {
  if (denoDir) return denoDir;
  const output = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json"],
    stdout: "piped",
  }).output();
  denoDir = JSON.parse(new TextDecoder().decode(output.stdout)).denoDir as string;
  return denoDir;
}

/**
 * The argv that starts twg. `denoFlags` replace `-A` for the permission tests
 * (they only apply to the Deno build).
 */
export function twgArgv(denoFlags: string[] = ["-A"]): string[] {
  const custom = Deno.env.get("TWG_E2E_COMMAND");
  if (custom) return JSON.parse(custom) as string[];
  return [Deno.execPath(), "run", "--quiet", "--no-prompt", ...denoFlags, mainPath];
}

/** Whether the tests run against the Deno checkout (permission flags apply). */
export const isDenoBuild = !Deno.env.get("TWG_E2E_COMMAND");

/** Deno's least-privilege flags for twg with writes allowed in `dir` alone (the Deno build only). */
export function writesOnlyIn(dir: string): string[] {
  return [
    "--allow-read",
    "--allow-env",
    "--allow-net",
    "--allow-run",
    "--allow-sys",
    `--allow-write=${dir}`,
  ];
}

/** A throwaway home directory for one test: twg's config dir is `<home>/.config/twg`. */
export interface Home extends AsyncDisposable {
  path: string;
  configDir: string;
  /** The environment every twg started in this home gets. */
  env: Record<string, string>;
}

/** Makes a home directory whose environment points twg at `server`. */
export async function makeHome(
  server?: DevServer,
  extra: Record<string, string> = {},
): Promise<Home> {
  const path = await mkdtemp(join(tmpdir(), "twg-home-"));
  const env: Record<string, string> = {
    HOME: path,
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    DENO_DIR: await realDenoDir(),
    // Deno's own background check for a newer Deno (a DNS query and a request
    // to dl.deno.land; `deno --help` lists the variable): no test reaches outside.
    DENO_NO_UPDATE_CHECK: "1",
    NO_COLOR: "1",
    LANG: "C.UTF-8",
    // No default may point a test at a public host (tests/security/public_defaults_test.ts).
    TWG_NO_PUBLIC_DEFAULTS: "1",
    ...(server?.env ?? {}),
    ...extra,
  };
  return {
    path,
    configDir: join(path, ".config", "twg"),
    env,
    [Symbol.asyncDispose]: () => rm(path, { recursive: true, force: true }),
  };
}

/** Options for {@link twg}. */
export interface TwgOptions {
  env?: Record<string, string>;
  stdin?: string;
  denoFlags?: string[];
  /** Wraps the argv (e.g. in bwrap or script). */
  wrap?: (argv: string[]) => string[];
  /** The working directory (a directory mapping's profile, a hostile repository). */
  cwd?: string;
}

/**
 * Starts `argv` (a program and its arguments) with `home`'s environment and
 * nothing else, output piped: read it, or end with `output()`.
 */
export function spawnIn(
  home: Home,
  argv: string[],
  options: { env?: Record<string, string>; stdin?: "null" | "piped"; cwd?: string } = {},
): Deno.ChildProcess {
  return new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    env: { ...home.env, ...options.env },
    clearEnv: true,
    stdin: options.stdin ?? "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** A running `twg auth serve`, stopped (SIGTERM) when disposed. */
export interface RunningKeeper extends AsyncDisposable {
  child: Deno.ChildProcess;
  /** Its stderr, whole once it has exited. */
  stderr: Promise<string>;
}

/**
 * Starts `twg auth serve --socket socket` in `home` (`argv`: the twg to run,
 * by default this checkout's) and waits for its first stdout line, which it
 * prints once it listens; throws with its stderr when it never does.
 */
export async function startKeeper(
  home: Home,
  socket: string,
  options: { argv?: string[]; cwd?: string } = {},
): Promise<RunningKeeper> {
  const argv = [...(options.argv ?? twgArgv()), "auth", "serve", "--socket", socket];
  const child = spawnIn(home, argv, options.cwd ? { cwd: options.cwd } : {});
  const stderr = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  const first = await reader.read();
  if (first.done || !first.value.startsWith("TWG_BROKER_SOCKET='")) {
    throw new Error(`auth serve did not start: ${await stderr} (${(await child.status).code})`);
  }
  return {
    child,
    stderr,
    async [Symbol.asyncDispose]() {
      try {
        child.kill("SIGTERM");
      } catch {
        // Already gone.
      }
      await child.status;
      reader.releaseLock();
      await child.stdout.cancel().catch(() => {});
    },
  };
}

/** Runs `twg args…` in `home` and waits for it. */
export async function twg(
  home: Home,
  args: string[],
  options: TwgOptions = {},
): Promise<TwgResult> {
  const argv = (options.wrap ?? ((x) => x))([...twgArgv(options.denoFlags), ...args]);
  const child = spawnIn(home, argv, {
    ...(options.env ? { env: options.env } : {}),
    ...(options.cwd ? { cwd: options.cwd } : {}),
    stdin: options.stdin === undefined ? "null" : "piped",
  });
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const output = await child.output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/**
 * `twg login --json --no-browser`, approving the code at the server as soon
 * as twg prints it, as a person would in the browser.
 */
export async function login(
  home: Home,
  server: DevServer,
  extraArgs: string[] = [],
  /** Instead of approving: what the person does once the code is shown (gets twg's pid). */
  options: {
    approve?: (userCode: string, pid: number) => Promise<void>;
    /** Leave out --no-browser (the environment decides whether one opens). */
    browser?: boolean;
  } = {},
): Promise<TwgResult & { events: Record<string, unknown>[] }> {
  const browserFlag = options.browser ? [] : ["--no-browser"];
  const child = spawnIn(home, [...twgArgv(), "login", "--json", ...browserFlag, ...extraArgs]);
  const stderrText = new Response(child.stderr).text();
  const events: Record<string, unknown>[] = [];
  let stdout = "";
  const decoder = new TextDecoder();
  let buffered = "";
  for await (const chunk of child.stdout) {
    const text = decoder.decode(chunk, { stream: true });
    stdout += text;
    buffered += text;
    let newline;
    while ((newline = buffered.indexOf("\n")) >= 0) {
      const event = JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>;
      buffered = buffered.slice(newline + 1);
      events.push(event);
      if (event.event === "device_authorization") {
        await (options.approve ?? ((code) => server.approve(code)))(
          String(event.userCode),
          child.pid,
        );
      }
    }
  }
  const status = await child.status;
  return { code: status.code, stdout, stderr: await stderrText, events };
}

/** Fails with the process output when `result` did not exit with `code`. */
export function expectExit(result: TwgResult, code: number): void {
  if (result.code !== code) {
    throw new Error(
      `expected exit ${code}, got ${result.code}\nstdout: ${result.stdout}\nstderr: ${result.stderr}`,
    );
  }
}

/** Moves the stored token's receipt time back so that `fraction` of its lifetime has passed. */
export async function ageToken(home: Home, fraction: number): Promise<void> {
  const path = join(home.configDir, "auth.conf");
  const credentials = JSON.parse(await Deno.readTextFile(path));
  const obtainedAt = Date.now() - fraction * credentials.oauth.expiresIn * 1000;
  credentials.oauth.obtainedAt = new Date(obtainedAt).toISOString();
  await Deno.writeTextFile(path, JSON.stringify(credentials, null, 2) + "\n", { mode: 0o600 });
  // The access-token file holds the same token: it ages with it.
  const tokenFile = accessTokenFileOf(home);
  const document = await Deno.readTextFile(tokenFile).then(JSON.parse, () => null);
  if (document?.token === credentials.oauth.accessToken) {
    document.expiresAt = new Date(obtainedAt + credentials.oauth.expiresIn * 1000).toISOString();
    await Deno.writeTextFile(tokenFile, JSON.stringify(document, null, 2) + "\n", { mode: 0o600 });
  }
}

/** The default profile's access-token file (issue 21: its own directory, outside the config dir). */
export function accessTokenFileOf(home: Home, profile = "default"): string {
  return join(home.path, ".local", "share", "twg", "access-tokens", `${profile}.json`);
}

/** The stored credentials. */
export async function storedCredentials(
  home: Home,
): Promise<{ oauth: { accessToken: string; refreshToken: string } }> {
  return JSON.parse(await Deno.readTextFile(join(home.configDir, "auth.conf")));
}

/** `argv` as one POSIX shell command line. */
export function shellQuote(argv: string[]): string {
  return argv.map((arg) => `'${arg.replaceAll("'", "'\\''")}'`).join(" ");
}

/** Starts `argv` under a pseudo-terminal (util-linux `script`), as from a person's terminal. */
export function spawnInTerminal(home: Home, argv: string[]): Deno.ChildProcess {
  const quoted = shellQuote(argv);
  return new Deno.Command("script", {
    args: ["-qec", quoted, "/dev/null"],
    env: home.env,
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
}

/** Whether `bwrap` runs here (spawning a missing program throws at once, hence the outer promise). */
export const hasBwrap: Promise<boolean> = Promise.resolve()
  .then(() =>
    new Deno.Command("bwrap", { args: ["--version"], stdout: "null", stderr: "null" }).output()
  )
  .then((output) => output.success, () => false);

/**
 * Wraps an argv in bubblewrap with the whole file system read-only, as a
 * coding agent's sandbox mounts it; `writable` paths stay writable.
 */
export function readOnlySandbox(...writable: string[]): (argv: string[]) => string[] {
  const binds = writable.flatMap((path) => ["--bind", path, path]);
  return (
    argv,
  ) => ["bwrap", "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", ...binds, ...argv];
}
