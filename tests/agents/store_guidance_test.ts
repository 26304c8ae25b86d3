import { strict as assert } from "node:assert";
import { guidanceOptions } from "../../src/agents/store_guidance.ts";
import { fakeEnv } from "../_fake_env.ts";

const dir = "/home/ada/.config/twg";

Deno.test("the token keeper's socket: TWG_BROKER_SOCKET, then XDG_RUNTIME_DIR, then twg-<uid> under TMPDIR", async () => {
  const socketFor = async (vars: Record<string, string>, os: "linux" | "windows" = "linux") => {
    await using env = fakeEnv({ vars, os, userId: 1000 });
    return (await guidanceOptions(env, dir)).brokerSocket;
  };
  assert.equal(await socketFor({ TWG_BROKER_SOCKET: "/srv/k.sock" }), "/srv/k.sock");
  assert.equal(
    await socketFor({ XDG_RUNTIME_DIR: "/run/user/1000" }),
    "/run/user/1000/twg/broker.sock",
  );
  assert.equal(await socketFor({ TMPDIR: "/var/tmp" }), "/var/tmp/twg-1000/broker.sock");
  assert.equal(await socketFor({}), "/tmp/twg-1000/broker.sock");
  // A relative XDG_RUNTIME_DIR is not a place for a socket.
  assert.equal(await socketFor({ XDG_RUNTIME_DIR: "run" }), "/tmp/twg-1000/broker.sock");
  // No Unix socket path is offered on Windows unless one is named.
  assert.equal(await socketFor({ XDG_RUNTIME_DIR: "/run/user/1000" }, "windows"), null);
});

Deno.test("the access-token file is beside auth.conf in the config dir given", async () => {
  await using env = fakeEnv();
  assert.equal((await guidanceOptions(env, dir)).tokenFile, `${dir}/access-token.json`);
});
