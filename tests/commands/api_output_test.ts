/**
 * What `twg api` shows a person: JSON indented and coloured on a terminal
 * (as gh), a redirect with its Location and why it was not followed, and a
 * `--jq` on a body that is not JSON said as such (issue 25, items 9 and 18).
 */
import assert from "node:assert/strict";
import { runCli } from "../../src/main.ts";
import { fakeEnv } from "../_fake_env.ts";

const vars = {
  TWG_OAUTH_ACCESS_TOKEN: "ci-token",
  TWG_API_URL: "https://api.example.test/jira",
};

function terminalOutput(): { isTerminal: true; text: string; write(text: string): void } {
  return {
    isTerminal: true,
    text: "",
    write(text: string) {
      this.text += text;
    },
  };
}

Deno.test("api on a terminal pretty-prints JSON in colour; NO_COLOR keeps the indent only", async () => {
  for (const noColor of [false, true]) {
    const stdout = terminalOutput();
    await using env = fakeEnv({
      vars: noColor ? { ...vars, NO_COLOR: "1" } : vars,
      stdout,
      responses: [{
        url: "https://api.example.test/jira/rest/api/3/myself",
        response: () => Response.json({ name: "Ada", active: true }),
      }],
    });
    assert.equal(await runCli(env, ["api", "/rest/api/3/myself"]), 0);
    // deno-lint-ignore no-control-regex -- removing the colour sequences is the point
    const plain = stdout.text.replace(/\x1b\[[0-9;]*m/g, "");
    assert.equal(plain, '{\n  "name": "Ada",\n  "active": true\n}\n');
    assert.equal(stdout.text.includes("\x1b["), !noColor);
  }
});

Deno.test("api through a pipe prints the body exactly as it came", async () => {
  await using env = fakeEnv({
    vars,
    responses: [{
      url: "https://api.example.test/jira/x",
      response: () => new Response('{"name":"Ada"}'),
    }],
  });
  assert.equal(await runCli(env, ["api", "/x"]), 0);
  assert.equal(env.stdoutText(), '{"name":"Ada"}\n');
});

Deno.test("a 3xx names its Location and says twg never follows redirects with a token", async () => {
  await using env = fakeEnv({
    vars,
    responses: [{
      url: "https://api.example.test/jira/rest/api/2/issue",
      response: () =>
        new Response(null, {
          status: 301,
          headers: { location: "/jira/rest/api/3/issue" },
        }),
    }],
  });
  assert.equal(await runCli(env, ["api", "/rest/api/2/issue"]), 1);
  assert.match(
    env.stderrText(),
    /HTTP 301 from api\.example\.test\/jira\/rest\/api\/2\/issue redirects to https:\/\/api\.example\.test\/jira\/rest\/api\/3\/issue/,
  );
  assert.match(env.stderrText(), /never follows redirects with a token/);
  assert.equal(env.requests.length, 1, "the redirect was not followed");
});

Deno.test("--jq on a body that is not JSON says so, not that the expression failed", async () => {
  await using env = fakeEnv({
    vars,
    responses: [{
      url: "https://api.example.test/jira/page",
      response: () => new Response("<!DOCTYPE html><html>"),
    }],
  });
  assert.equal(await runCli(env, ["api", "/page", "--jq", ".x"]), 1);
  assert.match(
    env.stderrText(),
    /is not JSON, so --jq cannot apply \(it starts with "<!DOCTYPE html>/,
  );
  assert.doesNotMatch(env.stderrText(), /expression failed/);
});

Deno.test("a missing --input file is said in words, not the runtime's text", async () => {
  await using env = fakeEnv({ vars });
  assert.equal(await runCli(env, ["api", "/x", "--input", `${env.tempDir}/nope.json`]), 1);
  assert.match(env.stderrText(), /Cannot read ".*nope\.json": no such file or directory\n/);
  assert.doesNotMatch(env.stderrText(), /os error|readfile|ENOENT/);
});
