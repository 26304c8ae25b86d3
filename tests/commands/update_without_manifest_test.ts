/**
 * `twg upgrade` (and `update`) with no release manifest configured (issue
 * 25, item 8): an npm install asks the npm registry (a fake one on
 * loopback, named by `npm_config_registry`) and never installs on
 * `--check`; a checkout says to `git pull` it, and how far behind its last
 * fetch it is, fetching nothing; a registry that is down or answers with
 * anything but a package document is a clear error and nothing is installed.
 */
import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runUpdate, type UpdateOptions } from "../../src/commands/update.ts";
import type { TwgError } from "../../src/errors.ts";
import { runCli } from "../../src/main.ts";
import { npmRegistryFor, publicNpmRegistry } from "../../src/install/npm_registry.ts";
import { type FakeEnv, fakeEnv, type FakeEnvOverrides } from "../_fake_env.ts";
import { fakeProgram, loggedCalls, realRun } from "../_fake_programs.ts";
import { type ReleaseServer, serveRelease } from "../_release_server.ts";
import { validate } from "../_json_schema.ts";

const update: UpdateOptions = { check: false, json: false, arch: "x64", currentVersion: "0.1.0" };
const check: UpdateOptions = { ...update, check: true };
const OWN_PACKAGE = (version: string) => JSON.stringify({ name: "@twg/cli", version });

interface Setup extends AsyncDisposable {
  env: FakeEnv;
  server: ReleaseServer;
  /** The stand-in npm's log: one line per run. */
  npmLog: string;
  /** The installed package.json, which the stand-in npm rewrites as the real one would. */
  packageJson: string;
  /** `host:port` of the fake registry. */
  host: string;
}

/**
 * This copy installed with `npm install -g` under `<tempDir>/prefix`, no
 * manifest configured, `npm_config_registry` naming a registry on loopback
 * that publishes `@twg/cli` 0.2.0 as `latest` (and 0.3.0-beta.1 as `beta`),
 * and a stand-in npm first on PATH that installs what it is asked for.
 */
async function npmInstalled(vars: Record<string, string> = {}): Promise<Setup> {
  const server = serveRelease();
  server.setPackage("@twg/cli", { latest: "0.2.0", beta: "0.3.0-beta.1" }, [
    "0.1.0",
    "0.2.0",
    "0.3.0-beta.1",
  ]);
  const allVars: Record<string, string> = {
    TWG_NO_PUBLIC_DEFAULTS: "1",
    npm_config_registry: server.url("/"),
    ...vars,
  };
  const env = fakeEnv({
    vars: allVars,
    fetch: (input, init) => globalThis.fetch(input, init),
    run: realRun(allVars),
  });
  const prefix = join(env.tempDir, "prefix");
  const root = join(prefix, "lib", "node_modules", "@twg", "cli");
  await mkdir(join(prefix, "bin"), { recursive: true });
  await mkdir(root, { recursive: true });
  await writeFile(join(prefix, "bin", "twg"), "");
  const packageJson = join(root, "package.json");
  await writeFile(packageJson, OWN_PACKAGE("0.1.0"));
  const overrides: FakeEnvOverrides = {
    runtime: "node 20.20.2",
    execPath: "/usr/bin/node",
    mainPath: join(root, "dist", "twg.js"),
  };
  Object.assign(env, overrides);
  const bin = join(env.tempDir, "fake-bin");
  await mkdir(bin);
  allVars.PATH = `${bin}:${Deno.env.get("PATH") ?? "/usr/bin:/bin"}`;
  // Like the real npm: `install -g @twg/cli@X` leaves X installed.
  const npmLog = await fakeProgram(bin, "npm", {
    effect:
      `v="\${3#@twg/cli@}"; printf '{"name":"@twg/cli","version":"%s"}' "$v" > '${packageJson}'`,
  });
  return {
    env,
    server,
    npmLog,
    packageJson,
    host: new URL(server.url("/")).host,
    async [Symbol.asyncDispose]() {
      await server[Symbol.asyncDispose]();
      await env[Symbol.asyncDispose]();
    },
  };
}

async function installedVersion(t: Setup): Promise<string> {
  return JSON.parse(await readFile(t.packageJson, "utf8")).version;
}

Deno.test("npm, no manifest: --check asks the registry and names the npm command, installing nothing", async () => {
  await using t = await npmInstalled();
  await runUpdate(t.env, check);
  assert.equal(
    t.env.stdoutText(),
    `twg 0.1.0 → 0.2.0 available on ${t.host}: run "npm install -g @twg/cli@0.2.0"\n`,
  );
  assert.equal(t.env.stderrText(), "");
  assert.deepEqual(t.server.requested, ["/@twg%2fcli"]);
  assert.match(t.server.accepted[0] ?? "", /^application\/vnd\.npm\.install-v1\+json/);
  assert.deepEqual(await loggedCalls(t.npmLog), [], "--check never installs");
  assert.equal(await installedVersion(t), "0.1.0");
});

