import assert from "node:assert/strict";
import { parseDuration } from "../../src/auth/duration.ts";
import { tokenEnvLines } from "../../src/auth/token.ts";
import { UsageError } from "../../src/errors.ts";

Deno.test("--format env quotes every value so a shell's eval cannot run it", async () => {
  const lines = tokenEnvLines({
    token: "a'b$(touch /tmp/x)`c`",
    expiresAt: "2026-11-28T13:00:00.000Z",
    tokenType: "Bearer",
    site: "https://x.example/'; rm -rf ~",
    cloudId: "site-1",
    source: "file",
  });
  const output = await new Deno.Command("sh", {
    args: ["-c", `eval "$1"; printf '%s\\n%s' "$TWG_OAUTH_ACCESS_TOKEN" "$TWG_SITE"`, "sh", lines],
    stdout: "piped",
  }).output();
  assert.equal(
    new TextDecoder().decode(output.stdout),
    "a'b$(touch /tmp/x)`c`\nhttps://x.example/'; rm -rf ~",
  );
});

Deno.test("durations: seconds, or h/m/s units; anything else is a usage error", () => {
  assert.equal(parseDuration("90", "--min-valid"), 90_000);
  assert.equal(parseDuration("5m", "--min-valid"), 300_000);
  assert.equal(parseDuration("1h30m", "--min-valid"), 5_400_000);
  for (const bad of ["soon", "5 m", "m5", "1d", ""]) {
    assert.throws(() => parseDuration(bad, "--min-valid"), UsageError);
  }
});
