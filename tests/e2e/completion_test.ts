/**
 * `twg completion <shell>`: the scripts loaded in the real shells, completing
 * through the real `twg` on PATH (a wrapper around the build under test).
 * A shell that is missing skips its test with the reason, and fails in CI.
 */
import assert from "node:assert/strict";
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, type Home, login, makeHome, shellQuote, twg, twgArgv } from "./_twg.ts";
import { testRequiring } from "../_requires.ts";

async function hasProgram(name: string): Promise<boolean> {
  try {
    return (await new Deno.Command(name, { args: ["--version"], stdout: "null", stderr: "null" })
      .output()).success;
  } catch {
    return false;
  }
}

/** A test that needs `shell`: skipped with the reason when it is missing, failing in CI. */
async function shellTest(shell: string, name: string, fn: () => Promise<void>): Promise<void> {
  if (await hasProgram(shell)) return Deno.test(name, fn);
  if (Deno.env.get("CI") === "true") {
    return Deno.test(name, () => {
      throw new Error(`${shell} is required in CI (apt-get install -y ${shell})`);
    });
  }
  Deno.test({ ignore: true, name: `${name} (skipped: ${shell} is not installed)`, fn });
}

/** A home whose PATH starts with a `twg` that runs the build under test. */
async function homeWithTwg(server?: Awaited<ReturnType<typeof startDevServer>>): Promise<Home> {
  const home = await makeHome(server);
  const bin = join(home.path, "bin");
  await mkdir(bin);
  await writeFile(join(bin, "twg"), `#!/bin/sh\nexec ${shellQuote(twgArgv())} "$@"\n`);
  await chmod(join(bin, "twg"), 0o755);
  home.env.PATH = `${bin}:${home.env.PATH}`;
  return home;
}