Deno.test("npm, no manifest: the same version is up to date, and says which registry said so", async () => {
  await using t = await npmInstalled();
  await runUpdate(t.env, { ...check, currentVersion: "0.2.0" });
  assert.equal(t.env.stdoutText(), `✔ twg 0.2.0 is up to date (@twg/cli@latest on ${t.host})\n`);
  // A build ahead of the registry is up to date too: never an implicit move back.
  await runUpdate(t.env, { ...check, currentVersion: "0.2.1" });
  assert.match(t.env.stdoutText(), /✔ twg 0\.2\.1 is up to date/);
  await runUpdate(t.env, { ...update, currentVersion: "0.2.0" });
  assert.deepEqual(await loggedCalls(t.npmLog), []);
});

Deno.test("npm, no manifest: update runs the npm install that the manifest path runs", async () => {
  await using t = await npmInstalled();
  await runUpdate(t.env, update);
  assert.deepEqual(await loggedCalls(t.npmLog), ["install -g @twg/cli@0.2.0"]);
  assert.equal(await installedVersion(t), "0.2.0");
  assert.equal(
    t.env.stderrText(),
    'Running "npm install -g @twg/cli@0.2.0"…\n✔ Updated twg 0.1.0 → 0.2.0\n',
  );
});

Deno.test("npm, no manifest: --channel beta follows the beta dist-tag; --version must be published", async () => {
  await using t = await npmInstalled();
  await runUpdate(t.env, { ...check, channel: "beta" });
  assert.match(
    t.env.stdoutText(),
    /→ 0\.3\.0-beta\.1 available .*"npm install -g @twg\/cli@0\.3\.0-beta\.1"/,
  );
  await assert.rejects(runUpdate(t.env, { ...update, version: "0.9.9" }), (error: TwgError) => {
    assert.equal(error.exitCode, 1);
    assert.equal(error.message, `No version 0.9.9 of @twg/cli on ${t.host}`);
    return true;
  });
  assert.deepEqual(await loggedCalls(t.npmLog), []);
  t.server.setPackage("@twg/cli", { latest: "0.2.0" });
  await assert.rejects(runUpdate(t.env, { ...update, channel: "beta" }), {
    message: `@twg/cli on ${t.host} has no "beta" dist-tag`,
    hint: 'Follow the stable releases with "twg upgrade --channel stable"',
  });
  assert.deepEqual(await loggedCalls(t.npmLog), []);
});

Deno.test("npm, no manifest, --json: the same fields, newer or up to date, valid against the schema", async () => {
  await using t = await npmInstalled();
  await runUpdate(t.env, { ...check, json: true });
  const newer = JSON.parse(t.env.stdoutText());
  assert.deepEqual(newer, {
    schemaVersion: 1,
    current: "0.1.0",
    latest: "0.2.0",
    updateAvailable: true,
    released: null,
    notes: null,
    channel: "stable",
    packageManager: null,
    installation: "npm",
    source: "npm-registry",
    registry: t.server.url("/"),
    command: "npm install -g @twg/cli@0.2.0",
    checkout: null,
    error: null,
  });
  await using same = await npmInstalled();
  await runUpdate(same.env, { ...check, json: true, currentVersion: "0.2.0" });
  const upToDate = JSON.parse(same.env.stdoutText());
  assert.deepEqual(Object.keys(upToDate), Object.keys(newer));
  assert.equal(upToDate.updateAvailable, false);
  assert.equal(upToDate.command, null);
  for (const document of [newer, upToDate]) {
    assert.deepEqual(validate("update.schema.json", document), []);
  }
});

Deno.test("npm, no manifest, nothing names a registry under TWG_NO_PUBLIC_DEFAULTS: the hint, no request", async () => {
  await using t = await npmInstalled({ npm_config_registry: "" });
  await assert.rejects(runUpdate(t.env, check), (error: TwgError) => {
    assert.match(error.message, /No release manifest is configured/);
    assert.match(
      error.hint ?? "",
      /npm, and no registry may be asked \(TWG_NO_PUBLIC_DEFAULTS=1, npm_config_registry unset\): update it with "npm install -g @twg\/cli@latest"/,
    );
    return true;
  });
  assert.deepEqual(t.server.requested, []);
});

