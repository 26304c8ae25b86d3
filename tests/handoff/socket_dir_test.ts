import assert from "node:assert/strict";
import { join } from "node:path";
import { brokerSocketDir, brokerSocketPath, dataDir } from "../../src/config/paths.ts";
import {
  BrokerSocketError,
  clearSocketPath,
  isUsableSocket,
  prepareSocketDir,
} from "../../src/handoff/socket_dir.ts";
import { fakeEnv } from "../_fake_env.ts";

Deno.test("the socket defaults to $XDG_RUNTIME_DIR/twg, else a twg-<uid> directory in the temp dir; TWG_BROKER_SOCKET wins", async () => {
  await using withRuntime = fakeEnv({ vars: { XDG_RUNTIME_DIR: "/run/user/1000" }, userId: 1000 });
  assert.equal(brokerSocketPath(withRuntime), "/run/user/1000/twg/broker.sock");
  await using without = fakeEnv({ vars: {}, userId: 1000 });
  assert.equal(brokerSocketDir(without), "/tmp/twg-1000");
  await using explicit = fakeEnv({ vars: { TWG_BROKER_SOCKET: "/srv/s.sock" } });
  assert.equal(brokerSocketPath(explicit), "/srv/s.sock");
});

Deno.test("the data directory follows XDG on Linux and the platform's place elsewhere", () => {
  assert.equal(
    dataDir(fakeEnv({ os: "linux", homeDir: "/home/ada" })),
    "/home/ada/.local/share/twg",
  );
  assert.equal(
    dataDir(fakeEnv({ os: "linux", homeDir: "/home/ada", vars: { XDG_DATA_HOME: "/d" } })),
    "/d/twg",
  );
  assert.equal(
    dataDir(fakeEnv({ os: "darwin", homeDir: "/Users/ada" })),
    "/Users/ada/Library/Application Support/twg",
  );
});

Deno.test("prepareSocketDir creates a 0700 directory and refuses an open, linked or foreign one", async () => {
  await using env = fakeEnv();
  const dir = join(env.tempDir, "sock");
  await prepareSocketDir(env, dir);
  assert.equal((await Deno.stat(dir)).mode! & 0o777, 0o700);
  await Deno.chmod(dir, 0o750);
  await assert.rejects(prepareSocketDir(env, dir), BrokerSocketError);
  const link = join(env.tempDir, "link");
  await Deno.symlink(dir, link);
  await assert.rejects(prepareSocketDir(env, link), /symbolic link/);
  await Deno.chmod(dir, 0o700);
  await using foreign = fakeEnv({ userId: 4242 });
  await assert.rejects(prepareSocketDir(foreign, dir), /belongs to user/);
});

Deno.test("a link or a file at the socket path is refused, never removed; a dead socket is cleared", async () => {
  await using env = fakeEnv();
  const target = join(env.tempDir, "victim");
  await Deno.writeTextFile(target, "x");
  const path = join(env.tempDir, "broker.sock");
  await Deno.symlink(target, path);
  await assert.rejects(clearSocketPath(env, path, () => Promise.resolve(false)), /symbolic link/);
  await assert.rejects(isUsableSocket(env, path), /not a socket/);
  assert.equal(await Deno.readTextFile(target), "x");
  await Deno.remove(path);
  const listener = Deno.listen({ transport: "unix", path });
  listener.close();
  await clearSocketPath(env, path, () => Promise.resolve(false));
  await assert.rejects(Deno.lstat(path), Deno.errors.NotFound);
  assert.equal(await isUsableSocket(env, path), false);
});
