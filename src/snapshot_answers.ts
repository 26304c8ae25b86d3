/**
 * What twg answers from the generated tree (`tree/snapshot.ts`) instead of
 * building the command tree: each Tab (`__complete`), and help asked for a
 * command that exists (`twg`, `twg help auth status`, `twg auth token
 * --help`). Under Deno, commander alone starts the Node compatibility layer;
 * these answer without it, and without any command's module.
 *
 * @module
 */
import type { Env } from "./env.ts";
import type { CommandShape } from "./tree/shape.ts";
import { commandTree } from "./tree/snapshot.ts";

/** What `args` ask of the snapshot. */
type SnapshotRequest =
  | { kind: "complete"; args: string[] }
  | { kind: "environment" }
  | { kind: "help"; path: CommandShape[] };

const helpFlags = ["--help", "-h"];

/**
 * What the snapshot answers for `args`, or null: the command tree must run
 * them (anything else, and help for a word that names no command, which the
 * tree answers with the nearest name).
 */
function requestOf(args: string[]): SnapshotRequest | null {
  const [first, ...rest] = args;
  if (first === "__complete") return { kind: "complete", args: rest };
  if (first === "help" && rest.length === 1 && rest[0] === "environment") {
    return { kind: "environment" };
  }
  const words = helpFlags.includes(args.at(-1)!)
    ? args.slice(0, -1)
    : first === "help"
    ? rest
    : args.length === 0
    ? []
    : null;
  const path = words && pathTo(commandTree, words);
  return path ? { kind: "help", path } : null;
}

/** Whether the snapshot answers `args` (the npm build's small bundle runs them). */
export function answersFromSnapshot(args: string[]): boolean {
  return requestOf(args) !== null;
}

/** Answers `args` from the snapshot and returns true, or returns false: the tree must run them. */
export async function answerFromSnapshot(env: Env, args: string[]): Promise<boolean> {
  const request = requestOf(args);
  const columns = env.stdout.columns?.() ?? 80;
  if (request?.kind === "complete") {
    const { runComplete } = await import("./completion/complete.ts");
    await runComplete(env, commandTree, request.args);
  } else if (request?.kind === "environment") {
    const { environmentHelp } = await import("./help_environment.ts");
    env.stdout.write(environmentHelp(columns));
  } else if (request?.kind === "help") {
    const { renderHelp } = await import("./tree/render_help.ts");
    const { path } = request;
    env.stdout.write(renderHelp(path.at(-1)!, path.map((command) => command.name), columns));
  }
  return request !== null;
}

/** The commands `words` name from the program down, or null when one names none. */
function pathTo(program: CommandShape, words: string[]): CommandShape[] | null {
  const path = [program];
  for (const word of words) {
    const child = path.at(-1)!.commands.find((command) =>
      command.name === word || command.aliases.includes(word)
    );
    if (!child) return null;
    path.push(child);
  }
  return path;
}
