/**
 * `deno task dev-server` tells a person how to point twg at it (its
 * `export` lines) even when its stdout is not a terminal.
 */
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";

Deno.test("the dev server prints its export lines on stderr when stdout is a pipe", async () => {
  const script = fileURLToPath(new URL("./fixtures/dev_server.ts", import.meta.url));
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", script],
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const decoder = new TextDecoder();
  let stderr = "";
  const timeout = setTimeout(() => child.kill("SIGTERM"), 30_000);
  try {
    for await (const chunk of child.stderr) {
      stderr += decoder.decode(chunk, { stream: true });
      if (stderr.includes("Stop with Ctrl-C")) break;
    }
  } finally {
    clearTimeout(timeout);
    try {
      child.kill("SIGTERM");
    } catch {
      // Already gone.
    }
    await child.stdout.cancel();
    await child.status;
  }
  assert.match(stderr, /^ {2}export TWG_ISSUER='http:\/\/127\.0\.0\.1:\d+'$/m);
  assert.match(stderr, /^ {2}export TWG_CLIENT_ID='[^']+'$/m);
});
