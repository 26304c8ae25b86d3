/**
 * The README is the first thing a new user reads: it says what twg is before
 * how to test it, installs the way that works, and points at nothing a clone
 * does not have (issue 12, item 13).
 */
import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";

const readme = await readFile(new URL("../README.md", import.meta.url), "utf8");

Deno.test("the README says what twg is before the test tools", () => {
  const isWhat = readme.indexOf("is a command-line tool");
  assert.ok(isWhat > 0, "it says what twg is");
  assert.ok(isWhat < readme.indexOf("task test"), "before the test suite");
  assert.ok(isWhat < readme.indexOf("bwrap"), "before the test tools");
});

Deno.test("the README points at no file outside the clone", () => {
  assert.doesNotMatch(readme, /\.\.\/shared/);
});

Deno.test("the README installs the packed npm tarball, not a link into the clone", () => {
  assert.doesNotMatch(readme, /^npm install -g \.\/npm\b/m);
  assert.match(readme, /^npm pack \.\/npm\b/m);
  assert.match(readme, /^npm install -g \.\/twg-cli-[\d.]+\.tgz/m);
});

Deno.test("the README has a clone line, registry install lines and PowerShell lines", () => {
  assert.match(readme, /^git clone <repository URL>/m);
  assert.match(readme, /^npm install -g @twg\/cli\b/m);
  assert.match(readme, /^deno install -g -n twg .*jsr:@twg\/cli/m);
  assert.match(readme, /```powershell\n(?:(?!```)[\s\S])*\$env:APPDATA\\twg/);
});

Deno.test("the README lists every --json error code that src/ defines", async () => {
  const codes = new Set<string>();
  const sources = await collectSources(new URL("../src/", import.meta.url));
  for (const text of sources) {
    for (const match of text.matchAll(/(?:defaultCode = |code: )"([a-z]+(?:-[a-z]+)*)"/g)) {
      codes.add(match[1]!);
    }
  }
  assert.ok(codes.size > 10, [...codes].join(", "));
  for (const code of codes) assert.ok(readme.includes(`\`${code}\``), `README lists ${code}`);
});

async function collectSources(dir: URL): Promise<string[]> {
  const texts: string[] = [];
  for await (const entry of Deno.readDir(dir)) {
    const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
    if (entry.isDirectory) texts.push(...await collectSources(url));
    else if (entry.name.endsWith(".ts")) texts.push(await readFile(url, "utf8"));
  }
  return texts;
}
