/**
 * The generated command tree (`src/tree/snapshot.ts`) is the tree
 * `src/cli.ts` declares, and help read from it is the help commander shows:
 * for every command (hidden spellings and aliases too), at 40, 59, 60, 80
 * and 120 columns.
 */
import assert from "node:assert/strict";
import { currentTree, snapshotSource } from "../../generate-tree.ts";
import { commandTree } from "../../src/tree/snapshot.ts";
import { answerFromSnapshot } from "../../src/snapshot_answers.ts";
import { buildCli } from "../../src/cli.ts";
import type { CommandShape } from "../../src/tree/shape.ts";
import { fakeEnv } from "../_fake_env.ts";

Deno.test("the snapshot is the tree src/cli.ts declares (run `deno task generate` when this fails)", async () => {
  assert.deepEqual(commandTree, await currentTree());
  // And the file is what the generator writes, so a hand edit shows too.
  const written = await Deno.readTextFile(new URL("../../src/tree/snapshot.ts", import.meta.url));
  const formatted = await new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext", "ts", "-"],
    stdin: "piped",
    stdout: "piped",
  }).spawn();
  const writer = formatted.stdin.getWriter();
  await writer.write(new TextEncoder().encode(snapshotSource(commandTree)));
  await writer.close();
  assert.equal(written, new TextDecoder().decode((await formatted.output()).stdout));
});

/** Every command's words, from the program down, aliases included. */
function allPaths(command: CommandShape, words: string[] = []): string[][] {
  return [
    words,
    ...command.commands.flatMap((child) =>
      [child.name, ...child.aliases].flatMap((name) => allPaths(child, [...words, name]))
    ),
  ];
}

async function helpOutput(
  columns: number,
  run: (env: ReturnType<typeof fakeEnv>) => Promise<unknown>,
): Promise<string> {
  const env = fakeEnv();
  let text = "";
  const stdout = {
    write: (chunk: string) => void (text += chunk),
    isTerminal: true,
    columns: () => columns,
  };
  await run(Object.create(env, { stdout: { value: stdout } }));
  return text;
}

Deno.test("help from the snapshot is the help commander shows, for every command and width", async () => {
  const paths = allPaths(commandTree);
  assert.ok(paths.length > 30, `${paths.length} commands`);
  for (const columns of [40, 59, 60, 80, 120]) {
    for (const words of paths) {
      const fromSnapshot = await helpOutput(columns, async (env) => {
        assert.ok(await answerFromSnapshot(env, [...words, "--help"]), words.join(" "));
      });
      const fromTree = await helpOutput(columns, async (env) => {
        await (await buildCli(env)).parseAsync([...words, "--help"], { from: "user" })
          .catch((error) => assert.match(error.code, /^commander\.help/, String(error)));
      });
      assert.equal(fromSnapshot, fromTree, `twg ${words.join(" ")} --help at ${columns} columns`);
      assert.match(fromSnapshot, /^Usage: twg/);
    }
  }
});
