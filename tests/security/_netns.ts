/**
 * A network namespace of the test's own in which the public hosts twg has
 * defaults for resolve to an address on its loopback interface, where a
 * listener counts every connection: whatever twg sends "to the internet"
 * from inside arrives there, and nowhere else. Needs `unshare` with user and
 * mount namespaces (`unshare -rnm`), `ip` and `mount`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";

/** The address the public names resolve to inside the namespace (TEST-NET-3, RFC 5737). */
export const publicStandIn = "203.0.113.5";

/** The public hosts twg has (or had) defaults for. */
export const publicHosts = [
  "auth.atlassian.com",
  "api.atlassian.com",
  "api.bitbucket.org",
  "example.com",
  "api.evil.test",
];

/** Why the namespace cannot be made here, or null. */
export const missingNetns: Promise<string | null> = (async () => {
  try {
    const probe = await new Deno.Command("unshare", {
      args: ["-rnm", "sh", "-c", "ip link set lo up && mount --bind /dev/null /dev/null"],
      stdout: "null",
      stderr: "piped",
    }).output();
    if (probe.success) return null;
    return `unshare -rnm failed: ${new TextDecoder().decode(probe.stderr).trim()}`;
  } catch (error) {
    return `unshare cannot run: ${(error as Error).message}`;
  }
})();

/**
 * Runs `script` (a test module's path) with `deno run -A` inside a fresh
 * namespace as described above, with `TWG_NETNS_SCENARIO=1`, and returns
 * the JSON it printed last on stdout.
 */
export async function runInNetns(script: string | URL): Promise<unknown> {
  const hosts = await Deno.makeTempFile({ prefix: "twg-hosts-" });
  try {
    await Deno.writeTextFile(
      hosts,
      `127.0.0.1 localhost\n::1 localhost\n${
        publicHosts.map((h) => `${publicStandIn} ${h}`).join("\n")
      }\n`,
    );
    const path = script instanceof URL ? fileURLToPath(script) : script;
    const setup = [
      "ip link set lo up",
      `ip addr add ${publicStandIn}/32 dev lo`,
      `mount --bind "${hosts}" /etc/hosts`,
      `exec "${Deno.execPath()}" run -A --quiet "${path}"`,
    ].join(" && ");
    const output = await new Deno.Command("unshare", {
      args: ["-rnm", "sh", "-c", setup],
      env: { TWG_NETNS_SCENARIO: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stdout = new TextDecoder().decode(output.stdout).trim();
    const stderr = new TextDecoder().decode(output.stderr);
    if (!output.success) throw new Error(`The namespace scenario failed:\n${stdout}\n${stderr}`);
    return JSON.parse(stdout.split("\n").pop()!);
  } finally {
    await Deno.remove(hosts).catch(() => {});
  }
}

/** Inside the namespace: a listener on port 443 of the stand-in address that counts connections. */
export function countConnections(): { count(): number; close(): void } {
  const listener = Deno.listen({ hostname: publicStandIn, port: 443 });
  let count = 0;
  (async () => {
    try {
      for await (const connection of listener) {
        count++;
        connection.close();
      }
    } catch {
      // Closed.
    }
  })();
  return { count: () => count, close: () => listener.close() };
}

/**
 * A test whose `scenario` runs inside a fresh namespace. `module` is the
 * calling test module's `import.meta`: run as the namespace's script
 * (`TWG_NETNS_SCENARIO=1`), the module prints what `scenario` saw and exits;
 * run by `deno test`, it registers a test that runs the module in the
 * namespace and hands `check` what the scenario saw. Where no namespace can
 * be made the test is skipped with the reason, and fails under `CI=true`.
 */
export async function netnsTest<T>(
  module: ImportMeta,
  name: string,
  scenario: () => Promise<T>,
  check: (seen: T) => void,
): Promise<void> {
  if (module.main && Deno.env.get("TWG_NETNS_SCENARIO") === "1") {
    // The scenario's one line of output, read by runInNetns.
    Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(await scenario()) + "\n"));
    Deno.exit(0);
  }
  const skipReason = await missingNetns;
  if (skipReason && Deno.env.get("CI") === "true") {
    throw new Error(`Cannot run in CI: ${skipReason}`);
  }
  Deno.test({
    name: `${name}${skipReason ? ` (skipped: ${skipReason})` : ""}`,
    ignore: skipReason !== null,
    async fn() {
      check(await runInNetns(new URL(module.url)) as T);
    },
  });
}
