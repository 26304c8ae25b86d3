/**
 * Attack: another local user makes twg chmod one of your files (issue 23,
 * finding 1). Two real users: the attacker owns the directory the victim's
 * `TWG_CONFIG_DIR` names (0777, so the victim's twg can write there) and runs
 * a swapper that replaces every temporary file twg creates in it with a
 * symlink to the victim's `~/.git-credentials`. `twg upkeep run`, as the
 * victim, refuses the directory: nothing of the victim's appears in it, and
 * `~/.git-credentials` keeps mode 0600. A unit test below proves the class:
 * no write twg makes calls chmod by path.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { prepareReservedWrite, writeFileAtomic } from "../../src/safe_files/atomic_write.ts";
import { ensureConfigDir } from "../../src/credentials/store.ts";
import { appendLog } from "../../src/upkeep/run.ts";
import type { FileSystem } from "../../src/env.ts";
import { fakeEnv } from "../_fake_env.ts";

const victim = "twg-sec-victim";
const attacker = "twg-sec-attacker";
const mainPath = fileURLToPath(new URL("../../src/main.ts", import.meta.url));

async function succeeds(command: string, args: string[]): Promise<boolean> {
  try {
    return (await new Deno.Command(command, { args, stdout: "null", stderr: "null" }).output())
      .success;
  } catch {
    return false;
  }
}

const skipReason = Deno.build.os !== "linux"
  ? "two-user attacks need Linux"
  : Deno.uid() !== 0
  ? "creating two users needs root (CI runs as root)"
  : !(await succeeds("useradd", ["--help"]))
  ? "useradd is missing"
  : !(await succeeds("setpriv", ["--help"]))
  ? "setpriv is missing"
  : null;
if (skipReason && Deno.env.get("CI") === "true") throw new Error(`Cannot run in CI: ${skipReason}`);

/** Creates `name` when missing; returns its uid and whether it was created here. */
async function ensureUser(name: string): Promise<{ uid: number; gid: number; created: boolean }> {
  const created = !(await succeeds("id", [name])) &&
    await succeeds("useradd", ["-M", "-r", "-s", "/usr/sbin/nologin", name]);
  const id = async (flag: string) =>
    Number(
      new TextDecoder().decode(
        (await new Deno.Command("id", { args: [flag, name], stdout: "piped" }).output()).stdout,
      ).trim(),
    );
  return { uid: await id("-u"), gid: await id("-g"), created };
}

// The swapper: every temporary file twg creates becomes a symlink to the target.
const swapper = `
end=$(( $(date +%s) + $3 ))
while [ "$(date +%s)" -lt "$end" ]; do
  for path in "$1"/*.tmp-*; do
    [ -e "$path" ] && [ ! -L "$path" ] && rm -f "$path" && ln -s "$2" "$path"
  done
done
`;

Deno.test({
  name: `upkeep run writes nothing into a config dir another user can write, and chmods nothing${
    skipReason ? ` (skipped: ${skipReason})` : ""
  }`,
  ignore: skipReason !== null,
  async fn() {
    const victimUser = await ensureUser(victim);
    const attackerUser = await ensureUser(attacker);
    const base = await Deno.makeTempDir({ prefix: "twg-two-users-" });
    try {
      await Deno.chmod(base, 0o755);
      // The victim needs a runtime it can execute: a copy of this deno.
      const deno = join(base, "deno");
      await Deno.copyFile(Deno.execPath(), deno);
      await Deno.chmod(deno, 0o755);
      const home = join(base, "victim");
      await Deno.mkdir(home, { mode: 0o700 });
      const secret = join(home, ".git-credentials");
      await Deno.writeTextFile(secret, "https://user:secret@example.test\n", { mode: 0o600 });
      await Deno.chown(home, victimUser.uid, victimUser.gid);
      await Deno.chown(secret, victimUser.uid, victimUser.gid);
      const shared = join(base, "shared");
      await Deno.mkdir(shared);
      await Deno.chown(shared, attackerUser.uid, attackerUser.gid);
      await Deno.chmod(shared, 0o777);
      await Deno.writeTextFile(join(base, "swapper.sh"), swapper);

      const swap = new Deno.Command("setpriv", {
        args: [
          `--reuid=${attacker}`,
          `--regid=${attacker}`,
          "--clear-groups",
          "/bin/sh",
          join(base, "swapper.sh"),
          shared,
          secret,
          "90",
        ],
        stdout: "null",
        stderr: "null",
      }).spawn();
      const outputs: string[] = [];
      try {
        for (let round = 0; round < 2; round++) {
          const run = await new Deno.Command("setpriv", {
            args: [
              `--reuid=${victim}`,
              `--regid=${victim}`,
              "--clear-groups",
              deno,
              "run",
              "-A",
              "--quiet",
              mainPath,
              "upkeep",
              "run",
            ],
            clearEnv: true,
            env: {
              HOME: home,
              DENO_DIR: join(home, ".deno"),
              TWG_CONFIG_DIR: shared,
              TWG_NO_PUBLIC_DEFAULTS: "1",
              PATH: "/usr/bin:/bin",
            },
            stdout: "piped",
            stderr: "piped",
          }).output();
          outputs.push(new TextDecoder().decode(run.stderr));
        }
      } finally {
        try {
          swap.kill();
        } catch {
          // Ended already.
        }
        await swap.status;
      }
      const mode = (await Deno.lstat(secret)).mode! & 0o777;
      assert.equal(mode.toString(8), "600", "the victim's file kept its mode");
      for await (const entry of Deno.readDir(shared)) {
        const info = await Deno.lstat(join(shared, entry.name));
        assert.notEqual(
          info.uid,
          victimUser.uid,
          `the victim's twg wrote ${entry.name} into the refused directory`,
        );
      }
      assert.match(outputs.join("\n"), /belongs to another user/);
    } finally {
      await Deno.remove(base, { recursive: true }).catch(() => {});
      if (victimUser.created) await succeeds("userdel", [victim]);
      if (attackerUser.created) await succeeds("userdel", [attacker]);
    }
  },
});

Deno.test("no write twg makes sets a mode by path (a symlink swapped in would be followed)", async () => {
  await using env = fakeEnv();
  const chmods: string[] = [];
  const recording: FileSystem = {
    ...env.fs,
    chmod: (path) => Promise.resolve(void chmods.push(path)),
    chmodSync: (path) => void chmods.push(path),
  };
  const watched = { ...env, fs: recording } as typeof env;
  const dir = join(env.homeDir, "cfg");
  await ensureConfigDir(watched, dir);
  await writeFileAtomic(watched, join(dir, "upkeep.json"), "{}\n", 0o644);
  const reserved = await prepareReservedWrite(watched, join(dir, "auth.conf"), 0o600, 4096);
  await reserved.commit("{}");
  await reserved.discard();
  await appendLog(watched, { root: dir } as Parameters<typeof appendLog>[1], "line");
  assert.deepEqual(chmods, []);
  assert.equal((await Deno.stat(join(dir, "auth.conf"))).mode! & 0o777, 0o600);
  assert.equal(await Deno.readTextFile(join(dir, "upkeep.log")), "line\n");
});
