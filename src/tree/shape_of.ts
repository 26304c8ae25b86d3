/**
 * Reads a {@link CommandShape} from the commander tree, through the help the
 * tree is configured with (`src/cli.ts`): the terms and descriptions are the
 * ones commander's `Help` computes, so the data says what the tree says.
 *
 * @module
 */
import type { CommandUnknownOpts, Help, Option } from "@commander-js/extra-typings";
import type { ArgumentShape, CommandShape, OptionShape } from "./shape.ts";

/** The paragraphs each command's own `addHelpText("after", …)` declared, taken by {@link takeNotes}. */
const notesByCommand = new WeakMap<CommandUnknownOpts, string[]>();

/**
 * Takes the texts `command` declared with `addHelpText("after", …)` out of
 * commander's hands: they become the shape's `notes`, which the help renderer
 * prints in their place (`render_help.ts`), so that help from the tree and
 * help from the snapshot are one text.
 */
export function takeNotes(command: CommandUnknownOpts): void {
  // A commander Command is a Node EventEmitter; the typings leave that out.
  const emitter = command as unknown as {
    listeners(event: string): ((context: unknown) => void)[];
    removeAllListeners(event: string): void;
  };
  const notes: string[] = [];
  const context = { error: false, command, write: (text: string) => notes.push(text) };
  for (const listener of emitter.listeners("afterHelp")) listener(context);
  emitter.removeAllListeners("afterHelp");
  notesByCommand.set(command, notes.map((note) => note.replace(/\n$/, "")));
}

/** The shape of `command` and everything below it. */
export function shapeOf(command: CommandUnknownOpts): CommandShape {
  const help = command.createHelp();
  const visible = help.visibleCommands(command);
  const implicitHelp = visible.find((child) => !command.commands.includes(child));
  const listed = help.visibleArguments(command);
  return {
    name: command.name(),
    aliases: [...command.aliases()],
    usage: command.usage(),
    description: help.commandDescription(command),
    term: help.subcommandTerm(command),
    summary: help.subcommandDescription(command),
    hidden: false,
    arguments: command.registeredArguments.map((argument): ArgumentShape => ({
      term: help.argumentTerm(argument),
      description: argument.description,
      helpDescription: help.argumentDescription(argument),
      choices: argument.argChoices ? [...argument.argChoices] : null,
      variadic: argument.variadic,
    })),
    showsArguments: listed.length > 0,
    options: help.visibleOptions(command).map((option) => optionShape(help, option)),
    commands: command.commands.map((child) => ({
      ...shapeOf(child),
      hidden: !visible.includes(child),
    })),
    helpCommand: implicitHelp
      ? {
        name: implicitHelp.name(),
        term: help.subcommandTerm(implicitHelp),
        summary: help.subcommandDescription(implicitHelp),
      }
      : null,
    notes: notesByCommand.get(command) ?? [],
  };
}

function optionShape(help: Help, option: Option): OptionShape {
  return {
    term: help.optionTerm(option),
    description: option.description,
    helpDescription: help.optionDescription(option),
    long: option.long ?? null,
    short: option.short ?? null,
    value: option.required ? "required" : option.optional ? "optional" : null,
    choices: option.argChoices ? [...option.argChoices] : null,
  };
}
