/**
 * Builds the npm package from the same sources as the Deno CLI:
 *
 * ```sh
 * deno run -A npm-build.ts [version] [--out-dir <dir>]   # or: deno task build:npm
 * ```
 *
 * The output (default `npm/`, emptied first) holds `package.json`, the bin
 * `dist/twg.js` (it turns on Node's compile cache and loads the rest), the
 * fast paths without the command tree in `dist/fast.js`, the whole CLI
 * bundled by esbuild into `dist/cli.js`, the library (`mod.ts`) into
 * `dist/mod.js` with declarations in `types/`, jq-wasm alone in `dist/jq.js`
 * (loaded by `api --jq` only), and README.md and LICENSE when the checkout has
 * them. `version` defaults to `deno.json`'s.
 *
 * The npm packages twg imports are taken from Deno's own cache, at the
 * versions `deno.lock` resolved: the Node build runs the very code the Deno
 * build runs, and bundling needs no network.
 *
 * @module
 */
import * as esbuild from "esbuild";
import { chmod, copyFile, mkdir, mkdtemp, rm, stat, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const projectRoot = dirname(fileURLToPath(import.meta.url));
const cliMain = join(projectRoot, "src", "main.ts");
const libraryEntry = join(projectRoot, "mod.ts");

/** The bin file, relative to the package root: a few lines that load {@link CLI_FILE}. */
const BIN = "dist/twg.js";
/** The bundled CLI, in `dist/`. */
const CLI_FILE = "cli.js";
/** The fast paths bundled without the command tree, in `dist/`: what the bin loads first. */
const FAST_FILE = "fast.js";
/** jq-wasm bundled alone, in `dist/`. */
const JQ_FILE = "jq.js";
/** Only for the library's declarations; pinned so that a build is repeatable. */
const DECLARATION_TOOLS = ["typescript@5.9.3", "@types/node@20.19.43"];

/** Options for {@link buildNpmPackage}. */
interface BuildNpmOptions {
  /** Where the package is written; emptied first. */
  outDir: string;
  /** The package version (default: `deno.json`'s). */
  version?: string;
}

/** What {@link buildNpmPackage} wrote. */
interface NpmBuildResult {
  /** The bin file, relative to the package root. */
  bin: string;
  /** Bytes of every JavaScript file, by path relative to the package root. */
  files: Record<string, number>;
  /** Those of `files` that Node loads to start the CLI. */
  startupFiles: string[];
}

/**
 * The bundled CLI's entry. `src/main.ts` starts itself only when
 * `import.meta.main`, which Node lacks before 24.2 and which the bundle
 * defines false; this entry starts the CLI on every Node instead, and exits
 * only once piped output is flushed.
 */
function cliEntrySource(): string {
  const source = (path: string) => JSON.stringify(join(projectRoot, "src", path));
  return [
    `import { createProcessEnv, exitProcess, processArgs } from ${source("env_deno.ts")};`,
    `import { runCli } from ${source("main.ts")};`,
    "await exitProcess(await runCli(createProcessEnv(), processArgs()));",
    "",
  ].join("\n");
}

/**
 * The fast bundle's entry: the argv `src/main.ts` runs without the command
 * tree (`auth token`, `--version`, `auth status`, `upkeep run`, the refresh
 * child, and help and each Tab from the generated tree) run from this small
 * bundle, which never holds the tree, commander or jose; any other argv
 * loads the whole CLI instead, unless Node's permission model forbids
 * reading it: this bundle then says which flag. One process never runs code from both
 * bundles, so no class (`TwgError`…) is ever seen twice.
 */
function fastEntrySource(): string {
  const source = (path: string) => JSON.stringify(join(projectRoot, "src", path));
  return [
    "import {",
    "  createProcessEnv,",
    "  exitProcess,",
    "  processArgs,",
    "  unreadableOwnDirectory,",
    `} from ${source("env_deno.ts")};`,
    `import { isFastPath, runCli } from ${source("main.ts")};`,
    `import { answersFromSnapshot } from ${source("snapshot_answers.ts")};`,
    "const args = processArgs();",
    // Where Node's permission model forbids reading cli.js, runCli says so.
    "if (isFastPath(args) || answersFromSnapshot(args) || unreadableOwnDirectory()) {",
    "  await exitProcess(await runCli(createProcessEnv(), args));",
    "} else {",
    `  await import("./${CLI_FILE}");`,
    "}",
    "",
  ].join("\n");
}

/**
 * In the fast bundle, the module only the tree's commands reach (`src/cli.ts`)
 * is a stub that throws: the argv the fast entry runs never import it.
 */
const treeLeftOut: esbuild.Plugin = {
  name: "twg-tree-left-out",
  setup(build) {
    const leftOut = [join(projectRoot, "src", "cli.ts")];
    build.onResolve(
      { filter: /\.ts$/ },
      (args) =>
        leftOut.includes(resolve(args.resolveDir, args.path))
          ? { path: args.path, namespace: "twg-left-out" }
          : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: "twg-left-out" }, (args) => ({
      contents: `throw new Error(${JSON.stringify(`${args.path} is not in the fast bundle`)});`,
      loader: "js",
    }));
    build.onResolve({ filter: new RegExp(`^\\./${CLI_FILE.replace(".", "\\.")}$`) }, (args) => ({
      path: args.path,
      external: true,
    }));
  },
};

