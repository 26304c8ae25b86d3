/**
 * A real Secret Service for one test: a private D-Bus session
 * (`dbus-run-session`) with `gnome-keyring-daemon --unlock
 * --components=secrets` in it, under its own XDG_DATA_HOME and
 * XDG_RUNTIME_DIR, so nothing touches the machine's own keyring. twg
 * processes reach it through the session's DBUS_SESSION_BUS_ADDRESS.
 *
 * @module
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** A running private Secret Service. */
export interface SecretService extends AsyncDisposable {
  /** The variables a twg process needs to reach it. */
  env: Record<string, string>;
  /** gnome-keyring-daemon's pid (to SIGSTOP it). */
  daemonPid: number;
  /** `secret-tool search --all service twg` in this session (secrets included). */
  search(): Promise<string>;
}

async function hasProgram(name: string): Promise<boolean> {
  return await new Deno.Command("sh", {
    args: ["-c", `command -v ${name}`],
    stdout: "null",
    stderr: "null",
  }).output().then((output) => output.success, () => false);
}

/** Why the real Secret Service tests cannot run here, or null. */
export const missingSecretService: Promise<string | null> = (async () => {
  for (const program of ["dbus-run-session", "gnome-keyring-daemon", "secret-tool"]) {
    if (!(await hasProgram(program))) {
      return `${program} not installed; apt-get install -y --no-install-recommends gnome-keyring dbus libsecret-tools`;
    }
  }
  return null;
})();

const sessionScript = `
printf %s pw | gnome-keyring-daemon --foreground --unlock --components=secrets >/dev/null 2>&1 &
daemon=$!
i=0
until dbus-send --session --print-reply --dest=org.freedesktop.DBus / \\
    org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q true; do
  i=$((i+1)); [ $i -gt 200 ] && break; sleep 0.05
done
echo "$DBUS_SESSION_BUS_ADDRESS $daemon"
cat >/dev/null
kill -CONT $daemon 2>/dev/null; kill $daemon 2>/dev/null
`;

/** Starts a private D-Bus session with an unlocked gnome-keyring in it. */
export async function startSecretService(): Promise<SecretService> {
  const root = await mkdtemp(join(tmpdir(), "twg-keyring-"));
  const env = {
    XDG_DATA_HOME: join(root, "data"),
    XDG_RUNTIME_DIR: join(root, "run"),
  };
  await Deno.mkdir(env.XDG_DATA_HOME, { recursive: true });
  await Deno.mkdir(env.XDG_RUNTIME_DIR, { recursive: true, mode: 0o700 });
  await Deno.chmod(env.XDG_RUNTIME_DIR, 0o700);
  const child = new Deno.Command("dbus-run-session", {
    args: ["--", "sh", "-c", sessionScript],
    env: { ...env, PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin", HOME: root },
    clearEnv: true,
    stdin: "piped",
    stdout: "piped",
    stderr: "null",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let line = "";
  while (!line.includes("\n")) {
    const { value, done } = await reader.read();
    if (done) throw new Error("dbus-run-session ended before the Secret Service started");
    line += value;
  }
  reader.releaseLock();
  const [address, pid] = line.trim().split(" ");
  const sessionEnv = { ...env, DBUS_SESSION_BUS_ADDRESS: address! };
  const daemonPid = Number(pid);
  return {
    env: sessionEnv,
    daemonPid,
    async search() {
      const output = await new Deno.Command("secret-tool", {
        args: ["search", "--all", "--unlock", "service", "twg"],
        env: sessionEnv,
        stdout: "piped",
        stderr: "piped",
      }).output();
      const decoder = new TextDecoder();
      return decoder.decode(output.stdout) + decoder.decode(output.stderr);
    },
    async [Symbol.asyncDispose]() {
      try {
        Deno.kill(daemonPid, "SIGCONT");
      } catch {
        // Already gone.
      }
      await child.stdin.close().catch(() => {});
      await child.stdout.cancel().catch(() => {});
      await child.status;
      await rm(root, { recursive: true, force: true });
    },
  };
}
