/**
 * `twg auth serve [--socket PATH]`: the host-side token keeper in the
 * foreground (`src/broker/server.ts`), for hosts where no scheduler starts
 * it: containers, WSL without systemd, SSH boxes, CI. Like `ssh-agent`, it
 * prints the variable that points clients at it on stdout once it answers.
 *
 * @module
 */
import { Command } from "@commander-js/extra-typings";
import { brokerSocketPath, brokerSocketVariable, configPaths } from "../config/paths.ts";
import type { Env } from "../env.ts";
import { TwgError } from "../errors.ts";
import { isAbsolutePath, joinPath } from "../lean_path.ts";

/** Declares `twg auth serve`. */
export function authServeCommand(env: Env) {
  return new Command("serve")
    .description("Keep access tokens fresh and hand them to sandboxes over a Unix socket")
    .option(
      "--socket <path>",
      `the socket (default: ${brokerSocketVariable}, else $XDG_RUNTIME_DIR/twg/broker.sock)`,
    )
    .addHelpText(
      "after",
      `
Runs until interrupted. Sandboxed twg finds it through ${brokerSocketVariable}
or the default path, and gets access tokens only, never the refresh token.
While it runs, it also keeps the access-token file in the config directory fresh.`,
    )
    .action(async (options) => {
      await runAuthServe(env, options.socket);
    });
}

/** Runs the keeper until SIGINT or SIGTERM. */
export async function runAuthServe(env: Env, socket: string | undefined): Promise<void> {
  if (env.os === "windows") {
    throw new TwgError("twg auth serve does not run on Windows yet", {
      hint: "Use the access-token file that upkeep keeps (see the README: Agents and sandboxes)",
    });
  }
  // Started by the keeper service `upkeep enable` wrote: what it ran must be
  // what was pinned (src/upkeep/pins.ts), as for the upkeep job.
  const { assertLauncherIntact } = await import("../upkeep/pins.ts");
  await assertLauncherIntact(env);
  const socketPath = socket
    ? (isAbsolutePath(socket, env.os) ? socket : joinPath(env.cwd(), socket))
    : brokerSocketPath(env);
  const { serveBroker } = await import("../broker/server.ts");
  await serveBroker(env, configPaths(env), {
    socketPath,
    signal: env.interrupt,
    onReady() {
      const quoted = `'${socketPath.replaceAll("'", `'\\''`)}'`;
      env.stdout.write(`${brokerSocketVariable}=${quoted}; export ${brokerSocketVariable};\n`);
      env.stderr.write(`Token keeper listening on ${socketPath} (Ctrl-C stops it)\n`);
    },
  });
}