/**
 * The bin's entry, bundled alone: it turns on Node's module compile cache
 * before the CLI is loaded, so that every later start reads V8's code cache
 * instead of compiling the bundle again, then loads the fast bundle, which
 * loads the whole CLI when the argv needs the tree.
 * `module.enableCompileCache` exists from Node 22.8 (nodejs/node#54501):
 * on Node 20 the cache stays off and nothing else runs. The directory is
 * twg's own, never Node's default under the temp directory, which a sandbox
 * may write (`src/install/node_compile_cache.ts`); `process.getBuiltinModule`
 * (Node 22.3+ and 20.16+: nodejs/node#52762; https://nodejs.org/api/process.html,
 * "process.getBuiltinModule") takes `fs` and `os` without an ES module
 * import of each.
 * `NODE_COMPILE_CACHE` and `NODE_DISABLE_COMPILE_CACHE` still decide first.
 */
function binEntrySource(): string {
  const source = (path: string) => JSON.stringify(join(projectRoot, "src", path));
  return [
    'import module from "node:module";',
    `import { compileCacheDir } from ${source("install/node_compile_cache.ts")};`,
    "if (module.enableCompileCache) {",
    '  const fs = process.getBuiltinModule("node:fs");',
    "  const platform = process.platform;",
    "  const dir = compileCacheDir({",
    '    os: platform === "win32" ? "windows" : platform === "darwin" ? "darwin" : "linux",',
    '    homeDir: process.getBuiltinModule("node:os").homedir(),',
    "    getVar: (name) => process.env[name],",
    "    userId: process.getuid?.(),",
    "    makeDirectory: (path, mode) => fs.mkdirSync(path, { recursive: true, mode }),",
    "    inspect: (path) => {",
    "      const info = fs.lstatSync(path);",
    "      return { isDirectory: info.isDirectory(), uid: info.uid, mode: info.mode };",
    "    },",
    "  });",
    "  if (dir) module.enableCompileCache(dir);",
    "}",
    `await import("./${FAST_FILE}");`,
    "",
  ].join("\n");
}

/**
 * The entry of the jq bundle: the package's exports as `default`, where
 * `src/api/jq.ts` looks for them under Node (jq-wasm is CommonJS marked
 * `__esModule`, so esbuild gives it no default of its own).
 */
const JQ_ENTRY_SOURCE = 'import * as jq from "jq-wasm";\nexport default jq;\n';

/**
 * `import("jq-wasm")` in the CLI bundle loads {@link JQ_FILE}, jq-wasm
 * bundled alone, instead of inlining its 1.3 MB into the CLI.
 */
const jqAlone: esbuild.Plugin = {
  name: "twg-jq-alone",
  setup(build) {
    build.onResolve({ filter: /^jq-wasm$/ }, () => ({ path: `./${JQ_FILE}`, external: true }));
  },
};

/**
 * The runtime swap, as dnt does with its shims: every import of `src/env_deno.ts`
 * (Deno's APIs) resolves to its Node twin, `src/env_node.ts`, which has the
 * same exports. Nothing else in the sources differs between the builds.
 */
