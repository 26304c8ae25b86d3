// deno-lint-ignore-file no-console -- printing the table is this script's job
/**
 * The keyring backend's start-up cost, against the file backend in the same
 * run, under a real Secret Service (gnome-keyring in a private D-Bus
 * session): a fresh `twg auth token` (the fast path, which must not load the
 * addon: ratio ≈ 1) and a forced `twg auth refresh` (which loads it).
 *
 * ```sh
 * deno run -A bench/keyring.ts [--rounds 15]
 * ```
 *
 * Under Deno from this checkout; `TWG_E2E_COMMAND` (a JSON argv) measures
 * another build, the npm one under Node for instance.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { expectExit, login, makeHome, twgArgv } from "../tests/e2e/_twg.ts";
import { startDevServer } from "../tests/fixtures/dev_server_client.ts";
import { missingSecretService, startSecretService } from "../tests/e2e/_secret_service.ts";
import { interleave, median, runProcess } from "./_measure.ts";

const { values } = parseArgs({ args: Deno.args, options: { rounds: { type: "string" } } });
const rounds = Number(values.rounds ?? 15);
const missing = await missingSecretService;
if (missing) {
  console.error(`bench/keyring.ts: ${missing}`);
  Deno.exit(1);
}
await using keyring = await startSecretService();
await using server = await startDevServer({ interval: 1 });
await using fileHome = await makeHome(server, keyring.env);
await using keyringHome = await makeHome(server, keyring.env);
expectExit(await login(fileHome, server), 0);
expectExit(await login(keyringHome, server, ["--backend", "keyring"]), 0);

const spec = (home: typeof fileHome, args: string[]) => ({
  argv: [...twgArgv(), ...args],
  cwd: home.path,
  env: home.env,
});
const timed = (home: typeof fileHome, args: string[]) => async () => {
  const result = await runProcess(spec(home, args));
  if (result.code !== 0) throw new Error(`twg ${args.join(" ")}: ${result.stderr}`);
  return result.wallMs;
};
const [tokenFile, tokenKeyring, refreshFile, refreshKeyring] = await interleave([
  timed(fileHome, ["auth", "token"]),
  timed(keyringHome, ["auth", "token"]),
  timed(fileHome, ["auth", "refresh", "--force"]),
  timed(keyringHome, ["auth", "refresh", "--force"]),
], { rounds });
const row = (label: string, file: number[], kept: number[]) => {
  const [a, b] = [median(file), median(kept)];
  return `| ${label} | ${a.toFixed(1)} ms | ${b.toFixed(1)} ms | ${(b / a).toFixed(2)}× |`;
};
console.log(`${twgArgv()[0]}, median of ${rounds} interleaved rounds\n`);
console.log("| command | file backend | keyring backend | keyring / file |");
console.log("| --- | --- | --- | --- |");
console.log(row("fresh `auth token`", tokenFile!, tokenKeyring!));
console.log(row("forced `auth refresh`", refreshFile!, refreshKeyring!));