async function runShell(home: Home, shell: string, args: string[]) {
  const output = await new Deno.Command(shell, {
    args,
    env: home.env,
    clearEnv: true,
    cwd: home.path,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  return {
    code: output.code,
    stdout: decoder.decode(output.stdout),
    stderr: decoder.decode(output.stderr),
  };
}

/** What bash offers for `line` (the words of a command line, the last one being completed). */
function bashCompletion(words: string[]): string {
  const array = words.map((word) => shellQuote([word])).join(" ");
  return `COMP_WORDS=(${array}); COMP_CWORD=${words.length - 1}; COMPREPLY=()
"$fn"; printf '%s\\n' "\${COMPREPLY[@]}" | sort; echo ---`;
}

await shellTest(
  "bash",
  "the bash script completes commands, subcommands and --os values in a real bash",
  async () => {
    await using home = await homeWithTwg();
    const script = await twg(home, ["completion", "bash"]);
    expectExit(script, 0);
    await writeFile(join(home.path, "twg.bash"), script.stdout);
    const result = await runShell(home, "bash", [
      "--norc",
      "-c",
      [
        "source ./twg.bash",
        // The function name comes from the registration, not from the test.
        `spec=$(complete -p twg); fn=\${spec##*-F }; fn=\${fn%% *}`,
        bashCompletion(["twg", "au"]),
        bashCompletion(["twg", "auth", ""]),
        bashCompletion(["twg", "upkeep", "enable", "--os", ""]),
        bashCompletion(["twg", "upkeep", "enable", "--os", "li"]),
        bashCompletion(["twg", "upkeep", ""]),
        bashCompletion(["twg", "api", "--pag"]),
      ].join("\n"),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const answers = result.stdout.split("---\n").map((block) => block.trim().split("\n"));
    assert.deepEqual(answers[0], ["auth"]);
    assert.deepEqual(answers[1], [
      "backend",
      "help",
      "refresh",
      "serve",
      "status",
      "switch",
      "token",
    ]);
    assert.deepEqual(answers[2], ["linux", "macos", "windows"]);
    assert.deepEqual(answers[3], ["linux"]);
    assert.deepEqual(answers[4], ["disable", "enable", "help", "run", "status"]);
    assert.deepEqual(answers[5], ["--paginate"]);
  },
);

await shellTest("zsh", "the zsh script loads in a real zsh with compinit", async () => {
  await using home = await homeWithTwg();
  const script = await twg(home, ["completion", "zsh"]);
  expectExit(script, 0);
  assert.match(script.stdout, /^#compdef twg\n/);
  await writeFile(join(home.path, "_twg"), script.stdout);
  const result = await runShell(home, "zsh", [
    "-f",
    "-c",
    "autoload -Uz compinit && compinit -u -d ./.zcompdump && source ./_twg && " +
    'print -r -- "${_comps[twg]}"',
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  assert.equal(result.stdout.trim(), "_twg", "compdef registered the function for twg");
});

await shellTest("fish", "the fish script loads in a real fish and completes", async () => {
  await using home = await homeWithTwg();
  const script = await twg(home, ["completion", "fish"]);
  expectExit(script, 0);
  await writeFile(join(home.path, "twg.fish"), script.stdout);
  const result = await runShell(home, "fish", [
    "--no-config",
    "-c",
    "source ./twg.fish; and complete -C 'twg upkeep enable --os '; and echo ---; " +
    "and complete -C 'twg au'",
  ]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stderr, "");
  const [os, auth] = result.stdout.split("---\n");
  assert.deepEqual(
    os!.trim().split("\n").map((line) => line.split("\t")[0]).sort(),
    ["linux", "macos", "windows"],
  );
  assert.match(auth!, /^auth\tInspect and use the stored sign-in/);
});

Deno.test("the PowerShell script registers a native completer that calls twg __complete", async () => {
  await using home = await makeHome();
  const script = await twg(home, ["completion", "powershell"]);
  expectExit(script, 0);
  assert.match(script.stdout, /Register-ArgumentCompleter -Native -CommandName 'twg'/);
  assert.match(script.stdout, /@\('__complete', \$before\.Count\) \+ \$before/);
  assert.match(script.stdout, /CompletionResult\]::new\(\$value, \$value, 'ParameterValue'/);
  assert.match(script.stdout, /-split "`t", 2/, "value and description are split at the tab");
});

Deno.test("completion refuses an unknown shell with a usage error", async () => {
  await using home = await makeHome();
  const result = await twg(home, ["completion", "tcsh"]);
  expectExit(result, 2);
  assert.match(result.stderr, /bash, zsh, fish, powershell/);
});

Deno.test("--site completes the site ids of the stored sign-in", async () => {
  await using server = await startDevServer({ interval: 1, sites: 1 });
  await using home = await makeHome(server);
  expectExit(await login(home, server), 0);
  const result = await twg(home, ["__complete", "2", "login", "--site", ""]);
  expectExit(result, 0);
  assert.equal(result.stdout, "site-1\tExample One\n");
  const none = await twg(home, ["__complete", "2", "login", "--site", "zz"]);
  assert.equal(none.stdout, "");
});

Deno.test("a typed --profile is a word of the Tab: commands after it complete, --site offers that profile's sites", async () => {
  await using server = await startDevServer({ interval: 1, sites: 2 });
  await using home = await makeHome(server);
  expectExit(await login(home, server, ["--profile", "work", "--site", "site-2"]), 0);
  // Before, main took the flag out of the words and the count no longer matched: nothing.
  const commands = await twg(home, ["__complete", "3", "--profile", "work", "auth", "st"]);
  assert.match(commands.stdout, /^status\t/);
  const sites = await twg(home, [
    "__complete",
    "5",
    "--profile",
    "work",
    "auth",
    "token",
    "--site",
  ]);
  assert.deepEqual(sites.stdout.split("\n").filter(Boolean).map((line) => line.split("\t")[0]), [
    "site-2",
    "site-1",
  ]);
  // The default profile has no sign-in: no sites to offer.
  const none = await twg(home, ["__complete", "3", "auth", "token", "--site"]);
  assert.equal(none.stdout, "");
  const profiles = await twg(home, ["__complete", "1", "--profile"]);
  assert.equal(profiles.stdout, "default\tprofile\nwork\tprofile\n");
  const flags = await twg(home, ["__complete", "2", "auth", "token", "--pro"]);
  assert.match(flags.stdout, /^--profile\t/);
});

// Issue 25, item 11: fixed sets never offer file names, paths only where a path goes.

/** A home with two files in its working directory, so that offered file names would show. */
async function homeWithFiles(): Promise<Home> {
  const home = await homeWithTwg();
  await writeFile(join(home.path, "body.json"), "{}");
  await writeFile(join(home.path, "notes.txt"), "");
  return home;
}

await shellTest(
  "bash",
  "bash: enum arguments and --opt= values without file names; paths after --input",
  async () => {
    await using home = await homeWithFiles();
    const script = await twg(home, ["completion", "bash"]);
    await writeFile(join(home.path, "twg.bash"), script.stdout);
    const result = await runShell(home, "bash", [
      "--norc",
      "-c",
      [
        "source ./twg.bash",
        `spec=$(complete -p twg); fn=\${spec##*-F }; fn=\${fn%% *}`,
        bashCompletion(["twg", "auth", "backend", ""]),
        bashCompletion(["twg", "login", "--backend", ""]),
        bashCompletion(["twg", "help", ""]),
        bashCompletion(["twg", "help", "auth", "s"]),
        bashCompletion(["twg", "upkeep", "enable", "--os", "=", ""]),
        bashCompletion(["twg", "api", "--input", ""]),
        bashCompletion(["twg", "api", "--input", "=", "no"]),
        bashCompletion(["twg", "config", "get", "cl"]),
      ].join("\n"),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const answers = result.stdout.split("---\n").map((block) => block.trim().split("\n"));
    assert.deepEqual(answers[0], ["file", "keyring"]);
    assert.deepEqual(answers[1], ["file", "keyring"]);
    assert.ok(
      answers[2]!.includes("environment") && answers[2]!.includes("auth"),
      answers[2]!.join(),
    );
    assert.ok(!answers[2]!.includes("body.json"));
    assert.deepEqual(answers[3], ["serve", "status", "switch"]);
    assert.deepEqual(answers[4], ["linux", "macos", "windows"]);
    assert.ok(answers[5]!.includes("body.json") && answers[5]!.includes("notes.txt"));
    assert.deepEqual(answers[6], ["notes.txt"]);
    assert.deepEqual(answers[7], ["client-id"]);
  },
);

await shellTest(
  "zsh",
  "zsh: the real script offers the enum values alone, and _files only where a path goes",
  async () => {
    await using home = await homeWithFiles();
    const script = await twg(home, ["completion", "zsh"]);
    await writeFile(join(home.path, "_twg"), script.stdout);
    // zsh's completion system is replaced by stubs that print what they were given.
    const drive = (line: string[]) =>
      `words=(${line.map((word) => shellQuote([word])).join(" ")}); CURRENT=${line.length}; ` +
      `_twg; print -- ---`;
    const result = await runShell(home, "zsh", [
      "-f",
      "-c",
      [
        "compdef() { :; }",
        '_describe() { print -rl -- "${(@P)${@[-1]}}" }',
        "_files() { print -- FILES }",
        "source ./_twg",
        drive(["twg", "auth", "backend", ""]),
        drive(["twg", "login", "--backend", ""]),
        drive(["twg", "api", "--input", ""]),
        drive(["twg", "upkeep", "enable", "--os=w"]),
      ].join("\n"),
    ]);
    assert.equal(result.code, 0, result.stderr);
    const answers = result.stdout.split("---\n").map((block) =>
      block.trim().split("\n").map((line) => line.split(":")[0])
    );
    assert.deepEqual(answers[0], ["file", "keyring"]);
    assert.deepEqual(answers[1], ["file", "keyring"]);
    assert.deepEqual(answers[2], ["FILES"]);
    assert.deepEqual(answers[3], ["--os=windows"]);
  },
);

await shellTest("fish", "fish: enum values alone; paths after --input and --input=", async () => {
  await using home = await homeWithFiles();
  const script = await twg(home, ["completion", "fish"]);
  await writeFile(join(home.path, "twg.fish"), script.stdout);
  const result = await runShell(home, "fish", [
    "--no-config",
    "-c",
    [
      "source ./twg.fish",
      "complete -C 'twg auth backend '; echo ---",
      "complete -C 'twg login --backend '; echo ---",
      "complete -C 'twg api --input '; echo ---",
      "complete -C 'twg api --input=no'; echo ---",
      "complete -C 'twg help au'",
    ].join("; "),
  ]);
  assert.equal(result.code, 0, result.stderr);
  const answers = result.stdout.split("---\n").map((block) =>
    block.trim().split("\n").map((line) => line.split("\t")[0]).sort()
  );
  assert.deepEqual(answers[0], ["file", "keyring"]);
  assert.deepEqual(answers[1], ["file", "keyring"]);
  assert.ok(
    answers[2]!.includes("body.json") && answers[2]!.includes("notes.txt"),
    answers[2]!.join(),
  );
  assert.deepEqual(answers[3], ["--input=notes.txt"]);
  assert.deepEqual(answers[4], ["auth"]);
});

// Issue 25, item 4: the zsh script in a live zsh, its completion system
// loaded by compinit from a throwaway ZDOTDIR, Tab pressed through tmux, and
// what the screen then offers read back (the stub test above replaces
// `_describe` and `_files`; this one uses zsh's own).

/** A zsh on a tmux pane (its own server socket, its own environment), ready at its prompt. */
interface LiveZsh extends AsyncDisposable {
  /** Types `line`, presses Tab, and returns the screen once `offered` shows on it. */
  tab(line: string, offered: RegExp): Promise<string>;
}

const PROMPT = "twg-test% ";

async function tmux(socket: string, args: string[], env?: Record<string, string>) {
  const output = await new Deno.Command("tmux", {
    args: ["-S", socket, ...args],
    ...(env ? { env, clearEnv: true } : {}),
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decoder = new TextDecoder();
  if (!output.success) {
    throw new Error(`tmux ${args.join(" ")}: ${decoder.decode(output.stderr)}`);
  }
  return decoder.decode(output.stdout);
}

async function startLiveZsh(home: Home): Promise<LiveZsh> {
  const functions = join(home.path, "zsh-functions");
  const zdotdir = join(home.path, "zdotdir");
  await mkdir(functions);
  await mkdir(zdotdir);
  const script = await twg(home, ["completion", "zsh"]);
  expectExit(script, 0);
  await writeFile(join(functions, "_twg"), script.stdout);
  // compinit finds _twg by its #compdef line, as for an installed script.
  await writeFile(
    join(zdotdir, ".zshrc"),
    `fpath=(${shellQuote([functions])} $fpath)\n` +
      `autoload -Uz compinit && compinit -u -d ${shellQuote([join(zdotdir, ".zcompdump")])}\n` +
      `PROMPT=${shellQuote([PROMPT.replace("%", "%%")])}\n`,
  );
  const socket = join(home.path, "tmux.sock");
  await tmux(socket, [
    "-f",
    "/dev/null",
    "new-session",
    "-d",
    "-x",
    "120",
    "-y",
    "30",
    "-c",
    home.path,
    "zsh",
    "-i",
  ], { ...home.env, ZDOTDIR: zdotdir, TERM: "xterm-256color" });
  // The server's pid, to end it even if kill-server cannot reach it.
  const serverPid = Number((await tmux(socket, ["display-message", "-p", "#{pid}"])).trim());
  const screen = () => tmux(socket, ["capture-pane", "-p"]);
  // A Tab runs twg, which on a loaded CI runner (two cores, the suite in
  // parallel) has been seen to take longer than 20 s to draw its answer.
  const waitForScreen = async (pattern: RegExp, what: string, ms = 90_000) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const shown = await screen();
      if (pattern.test(shown)) return shown;
      if (Date.now() > deadline) {
        // The screen without its blank tail, so that a log's last lines show it.
        throw new Error(
          `${what} never showed; the screen was:\n${shown.trimEnd()}\n(end of screen)`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  };
  // capture-pane drops trailing blanks: the prompt alone ends in "%".
  const emptyPrompt = new RegExp(`^${PROMPT.trimEnd()}\\s*$`);
  const lastLineEmptyPrompt = new RegExp(`(^|\\n)${PROMPT.trimEnd()}\\s*$`);
  await waitForScreen(emptyPrompt, "the prompt");
  return {
    async tab(line, offered) {
      await tmux(socket, ["send-keys", "-l", line]);
      // The Tab goes once the typed line shows: a failure then says which of
      // the two never arrived.
      const typed = (PROMPT + line).trimEnd().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
      await waitForScreen(new RegExp(`^${typed}`, "m"), `the typed line "${line}"`);
      await tmux(socket, ["send-keys", "Tab"]);
      const shown = await waitForScreen(offered, `${offered} after "${line}<Tab>"`);
      // The line abandoned: zsh draws a new, empty prompt below it.
      await tmux(socket, ["send-keys", "C-c"]);
      await waitForScreen(lastLineEmptyPrompt, "a new prompt after Ctrl-C");
      // Then the screen cleared for the next line. A Ctrl-L typed while zsh
      // still handled the Ctrl-C has been seen lost on a loaded runner: sent
      // again until the screen is the prompt alone.
      for (let attempt = 1;; attempt++) {
        await tmux(socket, ["send-keys", "C-l"]);
        const cleared = await waitForScreen(emptyPrompt, "the prompt alone", 5_000)
          .then(() => true, (error) => attempt < 18 ? false : Promise.reject(error));
        if (cleared) return shown;
      }
    },
    async [Symbol.asyncDispose]() {
      const isEnded = await tmux(socket, ["kill-server"]).then(() => true, () => false);
      if (isEnded) return;
      try {
        Deno.kill(serverPid, "SIGKILL");
      } catch {
        // Already gone.
      }
    },
  };
}

testRequiring(
  ["zsh", "tmux"],
  "zsh, live: Tab offers an enum argument's values, an --opt= form's, and files where a path goes",
  async () => {
    await using home = await homeWithFiles();
    await using zsh = await startLiveZsh(home);

    // An enum argument: its values with their descriptions, and no file name.
    const backend = await zsh.tab("twg auth backend ", /^keyring +-- /m);
    assert.match(backend, /^file +-- the refresh token in auth\.conf/m);
    assert.doesNotMatch(backend, /body\.json|notes\.txt/);

    // The --opt= form: the values with the option in front, then one completed.
    const os = await zsh.tab("twg upkeep enable --os=", /--os=windows/);
    assert.match(os, /--os=linux/);
    assert.match(os, /--os=macos/);
    assert.doesNotMatch(os, /body\.json|notes\.txt/);
    const completed = await zsh.tab("twg upkeep enable --os=w", /--os=windows\s*$/m);
    assert.match(completed, new RegExp(`^${PROMPT}twg upkeep enable --os=windows\\s*$`, "m"));

    // A path argument: zsh's own _files, the working directory's files.
    const input = await zsh.tab("twg api --input ", /body\.json/);
    assert.match(input, /notes\.txt/);
    const unique = await zsh.tab("twg api --input no", /--input notes\.txt/);
    assert.match(unique, new RegExp(`^${PROMPT}twg api --input notes\\.txt\\s*$`, "m"));
  },
);

testRequiring(
  ["zsh", "tmux"],
  "zsh, live: Tab after --input= offers files with the option kept",
  async () => {
    // bash and fish complete a path after --input=; zsh's _files takes the
    // whole word "--input=no" for the start of a file name and finds none.
    // `compset -P` moves the "--input=" prefix out of the way first
    // (zshcompwid(1), "compset -P [ number ] pattern").
    await using home = await homeWithFiles();
    await using zsh = await startLiveZsh(home);
    const listed = await zsh.tab("twg api --input=", /body\.json/);
    assert.match(listed, /notes\.txt/);
    const unique = await zsh.tab("twg api --input=no", /--input=notes\.txt/);
    assert.match(unique, new RegExp(`^${PROMPT}twg api --input=notes\\.txt\\s*$`, "m"));
  },
);
