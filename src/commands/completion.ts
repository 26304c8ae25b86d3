/**
 * `twg completion <shell>`: prints the shell completion script on stdout.
 *
 * @module
 */
import { Argument, Command } from "@commander-js/extra-typings";
import { completionScript, completionShells } from "../completion/scripts.ts";
import type { Env } from "../env.ts";

/** Declares `twg completion`. */
export function completionCommand(env: Env) {
  return new Command("completion")
    .description("Print the shell completion script (bash, zsh, fish or PowerShell)")
    .addArgument(new Argument("<shell>", "the shell").choices(completionShells))
    .addHelpText(
      "after",
      `
The script asks twg for the candidates at each Tab, so it never goes stale:
commands, flags, --os values, and --site ids from the stored sign-in.`,
    )
    .action((shell) => {
      env.stdout.write(completionScript(shell));
    });
}
