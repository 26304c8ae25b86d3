import { strict as assert } from "node:assert";
import { agentCheckDetail } from "../../src/agents/doctor_check.ts";
import { fakeEnv } from "../_fake_env.ts";

Deno.test("doctor's agent check names an editor's terminal, and no agent", async () => {
  await using env = fakeEnv({ vars: { TERM_PROGRAM: "kiro" } });
  assert.equal(
    await agentCheckDetail(env, "/home/ada/.config/twg", false),
    "none detected (a terminal of Kiro; no agent's marker)",
  );
});

Deno.test("doctor's agent check gives the agent and its one-line fix", async () => {
  await using env = fakeEnv({ vars: { CODEX_THREAD_ID: "019a" } });
  assert.equal(await agentCheckDetail(env, "/home/ada/.config/twg", true), "codex");
  assert.equal(
    await agentCheckDetail(env, "/home/ada/.config/twg", false),
    "codex; to let it write /home/ada/.config/twg: codex --add-dir /home/ada/.config/twg",
  );
});

Deno.test("doctor's agent check: a person's COPILOT_MODEL is no agent", async () => {
  await using env = fakeEnv({ vars: { COPILOT_MODEL: "gpt-5" } });
  assert.equal(await agentCheckDetail(env, "/home/ada/.config/twg", true), "none detected");
});