Deno.test("the registry: npm_config_registry (or NPM_CONFIG_REGISTRY), else the public one unless TWG_NO_PUBLIC_DEFAULTS", () => {
  const env = (vars: Record<string, string>) => ({ getVar: (name: string) => vars[name] });
  assert.equal(npmRegistryFor(env({})), publicNpmRegistry);
  assert.equal(publicNpmRegistry, "https://registry.npmjs.org/");
  assert.equal(npmRegistryFor(env({ TWG_NO_PUBLIC_DEFAULTS: "1" })), null);
  assert.equal(
    npmRegistryFor(env({ TWG_NO_PUBLIC_DEFAULTS: "1", npm_config_registry: "https://npm.corp" })),
    "https://npm.corp/",
  );
  assert.equal(
    npmRegistryFor(env({ NPM_CONFIG_REGISTRY: "https://npm.corp/" })),
    "https://npm.corp/",
  );
  assert.equal(
    npmRegistryFor(env({ npm_config_registry: "https://a/", NPM_CONFIG_REGISTRY: "https://b/" })),
    "https://a/",
    "the lower-case variable wins, as in npm",
  );
});

// A registry that is down or hostile: each answer to `twg upgrade` itself
// (so that an install would follow), with the stand-in npm on PATH recording
// that it never ran.
const hostile: [what: string, answer: () => Response, exitCode: number, message: RegExp][] = [
  [
    "a body that is not JSON",
    () => new Response("<html>maintenance</html>", { status: 200 }),
    5,
    /answered with something that is not a package document/,
  ],
  [
    "a dist-tag that is not semver",
    () =>
      Response.json({ name: "@twg/cli", "dist-tags": { latest: "0.2.0 --ignore-scripts=false" } }),
    5,
    /"latest" dist-tag of @twg\/cli on .* is not a semantic version/,
  ],
  [
    "a dist-tag that npm would take as an option",
    () => Response.json({ name: "@twg/cli", "dist-tags": { latest: "--global-style" } }),
    5,
    /is not a semantic version: "--global-style"/,
  ],
  [
    "another package's document",
    () => Response.json({ name: "evil-pkg", "dist-tags": { latest: "9.9.9" } }),
    5,
    /answered for "evil-pkg", not @twg\/cli/,
  ],
  [
    "a body over 4 MiB",
    () => new Response(new Uint8Array(5 * 1024 * 1024).fill(0x20)),
    5,
    /larger than 4 MiB/,
  ],
  [
    "a redirect",
    () => new Response(null, { status: 302, headers: { location: "https://evil.invalid/pkg" } }),
    5,
    /answered with a redirect \(HTTP 302 to https:\/\/evil\.invalid\/pkg\), which twg does not follow/,
  ],
  [
    "a server error",
    () => new Response("oops", { status: 503 }),
    5,
    /answered HTTP 503/,
  ],
  [
    "no such package",
    () => new Response("{}", { status: 404 }),
    1,
    /has no package @twg\/cli/,
  ],
];

for (const [what, answer, exitCode, message] of hostile) {
  Deno.test(`npm, no manifest: a registry answering with ${what} is an error (exit ${exitCode}); nothing installed`, async () => {
    await using t = await npmInstalled();
    t.server.answer("/@twg%2fcli", answer);
    await assert.rejects(runUpdate(t.env, update), (error: TwgError) => {
      assert.equal(error.exitCode, exitCode);
      assert.match(error.message, message);
      return true;
    });
    assert.deepEqual(await loggedCalls(t.npmLog), []);
    assert.equal(await installedVersion(t), "0.1.0");
  });
}

Deno.test("npm, no manifest: a registry that is down is exit 5 with the hint; --json keeps every field", async () => {
  // A port that was just listening and no longer is.
  const closed = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (closed.addr as Deno.NetAddr).port;
  closed.close();
  await using t = await npmInstalled({ npm_config_registry: `http://127.0.0.1:${port}/` });
  await assert.rejects(runUpdate(t.env, update), (error: TwgError) => {
    assert.equal(error.exitCode, 5);
    assert.match(
      error.message,
      new RegExp(`Cannot reach the npm registry at 127\\.0\\.0\\.1:${port}`),
    );
    assert.match(error.hint ?? "", /set npm_config_registry to the registry npm installs from/);
    return true;
  });
  assert.deepEqual(await loggedCalls(t.npmLog), []);
  // Through main: one document with the fields of a success, and the error.
  const code = await runCli(t.env, ["upgrade", "--check", "--json"]);
  assert.equal(code, 5);
  const document = JSON.parse(t.env.stdoutText());
  assert.deepEqual(validate("update.schema.json", document), []);
  assert.equal(document.installation, "npm");
  assert.equal(document.source, "npm-registry");
  assert.equal(document.registry, `http://127.0.0.1:${port}/`);
  assert.equal(document.error.code, "network");
});

// A checkout: a real git repository whose upstream is a bare repository on
// disk, fetched once; commits pushed to the upstream after that fetch are
// not counted, which shows that twg fetched nothing.

