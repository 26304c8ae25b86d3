/**
 * The command tree as plain data: what help shows and completion offers for
 * each command, its flags and its arguments. `shape_of.ts` reads it from the
 * commander tree (`src/cli.ts`, the one place commands are declared);
 * `snapshot.ts` is that reading, generated, so that `--help` and each Tab
 * (`__complete`) need neither commander nor any command's module: under
 * Deno, commander alone starts the Node compatibility layer (bench/).
 *
 * @module
 */

/** A flag, as help shows it and completion reads it. */
export interface OptionShape {
  /** As help lists it: `-h, --help`, `--format <format>`. */
  term: string;
  /** As declared: what completion shows beside it. */
  description: string;
  /** As help shows it: the description and what commander adds (choices, default). */
  helpDescription: string;
  long: string | null;
  short: string | null;
  /** Whether a value follows: `<value>` (required), `[value]` (optional), or none. */
  value: "required" | "optional" | null;
  /** The values it accepts, when it declares them. */
  choices: string[] | null;
}

/** A positional argument. */
export interface ArgumentShape {
  /** As help lists it: `<path>`, `[command...]`. */
  term: string;
  /** As declared. */
  description: string;
  /** As help shows it, with its choices and default. */
  helpDescription: string;
  choices: string[] | null;
  variadic: boolean;
}

/** A command and everything below it. */
export interface CommandShape {
  name: string;
  aliases: string[];
  /** The usage line's words after the command's path: `[options] <path>`. */
  usage: string;
  description: string;
  /** How its parent's help lists it: `login [options]`, `upgrade|update [options]`. */
  term: string;
  /** Its line in its parent's list (its summary, else its description). */
  summary: string;
  /** Left out of help and of the commands completion offers (another spelling of a listed one). */
  hidden: boolean;
  /** Every declared argument, in order. */
  arguments: ArgumentShape[];
  /** Whether help lists the arguments (commander lists them when one has a description). */
  showsArguments: boolean;
  /** The flags help lists, in its order (`-h, --help` included). */
  options: OptionShape[];
  /** Its subcommands, in help's order. */
  commands: CommandShape[];
  /** A group's `help [command]`, commander's own: listed last, not a command of the tree. */
  helpCommand: { name: string; term: string; summary: string } | null;
  /** The command's own paragraphs after its flags, before the examples. */
  notes: string[];
}
