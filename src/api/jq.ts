/**
 * `twg api --jq`: a real jq (jq 1.7, compiled to WebAssembly, from the npm
 * package `jq-wasm`), loaded only when `--jq` is used: it is 1.3 MB of
 * JavaScript with the WebAssembly inlined, and no other command pays for it.
 *
 * Output as gh's `--jq` gives it (cli/go-gh `pkg/jq`, `EvaluateFormatted`):
 * strings raw, other values as JSON, indented only on a terminal.
 *
 * @module
 */
import { TwgError } from "../errors.ts";

/** Applies `expression` to the JSON document `input`; returns jq's output, one value a line. */
export async function applyJq(
  input: string,
  expression: string,
  options: { indent: boolean },
): Promise<string> {
  // jq-wasm is CommonJS: Deno exposes its exports by name, esbuild's bundle
  // for Node only as `default`.
  const module = await import("jq-wasm") as typeof import("jq-wasm") & {
    default?: typeof import("jq-wasm");
  };
  const raw = module.default?.raw ?? module.raw;
  const flags = options.indent ? ["-r"] : ["-r", "-c"];
  try {
    const output = await raw(input, expression, flags);
    return output.length > 0 && !output.endsWith("\n") ? output + "\n" : output;
  } catch (error) {
    const message = (error as Error).message.replace(/^Failed to execute raw query: /, "").trim();
    throw new TwgError(`The --jq expression failed: ${message}`, {
      hint: "Check the expression with jq's manual: https://jqlang.org/manual/",
    });
  }
}
