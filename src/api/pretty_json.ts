/**
 * `twg api`'s body on a terminal: indented JSON in gh's colours (cli/cli
 * `pkg/jsoncolor`: delimiters bold white, keys bright blue, strings green,
 * booleans yellow, null cyan, numbers plain). Reformats the tokens as they
 * came, so a 64-bit id keeps its digits (JSON.parse would round it).
 *
 * @module
 */

const colors = { delim: "1;37", key: "1;34", string: "32", bool: "33", null: "36" } as const;

// One JSON token: a string (with its escapes), a number, a literal, or a delimiter.
const tokenPattern =
  // deno-lint-ignore no-control-regex -- JSON strings may not hold raw controls (RFC 8259 §7)
  /\s*("(?:[^"\\\x00-\x1f]|\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4}))*"|-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null|[{}[\],:])/y;

/**
 * `text` indented (two spaces) and, with `color`, coloured; or `null` when
 * it is not one JSON document (then the body is printed as it came).
 *
 * @example
 * ```ts ignore
 * prettyJson('{"a":[1,true]}', { color: false }); // '{\n  "a": [\n    1,\n    true\n  ]\n}\n'
 * ```
 */
export function prettyJson(text: string, options: { color: boolean }): string | null {
  const tokens: string[] = [];
  tokenPattern.lastIndex = 0;
  while (tokenPattern.lastIndex < text.length) {
    const start = tokenPattern.lastIndex;
    const match = tokenPattern.exec(text);
    if (!match) {
      if (text.slice(start).trim() === "") break;
      return null;
    }
    tokens.push(match[1]!);
  }
  if (tokens.length === 0 || !isOneDocument(tokens)) return null;
  const paint = (color: string, token: string) =>
    options.color ? `\x1b[${color}m${token}\x1b[m` : token;
  const stack: string[] = [];
  let out = "";
  let expectKey = false;
  const newline = () => `\n${"  ".repeat(stack.length)}`;
  for (let index = 0; index < tokens.length; index++) {
    const token = tokens[index]!;
    const next = tokens[index + 1];
    if (token === "{" || token === "[") {
      stack.push(token);
      out += paint(colors.delim, token);
      const closesAtOnce = next === "}" || next === "]";
      if (!closesAtOnce) out += newline();
      expectKey = token === "{";
    } else if (token === "}" || token === "]") {
      const wasEmpty = tokens[index - 1] === "{" || tokens[index - 1] === "[";
      stack.pop();
      if (!wasEmpty) out += newline();
      out += paint(colors.delim, token);
    } else if (token === ",") {
      out += paint(colors.delim, ",") + newline();
      expectKey = stack.at(-1) === "{";
    } else if (token === ":") {
      out += paint(colors.delim, ":") + " ";
      expectKey = false;
    } else if (expectKey) {
      out += paint(colors.key, token);
    } else if (token.startsWith('"')) out += paint(colors.string, token);
    else if (token === "true" || token === "false") out += paint(colors.bool, token);
    else if (token === "null") out += paint(colors.null, token);
    else out += token;
  }
  return `${out}\n`;
}

/** Whether `tokens` are exactly one well-formed JSON value. */
function isOneDocument(tokens: string[]): boolean {
  let position = 0;
  const value = (): boolean => {
    const token = tokens[position++];
    if (token === undefined) return false;
    if (token === "{" || token === "[") {
      const close = token === "{" ? "}" : "]";
      if (tokens[position] === close) {
        position++;
        return true;
      }
      for (;;) {
        if (token === "{") {
          if (!tokens[position]?.startsWith('"')) return false;
          position++;
          if (tokens[position++] !== ":") return false;
        }
        if (!value()) return false;
        const separator = tokens[position++];
        if (separator === close) return true;
        if (separator !== ",") return false;
      }
    }
    return !["}", "]", ",", ":"].includes(token);
  };
  return value() && position === tokens.length;
}