const nodeEnvironment: esbuild.Plugin = {
  name: "twg-node-environment",
  setup(build) {
    const denoEnv = join(projectRoot, "src", "env_deno.ts");
    build.onResolve(
      { filter: /(^|[\\/])env_deno\.ts$/ },
      (args) =>
        resolve(args.resolveDir, args.path) === denoEnv
          ? { path: join(projectRoot, "src", "env_node.ts") }
          : undefined,
    );
  },
};

async function exists(path: string): Promise<boolean> {
  return await stat(path).then(() => true, () => false);
}

async function run(command: string, args: string[]): Promise<string> {
  const output = await new Deno.Command(command, { args, cwd: projectRoot, stderr: "inherit" })
    .output();
  if (!output.success) {
    throw new Error(`"${command} ${args.join(" ")}" failed: exit ${output.code}`);
  }
  return new TextDecoder().decode(output.stdout);
}

/** The part of `deno info --json` that names the npm packages of a module graph. */
interface DenoInfo {
  modules: { npmPackage?: string }[];
  npmPackages: Record<string, { name: string; dependencies: string[]; localPath: string }>;
}

/**
 * A `node_modules` directory of links into Deno's npm cache, for every npm
 * package the `entries` need, directly or not. esbuild and tsc then resolve
 * them by Node's own rules (`exports`, conditions), as from an install.
 */
async function linkNpmPackages(entries: string[], into: string): Promise<string> {
  const linked = new Map<string, string>();
  for (const entry of entries) {
    const info: DenoInfo = JSON.parse(await run(Deno.execPath(), ["info", "--json", entry]));
    const wanted = info.modules.flatMap((module) => module.npmPackage ? [module.npmPackage] : []);
    for (let id = wanted.pop(); id !== undefined; id = wanted.pop()) {
      const npmPackage = info.npmPackages[id];
      if (!npmPackage) throw new Error(`Deno reported no npm package "${id}"`);
      const seen = linked.get(npmPackage.name);
      if (seen === npmPackage.localPath) continue;
      // A flat directory holds one version of each name; the graph has no
      // clash today, and picking one silently would bundle code Deno never runs.
      if (seen) {
        throw new Error(
          `Two versions of "${npmPackage.name}" are needed: ${seen}, ${npmPackage.localPath}`,
        );
      }
      linked.set(npmPackage.name, npmPackage.localPath);
      wanted.push(...npmPackage.dependencies);
    }
  }
  const nodeModules = join(into, "node_modules");
  for (const [name, localPath] of linked) {
    await mkdir(dirname(join(nodeModules, name)), { recursive: true });
    await symlink(localPath, join(nodeModules, name), "dir");
  }
  return nodeModules;
}

/** The outputs Node loads to start `entry`: it and its static imports, transitively. */
function startupOutputs(metafile: esbuild.Metafile, entry: string): string[] {
  const pending = [entry];
  const loaded = new Set<string>();
  for (let path = pending.pop(); path !== undefined; path = pending.pop()) {
    if (loaded.has(path)) continue;
    loaded.add(path);
    const output = metafile.outputs[path];
    if (!output) throw new Error(`esbuild reported no output "${path}"`);
    for (const imported of output.imports) {
      if (imported.kind === "import-statement" && !imported.external) pending.push(imported.path);
    }
  }
  return [...loaded];
}

/**
 * Declarations for the library entry, by tsc: `deno bundle --declaration`
 * (Deno 2.9) fails on Deno's own Node type definitions. `deno types` supplies
 * the `Deno` namespace that `src/env.ts` refers to.
 */
async function emitDeclarations(workDir: string, nodeModules: string, typesDir: string) {
  const tools = join(workDir, "tools");
  const npmFlags = ["--no-save", "--no-audit", "--no-fund", "--loglevel=error"];
  await run("npm", ["install", "--prefix", tools, ...npmFlags, ...DECLARATION_TOOLS]);
  const denoTypes = join(workDir, "deno.d.ts");
  await writeFile(denoTypes, await run(Deno.execPath(), ["types"]));
  const tsconfig = {
    compilerOptions: {
      declaration: true,
      emitDeclarationOnly: true,
      allowImportingTsExtensions: true,
      rootDir: projectRoot,
      outDir: typesDir,
      module: "esnext",
      moduleResolution: "bundler",
      target: "es2022",
      lib: ["es2023"],
      strict: true,
      skipLibCheck: true,
      typeRoots: [join(tools, "node_modules", "@types")],
      types: ["node"],
      paths: { "*": [join(nodeModules, "*")] },
    },
    files: [libraryEntry, denoTypes],
  };
  const tsconfigPath = join(workDir, "tsconfig.json");
  await writeFile(tsconfigPath, JSON.stringify(tsconfig));
  await run(join(tools, "node_modules", ".bin", "tsc"), ["-p", tsconfigPath]);
}