async function git(cwd: string, ...args: string[]): Promise<string> {
  const output = await new Deno.Command("git", {
    args: ["-c", "user.name=t", "-c", "user.email=t@example.test", ...args],
    cwd,
    env: { GIT_CONFIG_GLOBAL: "/dev/null", GIT_CONFIG_NOSYSTEM: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(output.stdout);
  if (!output.success) {
    throw new Error(`git ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
  return text;
}

/** A checkout at `<tempDir>/src/twg` cloned from `<tempDir>/origin.git`, `behind` commits behind its last fetch. */
async function checkoutBehind(behind: number): Promise<FakeEnv> {
  const vars: Record<string, string> = {
    PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    GIT_CONFIG_GLOBAL: "/dev/null",
    GIT_CONFIG_NOSYSTEM: "1",
  };
  const env = fakeEnv({ vars, run: realRun(vars) });
  const origin = join(env.tempDir, "origin.git");
  const root = join(env.tempDir, "src", "twg");
  const other = join(env.tempDir, "other");
  await git(env.tempDir, "init", "-q", "--bare", "-b", "main", origin);
  await git(env.tempDir, "clone", "-q", origin, other);
  await git(other, "commit", "-q", "--allow-empty", "-m", "first");
  await git(other, "push", "-q", "origin", "HEAD:main");
  await git(env.tempDir, "clone", "-q", origin, root);
  for (let index = 0; index < behind; index++) {
    await git(other, "commit", "-q", "--allow-empty", "-m", `newer ${index}`);
  }
  await git(other, "push", "-q", "origin", "HEAD:main");
  await git(root, "fetch", "-q");
  // Pushed after the last fetch: only a fetch would see it.
  await git(other, "commit", "-q", "--allow-empty", "-m", "not fetched");
  await git(other, "push", "-q", "origin", "HEAD:main");
  env.mainPath = join(root, "src", "main.ts");
  return env;
}

Deno.test("a checkout, no manifest: --check names the directory and git pull, and how far behind its last fetch it is", async () => {
  await using env = await checkoutBehind(2);
  const root = join(env.tempDir, "src", "twg");
  await runUpdate(env, check);
  assert.equal(
    env.stdoutText(),
    `twg 0.1.0 runs from the git checkout ${root}: update it with "git -C ${root} pull"\n` +
      "As of its last fetch, it is 2 commits behind origin/main (nothing was fetched now).\n",
  );
  assert.deepEqual(env.requests, [], "no request");
  await runUpdate(env, { ...check, json: true });
  const document = JSON.parse(env.stdoutText().slice(env.stdoutText().indexOf("{")));
  assert.deepEqual(validate("update.schema.json", document), []);
  assert.deepEqual(
    { ...document, checkout: null },
    {
      schemaVersion: 1,
      current: "0.1.0",
      latest: null,
      updateAvailable: true,
      released: null,
      notes: null,
      channel: null,
      packageManager: null,
      installation: "checkout",
      source: null,
      registry: null,
      command: `git -C ${root} pull`,
      checkout: null,
      error: null,
    },
  );
  assert.deepEqual(document.checkout, { path: root, upstream: "origin/main", behind: 2 });
  // update itself changes nothing in a checkout: exit 1, the command named.
  await assert.rejects(runUpdate(env, update), (error: TwgError) => {
    assert.equal(error.exitCode, 1);
    assert.equal(error.hint, `Update the checkout with "git -C ${root} pull"`);
    return true;
  });
});

Deno.test("a checkout level with its last fetch says so, and cannot say more without fetching", async () => {
  await using env = await checkoutBehind(0);
  await runUpdate(env, check);
  assert.match(
    env.stdoutText(),
    /\nAs of its last fetch, it has every commit of origin\/main; "git pull" fetches newer ones\.\n$/,
  );
  await runUpdate(env, { ...check, json: true });
  const document = JSON.parse(env.stdoutText().slice(env.stdoutText().indexOf("{")));
  assert.equal(document.updateAvailable, null, "unknown without a fetch");
  assert.equal(document.checkout.behind, 0);
});

Deno.test("a checkout that is no git repository: git pull named, behind unknown", async () => {
  const vars = { PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin" };
  await using env = fakeEnv({ vars, run: realRun(vars) });
  await runUpdate(env, check);
  assert.match(
    env.stdoutText(),
    /runs from the git checkout .*: update it with "git -C .* pull"\n/,
  );
  assert.match(env.stdoutText(), /no upstream branch git knows of, so twg cannot tell/);
  await runUpdate(env, { ...check, json: true });
  const document = JSON.parse(env.stdoutText().slice(env.stdoutText().indexOf("{")));
  assert.deepEqual(validate("update.schema.json", document), []);
  assert.equal(document.checkout.behind, null);
  assert.equal(document.updateAvailable, null);
});
