/**
 * The person's path through a real browser: twg's opener hands the
 * verification URL to headless Chromium (Debian's `chromium`, driven by
 * `playwright-core`), the person confirms the code shown on the page, signs in
 * and approves through the server's own forms (oidc-provider's device-flow
 * pages and its development login and consent pages), and twg finishes.
 *
 * Skipped with its reason when Chromium is missing, except in CI
 * (`CI=true`, as `.ci/run` sets), where it must be there.
 *
 * @module
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { chromium } from "playwright-core";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, login, makeHome, twg } from "./_twg.ts";

const chromiumPath = Deno.env.get("TWG_CHROMIUM") ?? "/usr/bin/chromium";
const hasChromium = await Deno.stat(chromiumPath).then((info) => info.isFile, () => false);
const isRequired = Deno.env.get("CI") === "true";

/** Waits until `path` holds a line, written by the detached opener. */
async function firstLine(path: string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await Deno.readTextFile(path).catch(() => "");
    if (text.includes("\n")) return text.split("\n")[0]!;
    if (Date.now() > deadline) throw new Error(`the browser opener never wrote ${path}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

Deno.test({
  name: `login through a real browser: the opener, the code on the page, the server's own forms${
    hasChromium || isRequired
      ? ""
      : ` (skipped: ${chromiumPath} not installed; apt-get install -y chromium)`
  }`,
  ignore: !hasChromium && !isRequired,
  // Playwright keeps its connection to Chromium open until close(), past the test's own ops.
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    if (!hasChromium) {
      throw new Error(`${chromiumPath} is required in CI: apt-get install -y chromium`);
    }
    await using server = await startDevServer({ interval: 1 });
    await using home = await makeHome(server);
    // The opener rule for BROWSER: one program, given the URL as its argument,
    // never a shell. This one hands the URL to the test.
    const opened = join(home.path, "opened-url");
    const opener = join(home.path, "hand-to-test");
    await Deno.writeTextFile(opener, `#!/bin/sh\nprintf '%s\\n' "$1" >> '${opened}'\n`, {
      mode: 0o755,
    });
    home.env.BROWSER = opener;

    const browser = await chromium.launch({ executablePath: chromiumPath, headless: true });
    try {
      const page = await browser.newPage();
      let shownCode = "";
      const result = await login(home, server, [], {
        browser: true,
        approve: async (userCode) => {
          const url = await firstLine(opened);
          assert.match(url, /\/device\?user_code=/);
          await page.goto(url);
          // The code arrives prefilled from the URL: the page asks to confirm it, not to type it.
          await page.getByText(userCode).waitFor();
          shownCode = userCode;
          await page.getByRole("button", { name: /continue/i }).click();
          // oidc-provider's development login page: any login name works; user-1 is Ada.
          await page.locator('input[name="login"]').fill("user-1");
          await page.locator('input[name="password"]').fill("anything");
          await page.locator('button[type="submit"]').click();
          // The consent page, then the device flow's success page.
          await page.getByRole("button", { name: /continue/i }).click();
          await page.getByText(/success/i).first().waitFor();
        },
      });
      expectExit(result, 0);
      assert.ok(shownCode, "the page showed the code");
      assert.equal(
        await firstLine(opened),
        String(result.events[0]?.verificationUriComplete),
        "the opener got the verification URL, code included",
      );
      // The complete link opens (it names the issuer's own host), so the page has the code.
      assert.match(
        result.stderr,
        /Opened http:\/\/127\.0\.0\.1:\d+\/device\?user_code=[A-Z]{4}-[A-Z]{4} in your browser/,
      );
      assert.deepEqual(result.events.at(-1)?.user, {
        id: "user-1",
        name: "Ada Lovelace",
        email: "ada@example.test",
      });
      const status = JSON.parse((await twg(home, ["auth", "status", "--json"])).stdout);
      assert.equal(status.loggedIn, true);
      assert.equal(status.user.name, "Ada Lovelace");
    } finally {
      await browser.close();
    }
  },
});
