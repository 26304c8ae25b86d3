/**
 * The command tree. Only mounts commands; each lives in `src/commands/`.
 *
 * @module
 */
import { Command, type CommandUnknownOpts } from "@commander-js/extra-typings";
import type { Env } from "./env.ts";
import { apiCommand } from "./commands/api.ts";
import { authRefreshCommand } from "./commands/auth_refresh.ts";
import { authStatusCommand } from "./commands/auth_status.ts";
import { authTokenCommand } from "./commands/auth_token.ts";
import { completionCommand } from "./commands/completion.ts";
import { doctorCommand } from "./commands/doctor.ts";
import { loginCommand } from "./commands/login.ts";
import { logoutCommand } from "./commands/logout.ts";
import { setupCommand } from "./commands/setup.ts";
import { uninstallCommand } from "./commands/uninstall.ts";
import { updateCommand } from "./commands/update.ts";
import { upkeepCommand } from "./commands/upkeep.ts";
import { version } from "./version.ts";

/** Builds the whole `twg` command tree bound to `env`. */
export function buildCli(env: Env): CommandUnknownOpts {
  const program = new Command("twg")
    .description(
      "Sign in to your OAuth server once; stay signed in, safely, from terminals, scripts and coding agents",
    )
    .version(`twg ${version} (${env.runtime})`, "-v, --version")
    .addHelpText(
      "after",
      `
Examples:
  $ twg login                 sign in with your browser
  $ twg auth status           who is signed in (offline)
  $ TOKEN=$(twg auth token)   a valid access token for scripts
  $ twg api /rest/api/3/myself

Exit codes: 0 ok, 1 failure, 2 usage, 3 login needed, 4 credential store not writable,
5 network or server error, 130 interrupted.`,
    );
  program.addCommand(loginCommand(env));
  program.addCommand(logoutCommand(env));
  program.addCommand(doctorCommand(env));
  const auth = new Command("auth").description("Inspect and use the stored sign-in");
  auth.addCommand(authStatusCommand(env));
  auth.addCommand(authTokenCommand(env));
  auth.addCommand(authRefreshCommand(env));
  program.addCommand(auth);
  program.addCommand(apiCommand(env));
  program.addCommand(setupCommand(env));
  program.addCommand(upkeepCommand(env));
  program.addCommand(updateCommand(env));
  program.addCommand(uninstallCommand(env));
  program.addCommand(completionCommand(env));
  configureTree(program, env);
  return program;
}

/** Output through `env`, errors thrown instead of exiting, on every command. */
function configureTree(command: CommandUnknownOpts, env: Env): void {
  command
    .exitOverride()
    .showHelpAfterError("(run with --help for usage)")
    .configureOutput({
      writeOut: (text) => env.stdout.write(text),
      writeErr: (text) => env.stderr.write(text),
    });
  for (const child of command.commands) configureTree(child, env);
}