/** Builds the npm package into `options.outDir`. */
async function buildNpmPackage(options: BuildNpmOptions): Promise<NpmBuildResult> {
  const denoJson = JSON.parse(await Deno.readTextFile(join(projectRoot, "deno.json")));
  const outDir = resolve(options.outDir);
  if (!relative(outDir, projectRoot).startsWith("..")) {
    throw new Error(`Refusing to empty "${outDir}": the project is inside it`);
  }
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });

  const workDir = await mkdtemp(join(tmpdir(), "twg-npm-build-"));
  try {
    const nodeModules = await linkNpmPackages([cliMain, libraryEntry], workDir);
    const cliEntry = join(workDir, "twg.ts");
    await writeFile(cliEntry, cliEntrySource());
    await writeFile(join(workDir, "jq.ts"), JQ_ENTRY_SOURCE);
    const fastEntry = join(workDir, "fast.ts");
    await writeFile(fastEntry, fastEntrySource());
    const common: esbuild.BuildOptions = {
      absWorkingDir: projectRoot,
      outdir: join(outDir, dirname(BIN)),
      // Dependencies are bundled, not declared: one download, no install-time
      // resolution that could pick versions Deno never ran, and a start-up
      // that reads a few files instead of walking node_modules.
      bundle: true,
      nodePaths: [nodeModules],
      format: "esm",
      platform: "node",
      target: "node20",
      define: { "import.meta.main": "false" },
      // commander is CommonJS and require()s Node's built-ins; an ES module
      // has no `require` of its own. jq-wasm's Emscripten loader reads
      // `__dirname` under Node (to find files; its WebAssembly is inlined),
      // which an ES module lacks too.
      banner: {
        js: 'import { createRequire as __createRequire } from "node:module"; ' +
          'import { dirname as __pathDirname } from "node:path"; ' +
          'import { fileURLToPath as __fileURLToPath } from "node:url"; ' +
          "const require = __createRequire(import.meta.url); " +
          "const __dirname = __pathDirname(__fileURLToPath(import.meta.url));",
      },
      plugins: [nodeEnvironment],
      // Less for Node to read and compile on each start (Node 20 has no
      // compile cache): whitespace and syntax only, so that names stay
      // readable in a stack trace (TWG_DEBUG=1) and a bug report.
      minifyWhitespace: true,
      minifySyntax: true,
      metafile: true,
      logLevel: "warning",
    };
    // Three builds. The CLI is one file, not split: esbuild's splitting puts
    // every module shared by two dynamic imports in a chunk of its own, and the
    // lazy command table made that 24 files for a fresh `auth token`, each one
    // more read, compile and link (measured in bench/). In one file a dynamic
    // import() only delays evaluation; the parse of code that never runs is
    // lazy in V8, and cached with Node's compile cache (see cliEntrySource).
    // jq-wasm (1.3 MB, its WebAssembly inlined) is the exception: a leaf
    // package with no twg class crossing the boundary, bundled alone and
    // loaded by `--jq` only.
    const jq = await esbuild.build({
      ...common,
      entryPoints: [{ in: join(workDir, "jq.ts"), out: JQ_FILE.replace(/\.js$/, "") }],
      outdir: join(outDir, "dist"),
      plugins: [],
    });
    const cli = await esbuild.build({
      ...common,
      entryPoints: [{ in: cliEntry, out: CLI_FILE.replace(/\.js$/, "") }],
      outdir: join(outDir, "dist"),
      plugins: [nodeEnvironment, jqAlone],
    });
    const fast = await esbuild.build({
      ...common,
      entryPoints: [{ in: fastEntry, out: FAST_FILE.replace(/\.js$/, "") }],
      outdir: join(outDir, "dist"),
      plugins: [nodeEnvironment, treeLeftOut, jqAlone],
    });
    const library = await esbuild.build({
      ...common,
      entryPoints: [{ in: libraryEntry, out: "mod" }],
      plugins: [nodeEnvironment, jqAlone],
    });
    await esbuild.build({
      stdin: {
        contents: binEntrySource(),
        resolveDir: projectRoot,
        sourcefile: "bin.ts",
        loader: "ts",
      },
      outfile: join(outDir, BIN),
      bundle: true,
      format: "esm",
      platform: "node",
      target: "node20",
      banner: { js: "#!/usr/bin/env node" },
      // Loaded once the cache is on: a file of its own.
      external: [`./${FAST_FILE}`],
      logLevel: "warning",
    });
    const metafile = {
      inputs: {
        ...jq.metafile!.inputs,
        ...cli.metafile!.inputs,
        ...fast.metafile!.inputs,
        ...library.metafile!.inputs,
      },
      outputs: {
        ...jq.metafile!.outputs,
        ...cli.metafile!.outputs,
        ...fast.metafile!.outputs,
        ...library.metafile!.outputs,
      },
    };
    const fastOutput = relative(projectRoot, join(outDir, "dist", FAST_FILE));
    const cliOutput = relative(projectRoot, join(outDir, "dist", CLI_FILE));
    const startup = startupOutputs(metafile, fastOutput);
    // A fast path reads the bin and the fast bundle, nothing more.
    if (startup.length !== 1) throw new Error(`Starting ${BIN} loads ${startup.join(", ")}`);
    const eager = Object.keys(metafile.outputs[fastOutput]!.inputs)
      .find((input) => /\/(commander|jose|jq-wasm)\/|src\/cli\.ts$/.test(input));
    if (eager) throw new Error(`The fast bundle holds ${eager}; only the whole CLI may`);
    const inlinedJq = Object.keys(metafile.outputs[cliOutput]!.inputs)
      .find((input) => /\/jq-wasm\//.test(input));
    if (inlinedJq) throw new Error(`The CLI bundle holds ${inlinedJq}; it belongs in ${JQ_FILE}`);
    await chmod(join(outDir, BIN), 0o755);
    await emitDeclarations(workDir, nodeModules, join(outDir, "types"));

    const packageJson = {
      name: denoJson.name,
      version: options.version ?? denoJson.version,
      type: "module",
      bin: { twg: BIN },
      exports: { ".": { types: "./types/mod.d.ts", default: "./dist/mod.js" } },
      engines: { node: ">=20" },
      // The keyring backend's native addon, never bundled: env_node.ts
      // require()s it at run time; without it the file backend still works.
      optionalDependencies: {
        "@napi-rs/keyring": String(denoJson.imports["@napi-rs/keyring"]).replace(
          /^npm:@napi-rs\/keyring@/,
          "",
        ),
      },
    };
    await writeFile(join(outDir, "package.json"), JSON.stringify(packageJson, null, 2) + "\n");
    for (const name of ["README.md", "LICENSE"]) {
      const source = join(projectRoot, name);
      if (await exists(source)) await copyFile(source, join(outDir, name));
    }
    const packagePath = (output: string) => relative(outDir, resolve(projectRoot, output));
    const files = Object.fromEntries([
      [BIN, (await stat(join(outDir, BIN))).size],
      ...Object.entries(metafile.outputs).map((
        [output, { bytes }],
      ) => [packagePath(output), bytes]),
    ]);
    return { bin: BIN, files, startupFiles: [BIN, ...startup.map(packagePath)] };
  } finally {
    await esbuild.stop();
    await rm(workDir, { recursive: true, force: true });
  }
}

if (import.meta.main) {
  const { values, positionals } = parseArgs({
    args: Deno.args,
    options: { "out-dir": { type: "string", default: join(projectRoot, "npm") } },
    allowPositionals: true,
  });
  const outDir = values["out-dir"];
  const version = positionals[0];
  const built = await buildNpmPackage({ outDir, ...(version ? { version } : {}) });
  const kib = (paths: string[]) =>
    `${(paths.reduce((sum, path) => sum + built.files[path]!, 0) / 1024).toFixed(1)} KiB`;
  const lines = [
    `Built ${outDir}`,
    `  JavaScript loaded to start ${built.bin}: ${kib(built.startupFiles)}`,
    `  all JavaScript: ${kib(Object.keys(built.files))}`,
    ...Object.keys(built.files).map((path) => `    ${path.padEnd(40)} ${kib([path])}`),
  ];
  // deno-lint-ignore no-console -- reporting what was built is this script's output
  console.error(lines.join("\n"));
}
