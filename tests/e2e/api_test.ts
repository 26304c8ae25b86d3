/**
 * `twg api` for scripts, flag by flag, against the development server's
 * echo route and its paginated routes (Jira offset and token pages,
 * Confluence v2 `_links.next`).
 */
import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type DevServer, startDevServer } from "../fixtures/dev_server_client.ts";
import { expectExit, type Home, login, makeHome, twg } from "./_twg.ts";

/** One signed-in home for every step of a test. */
async function signedIn(server: DevServer): Promise<Home> {
  const home = await makeHome(server);
  expectExit(await login(home, server), 0);
  return home;
}

/** The JSON documents printed one after another (pretty or compact). */
function documents(stdout: string): unknown[] {
  const found: unknown[] = [];
  let rest = stdout.trim();
  while (rest) {
    // Try the shortest prefix that parses, line by line.
    const lines = rest.split("\n");
    let parsed = false;
    for (let end = 1; end <= lines.length; end++) {
      try {
        found.push(JSON.parse(lines.slice(0, end).join("\n")));
        rest = lines.slice(end).join("\n").trim();
        parsed = true;
        break;
      } catch { /* longer */ }
    }
    if (!parsed) throw new Error(`not JSON documents: ${stdout}`);
  }
  return found;
}

const ids = (items: unknown) => (items as { id: number }[]).map((item) => item.id);

Deno.test("api -f and -F build a JSON body and make the method POST", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  const result = await twg(home, [
    "api",
    "/rest/issue",
    "-f",
    "summary=Hi",
    "-f",
    "count=7",
    "-F",
    "number=42",
    "-F",
    "flag=true",
    "-F",
    "off=false",
    "-F",
    "nothing=null",
    "-F",
    "text=1.5",
  ]);
  expectExit(result, 0);
  const echo = JSON.parse(result.stdout);
  assert.equal(echo.method, "POST");
  assert.deepEqual(echo.body, {
    summary: "Hi",
    count: "7",
    number: 42,
    flag: true,
    off: false,
    nothing: null,
    text: "1.5",
  });
});

Deno.test("api -X GET sends the fields as the query string, with no body", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  const result = await twg(home, ["api", "-X", "GET", "/search", "-f", "jql=a b", "-F", "max=3"]);
  expectExit(result, 0);
  const echo = JSON.parse(result.stdout);
  assert.equal(echo.method, "GET");
  assert.equal(echo.query, "jql=a+b&max=3");
  assert.equal(echo.body, null);
});

Deno.test("api -F key=@file reads the value from a file, -d @file and --input the body", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  const file = join(home.path, "body.json");
  await writeFile(file, '{"summary":"from a file"}');
  const note = join(home.path, "note.txt");
  await writeFile(note, "a note\n");

  const field = await twg(home, ["api", "/rest/issue", "-F", `note=@${note}`]);
  expectExit(field, 0);
  assert.deepEqual(JSON.parse(field.stdout).body, { note: "a note\n" });

  const data = await twg(home, ["api", "/rest/issue", "-d", `@${file}`]);
  expectExit(data, 0);
  assert.equal(JSON.parse(data.stdout).method, "POST");
  assert.deepEqual(JSON.parse(data.stdout).body, { summary: "from a file" });

  const input = await twg(home, [
    "api",
    "-X",
    "PUT",
    "/rest/issue/1",
    "--input",
    file,
    "-f",
    "a=b",
  ]);
  expectExit(input, 0);
  const echo = JSON.parse(input.stdout);
  assert.equal(echo.method, "PUT");
  assert.deepEqual(echo.body, { summary: "from a file" });
  assert.equal(echo.query, "a=b", "with --input, fields go to the query string as in gh");

  const stdin = await twg(home, ["api", "/rest/issue", "--input", "-"], {
    stdin: '{"summary":"from stdin"}',
  });
  expectExit(stdin, 0);
  assert.deepEqual(JSON.parse(stdin.stdout).body, { summary: "from stdin" });
});

Deno.test("api -i prints the status line and headers; --silent prints nothing", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  const included = await twg(home, ["api", "-i", "/rest/api/3/myself"]);
  expectExit(included, 0);
  const [head, body] = included.stdout.split("\r\n\r\n");
  assert.match(head!, /^HTTP 200 OK\r\n/);
  assert.match(head!, /\r\nContent-Type: application\/json/);
  assert.equal(JSON.parse(body!).path, "/rest/api/3/myself");

  const silent = await twg(home, ["api", "--silent", "/rest/api/3/myself"]);
  expectExit(silent, 0);
  assert.equal(silent.stdout, "");
});

