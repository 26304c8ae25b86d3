/**
 * A command's help, laid out for a terminal `columns` wide, from its
 * {@link CommandShape}: the one layout of every help, whether the shape was
 * read from the live tree (`src/cli.ts` hands commander this renderer) or
 * from the generated snapshot (`twg … --help` without commander).
 *
 * @module
 */
import { formatExamples, helpExamples } from "../help_examples.ts";
import { wrap } from "../help_environment.ts";
import type { CommandShape } from "./shape.ts";

/** Below this width the two-column lists leave no room: each term on its own line. */
const twoColumnWidth = 60;
/** Narrower than this, a description column is not wrapped at all (as commander does). */
const leastWrapWidth = 40;

/**
 * The help of `shape`, reached by `path` (its ancestors' names and its own,
 * `["twg", "auth", "token"]`), laid out for `columns`.
 */
export function renderHelp(shape: CommandShape, path: string[], columns: number): string {
  const visible = shape.commands.filter((child) => !child.hidden);
  const shown = (entry: { term: string; helpDescription: string }) => ({
    term: entry.term,
    description: entry.helpDescription,
  });
  const argumentItems = shape.showsArguments ? shape.arguments.map(shown) : [];
  const optionItems = shape.options.map(shown);
  const commandItems = [...visible, ...(shape.helpCommand ? [shape.helpCommand] : [])]
    .map((child) => ({ term: child.term, description: child.summary }));
  const items = [...argumentItems, ...optionItems, ...commandItems];
  const termWidth = Math.max(0, ...items.map((item) => item.term.length));
  const list = (heading: string, entries: { term: string; description: string }[]) =>
    entries.length === 0
      ? []
      : [heading, ...entries.map((entry) => item(entry, termWidth, columns)), ""];
  const ancestors = path.slice(0, -1).join(" ");
  const name = shape.name + (shape.aliases[0] ? `|${shape.aliases[0]}` : "");
  const sections = [
    `Usage: ${ancestors ? `${ancestors} ` : ""}${name} ${shape.usage}`,
    "",
    ...(shape.description ? [wrapKeepingLines(shape.description, columns), ""] : []),
    ...list("Arguments:", argumentItems),
    ...list("Options:", optionItems),
    ...list("Commands:", commandItems),
  ];
  const after = [
    ...shape.notes,
    ...(path.length === 1 ? [programNotes(columns)] : []),
    ...examplesOf(path.slice(1), columns),
  ];
  const text = sections.join("\n") + after.map((note) => `${note}\n`).join("");
  return fitLines(text, columns);
}

function examplesOf(words: string[], columns: number): string[] {
  const examples = helpExamples[words.join(" ")];
  return examples ? [formatExamples(examples, columns)] : [];
}

/** What the program's own help says after its commands: exit codes, profiles, where to learn more. */
function programNotes(columns: number): string {
  return [
    "",
    "Exit codes: 0 ok, 1 failure, 2 usage, 3 login needed, 4 credential store not " +
    "writable, 5 network or server error, 77 sign in again (sign-in expired or " +
    "rejected), 130 interrupted.",
    "",
    "Profiles: --profile NAME on any command (or TWG_PROFILE=NAME) uses another " +
    'sign-in; "twg auth switch --profile NAME [--here]" changes the default (--here: ' +
    "this directory and below).",
    "",
    'Learn more: "twg <command> --help" for a command, "twg help environment" for the ' +
    "variables; the README that comes with twg is the manual.",
  ].flatMap((paragraph) => paragraph ? wrap(paragraph, columns - 1) : [""]).join("\n");
}

/**
 * One entry of a list: the term, then its description beside it, wrapped in
 * its column; below {@link twoColumnWidth} columns, the description on the
 * lines below the term.
 */
function item(
  entry: { term: string; description: string },
  termWidth: number,
  columns: number,
): string {
  if (!entry.description) return `  ${entry.term}`;
  if (columns < twoColumnWidth) {
    return `  ${entry.term}\n${
      wrap(entry.description, columns - 7).map((line) => `      ${line}`).join("\n")
    }`;
  }
  const descriptionWidth = columns - termWidth - 4;
  const lines = descriptionWidth < leastWrapWidth
    ? [entry.description]
    : wrap(entry.description, descriptionWidth);
  return lines.map((line, index) =>
    index === 0
      ? `  ${entry.term.padEnd(termWidth)}  ${line}`
      : `${" ".repeat(termWidth + 4)}${line}`
  ).join("\n");
}

/** `text` wrapped to `columns`, each of its own lines apart. */
function wrapKeepingLines(text: string, columns: number): string {
  return text.split("\n").map((line) => wrap(line, columns).join("\n")).join("\n");
}

/**
 * `text` with each line wider than `columns` wrapped at its own indentation;
 * an example's command line (`  $ …`), copied whole, is never broken.
 */
export function fitLines(text: string, columns: number): string {
  return text.split("\n").flatMap((line) => {
    if ([...line].length <= columns || line.startsWith("  $ ")) return [line];
    const indent = /^ */.exec(line)![0];
    return wrap(line.slice(indent.length), Math.max(10, columns - indent.length)).map((part) =>
      indent + part
    );
  }).join("\n");
}
