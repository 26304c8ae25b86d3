import assert from "node:assert/strict";
import { posix, win32 } from "node:path";
import { isAbsolutePath, joinPath, parentDir } from "../src/lean_path.ts";

Deno.test("parentDir agrees with node:path on POSIX and Windows paths", () => {
  for (
    const path of ["/home/ada/.config/twg/auth.conf", "/home/ada/.config/twg/", "/auth.conf", "/"]
  ) {
    assert.equal(parentDir(path), posix.dirname(path), path);
  }
  for (
    const path of [
      "C:\\Users\\ada\\AppData\\Roaming\\twg\\auth.conf",
      "C:\\auth.conf",
      "C:\\",
      "\\\\server\\share\\twg\\auth.conf",
    ]
  ) {
    assert.equal(parentDir(path), win32.dirname(path), path);
  }
});

Deno.test("joinPath agrees with node:path and keeps the base's separator", () => {
  assert.equal(
    joinPath("/home/ada/.config/twg", "auth.conf"),
    posix.join("/home/ada/.config/twg", "auth.conf"),
  );
  assert.equal(joinPath("/home/ada/.config/twg/", "auth.conf"), "/home/ada/.config/twg/auth.conf");
  assert.equal(joinPath("/", "auth.conf"), "/auth.conf");
  assert.equal(joinPath("/home/ada", ".config", "twg"), "/home/ada/.config/twg");
  assert.equal(
    joinPath("C:\\Users\\ada\\AppData\\Roaming", "twg", "auth.conf"),
    win32.join("C:\\Users\\ada\\AppData\\Roaming", "twg", "auth.conf"),
  );
  assert.equal(joinPath("C:\\", "twg"), "C:\\twg");
});

Deno.test("isAbsolutePath follows each OS's rule", () => {
  assert.equal(isAbsolutePath("/home/ada", "linux"), true);
  assert.equal(isAbsolutePath("relative/dir", "darwin"), false);
  assert.equal(isAbsolutePath("C:\\Users\\ada", "windows"), true);
  assert.equal(isAbsolutePath("\\\\server\\share", "windows"), true);
  assert.equal(isAbsolutePath("Users\\ada", "windows"), false);
});