Deno.test("api --paginate follows startAt/maxResults/total, nextPageToken and _links.next", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  const styles: [string, string][] = [
    ["/rest/api/3/paged/offset", "values"],
    ["/rest/api/3/paged/token", "issues"],
    ["/wiki/api/v2/paged", "results"],
  ];
  for (const [path, key] of styles) {
    const single = await twg(home, ["api", path]);
    expectExit(single, 0);
    assert.deepEqual(ids((JSON.parse(single.stdout) as Record<string, unknown>)[key]), [1, 2]);

    const all = await twg(home, ["api", "--paginate", path]);
    expectExit(all, 0);
    const pages = documents(all.stdout) as Record<string, unknown>[];
    assert.equal(pages.length, 3, `${path}: one document per page`);
    assert.deepEqual(pages.flatMap((page) => ids(page[key])), [1, 2, 3, 4, 5], path);

    const slurped = await twg(home, ["api", "--paginate", "--slurp", path]);
    expectExit(slurped, 0);
    const array = JSON.parse(slurped.stdout) as Record<string, unknown>[];
    assert.ok(Array.isArray(array));
    assert.deepEqual(array.flatMap((page) => ids(page[key])), [1, 2, 3, 4, 5], path);
  }
});

Deno.test("api --jq applies the expression to each page of a paginated result", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  const keys = await twg(home, [
    "api",
    "--paginate",
    "/rest/api/3/paged/token",
    "--jq",
    ".issues[].key",
  ]);
  expectExit(keys, 0);
  assert.equal(keys.stdout, "ITEM-1\nITEM-2\nITEM-3\nITEM-4\nITEM-5\n", "strings raw, as gh");

  const counts = await twg(home, [
    "api",
    "--paginate",
    "/wiki/api/v2/paged",
    "-q",
    "{n: (.results | length)}",
  ]);
  expectExit(counts, 0);
  assert.equal(counts.stdout, '{"n":2}\n{"n":2}\n{"n":1}\n', "other values as compact JSON");

  const bad = await twg(home, ["api", "/rest/api/3/myself", "--jq", ".["]);
  expectExit(bad, 1);
  assert.match(bad.stderr, /--jq expression failed/);
});

Deno.test("api with a 404 keeps the body on stdout and exits 1", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  const missing = await twg(home, ["api", "/rest/api/3/missing", "--jq", ".x"]);
  expectExit(missing, 1);
  assert.deepEqual(JSON.parse(missing.stdout), {
    errorMessages: ["Issue does not exist"],
    errors: {},
  });
  assert.match(missing.stderr, /HTTP 404/);
});

Deno.test("api with a 401 names the fix", async () => {
  await using server = await startDevServer({ interval: 1 });
  await using home = await signedIn(server);
  const refused = await twg(home, ["api", "/rest/api/3/myself"], {
    env: { TWG_OAUTH_ACCESS_TOKEN: "not-a-token" },
  });
  expectExit(refused, 1);
  assert.equal(JSON.parse(refused.stdout).error, "invalid_token", "the body is still printed");
  assert.match(refused.stderr, /HTTP 401/);
  assert.match(refused.stderr, /TWG_OAUTH_ACCESS_TOKEN: replace it/);
  assert.ok(!refused.stderr.includes("not-a-token"), "the token is never printed");

  // A stored token the server does not know: one refresh, and the retry works.
  const authConf = join(home.configDir, "auth.conf");
  const stored = JSON.parse(await readFile(authConf, "utf8"));
  stored.oauth.accessToken = "unknown-to-the-server";
  await writeFile(authConf, JSON.stringify(stored), { mode: 0o600 });
  const before = (await server.stats()).refreshRequests;
  const unknown = await twg(home, ["api", "/rest/api/3/myself"]);
  expectExit(unknown, 0);
  assert.equal((await server.stats()).refreshRequests, before + 1, "one refresh, then the retry");

  // Refused again right after a successful refresh (here: an API that takes
  // no OAuth token at all): the person must sign in again, exit 77.
  const refusedAgain = await twg(home, ["api", "/anything"], {
    env: { TWG_API_URL: server.bitbucketApiUrl },
  });
  expectExit(refusedAgain, 77);
  assert.match(refusedAgain.stderr, /right after a successful refresh/);
  assert.match(refusedAgain.stderr, /twg login/);
});

Deno.test("api refuses gh's incompatible flag combinations with a usage error", async () => {
  await using home = await makeHome();
  for (
    const args of [
      ["--slurp"],
      ["--paginate", "--slurp", "--jq", "."],
      ["--silent", "--jq", "."],
      ["--paginate", "--input", "-"],
      ["--paginate", "-f", "a=b"],
      ["-d", "x", "-f", "a=b"],
      ["-f", "novalue"],
    ]
  ) {
    const result = await twg(home, ["api", "/x", ...args]);
    expectExit(result, 2);
    assert.doesNotMatch(
      result.stderr,
      /unknown option/,
      "each flag exists; the combination is refused",
    );
  }
});
