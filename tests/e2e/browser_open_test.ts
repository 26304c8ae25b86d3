/**
 * "Opened … in your browser" only when the opener did not fail; otherwise
 * the fallback text with the URL (issue 25, item 15). Real processes: the
 * opener is a script that exits 1, as xdg-open does without a browser.
 */
import assert from "node:assert/strict";
import { chmod, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { login, makeHome } from "./_twg.ts";

Deno.test("a browser opener that exits 1: no 'Opened', the URL to open instead", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await makeHome(server);
  const opener = join(home.path, "failing-opener");
  await writeFile(opener, "#!/bin/sh\necho 'no method available for opening' >&2\nexit 1\n");
  await chmod(opener, 0o755);
  // BROWSER names the opener (as xdg-open's own convention does).
  await using failing = await makeHome(server, { BROWSER: opener });
  const signIn = await login(failing, server, [], { browser: true });
  assert.equal(signIn.code, 0, signIn.stderr);
  assert.doesNotMatch(signIn.stderr, /Opened .* in your browser/);
  assert.match(signIn.stderr, /No browser opened \(.*exit code 1\)/);
  assert.match(
    signIn.stderr,
    /Open http:\/\/127\.0\.0\.1:\d+\/device in a browser and enter the code/,
  );
});
