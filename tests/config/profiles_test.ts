/**
 * Choosing a profile (issue 21): the order of the choices, the directory
 * mapping's ancestors, and a choices file that cannot be trusted.
 */
import { strict as assert } from "node:assert";
import { fakeEnv } from "../_fake_env.ts";
import {
  chooseProfile,
  mappedProfile,
  profilesFile,
  saveProfileChoices,
} from "../../src/config/profiles.ts";
import { configPaths } from "../../src/config/paths.ts";

Deno.test("the nearest mapped directory wins; an unmapped one has none", () => {
  const choices = { default: null, directories: { "/w/repo": "work", "/w/repo/vendor": "other" } };
  assert.equal(mappedProfile(choices, "/w/repo"), "work");
  assert.equal(mappedProfile(choices, "/w/repo/src/deep"), "work");
  assert.equal(mappedProfile(choices, "/w/repo/vendor/x"), "other");
  assert.equal(
    mappedProfile(choices, "/w/repository"),
    null,
    "a prefix of the name is not a parent",
  );
  assert.equal(mappedProfile(choices, "/"), null);
});

Deno.test("flag, then TWG_PROFILE, then the mapping, then the switched default, then default", async () => {
  await using env = fakeEnv();
  assert.deepEqual(await chooseProfile(env, null), { name: "default", source: "default" });
  await saveProfileChoices(env, { default: "home", directories: { [env.cwd()]: "work" } });
  assert.deepEqual(await chooseProfile(env, null), { name: "work", source: "directory" });
  await saveProfileChoices(env, { default: "home", directories: {} });
  assert.deepEqual(await chooseProfile(env, null), { name: "home", source: "switched" });
  env.getVar = (name) => name === "TWG_PROFILE" ? "ci" : undefined;
  assert.deepEqual(await chooseProfile(env, null), { name: "ci", source: "variable" });
  assert.deepEqual(await chooseProfile(env, "flagged"), { name: "flagged", source: "flag" });
  // The default profile keeps today's paths; another has its own directory.
  assert.equal(configPaths(env, "default").authConf, `${configPaths(env).root}/auth.conf`);
  assert.equal(
    configPaths(env, "work").authConf,
    `${configPaths(env).root}/profiles/work/auth.conf`,
  );
});

Deno.test("a choices file others may write, or one naming a path, is refused", async () => {
  await using env = fakeEnv();
  await saveProfileChoices(env, { default: null, directories: {} });
  await Deno.chmod(profilesFile(env), 0o666);
  await assert.rejects(chooseProfile(env, null), /others may write it/);
  await Deno.writeTextFile(
    profilesFile(env),
    JSON.stringify({ version: 1, default: "../../etc", directories: {} }),
    { mode: 0o600 },
  );
  await Deno.chmod(profilesFile(env), 0o600);
  await assert.rejects(chooseProfile(env, null), /Invalid profile name/);
});
