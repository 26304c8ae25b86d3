import { strict as assert } from "node:assert";
import { fakeEnv, jsonResponse } from "../_fake_env.ts";
import { requestJson } from "../../src/oauth/http.ts";
import { runCli } from "../../src/main.ts";
import { version } from "../../src/version.ts";

Deno.test("every request to the server carries twg's User-Agent with the agent's id", async () => {
  const agents: string[] = [];
  await using env = fakeEnv({
    vars: { AI_AGENT: "claude-code_2-1-263_agent", CLAUDECODE: "1" },
    respond: (request) => {
      agents.push(request.headers.get("user-agent") ?? "");
      return jsonResponse({ ok: true });
    },
  });
  await requestJson(env, "https://auth.example.com/.well-known/openid-configuration");
  assert.deepEqual(agents, [`twg/${version} (deno test; linux) agent/claude-code`]);
});

Deno.test("twg api sends the same User-Agent, and a person's terminal names no agent", async () => {
  const agents: string[] = [];
  await using env = fakeEnv({
    vars: { TWG_BBC_TOKEN: "bb-token", TWG_BITBUCKET_API_URL: "https://api.bitbucket.example" },
    respond: (request) => {
      agents.push(request.headers.get("user-agent") ?? "");
      return jsonResponse({ ok: true });
    },
  });
  assert.equal(await runCli(env, ["api", "--bitbucket", "/2.0/user"]), 0);
  assert.deepEqual(agents, [`twg/${version} (deno test; linux)`]);
});
