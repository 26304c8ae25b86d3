import assert from "node:assert/strict";
import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseTempName, removeOrphanedTempFiles } from "../../src/safe_files/atomic_write.ts";
import { createProcessEnv } from "../../src/env_deno.ts";

/** Above Linux's maximum pid (2^22): never a live process. */
const deadPid = 4_194_305;

Deno.test("only twg's exact temporary names parse; pid 0 and other files' names do not", () => {
  assert.deepEqual(parseTempName("auth.conf.tmp-123-abc"), { target: "auth.conf", pid: 123 });
  assert.deepEqual(parseTempName("auth.lock.tmp-9-z"), { target: "auth.lock", pid: 9 });
  for (
    const name of [
      "photos.tar.tmp-99999-final",
      "thesis.docx.tmp-0",
      "x.tmp-77777",
      "auth.conf.tmp-0-abc",
      "auth.conf.tmp-123",
      "auth.conf.tmp-123-final-draft",
      "auth.conf.tmp-123-ABC",
      "auth.conf.tmp-0123-abc",
      "my.auth.conf.tmp-123-abc",
    ]
  ) assert.equal(parseTempName(name), null, name);
});

Deno.test("clean-up removes only twg's regular files of dead writers owned by this user", async () => {
  const dir = await mkdtemp(join(tmpdir(), "twg-orphans-"));
  try {
    const env = createProcessEnv();
    const outside = join(dir, "..", `${dir.split("/").pop()}-outside`);
    await writeFile(outside, "keep");
    const keep = [
      "photos.tar.tmp-99999-final",
      "thesis.docx.tmp-0",
      "auth.conf.tmp-0-abc",
      `auth.conf.tmp-${Deno.pid}-mine`,
      `auth.conf.tmp-${deadPid}-final-draft`,
    ];
    for (const name of keep) await writeFile(join(dir, name), "x");
    await mkdir(join(dir, "x.tmp-77777"));
    await mkdir(join(dir, `auth.conf.tmp-${deadPid}-dir`));
    await symlink(outside, join(dir, `auth.conf.tmp-${deadPid}-link`));
    await writeFile(join(dir, `auth.conf.tmp-${deadPid}-theirs`), "x");
    await writeFile(join(dir, `auth.conf.tmp-${deadPid}-orphan`), "x");
    await writeFile(join(dir, `auth.lock.tmp-${deadPid}-orphan`), "x");
    const ownUid = (await Deno.lstat(dir)).uid!;
    // "theirs" stands for another user's file: checked against a uid it lacks.
    const removedAsOther = await removeOrphanedTempFiles(env, dir, ownUid + 1);
    assert.equal(removedAsOther, 0, "nothing of another owner is removed");
    assert.equal(await removeOrphanedTempFiles(env, dir, ownUid), 3);
    assert.deepEqual(
      (await readdir(dir)).sort(),
      [...keep, "x.tmp-77777", `auth.conf.tmp-${deadPid}-dir`, `auth.conf.tmp-${deadPid}-link`]
        .sort(),
    );
    assert.equal(await Deno.readTextFile(outside), "keep");
    await rm(outside);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
