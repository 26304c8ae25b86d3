/**
 * A local release server for update tests: `Deno.serve` on 127.0.0.1:0
 * serving `/manifest.json`, artifact files and, as an npm registry, package
 * documents (`/<name>`, a scoped name's `/` sent as `%2f`), recording every
 * request path.
 *
 * @example
 * ```ts ignore
 * await using server = serveRelease({ "/twg-linux-x64": bytes });
 * server.setManifest({ version: "0.2.0", npm: "@twg/cli", artifacts: {} });
 * server.url("/manifest.json"); // "http://127.0.0.1:<port>/manifest.json"
 * ```
 *
 * @module
 */

/** A running release server. */
export interface ReleaseServer extends AsyncDisposable {
  /** The absolute URL of `path` on this server. */
  url(path: string): string;
  /** What `/manifest.json` answers from now on. */
  setManifest(manifest: unknown): void;
  /** The paths requested so far, in order. */
  requested: string[];
  /** Makes `path` answer 302 to `location`. */
  redirect(path: string, location: string): void;
  /**
   * Serves npm's abbreviated package document for `name` at `/<name>`:
   * `dist-tags` as given, a `versions` entry for each of `versions`.
   */
  setPackage(name: string, distTags: Record<string, unknown>, versions?: string[]): void;
  /** Makes `path` (as requested, `%2f` and all) answer with `respond()`: hostile answers. */
  answer(path: string, respond: () => Response): void;
  /** The `Accept` header of each request, in order. */
  accepted: (string | null)[];
}

/** Starts a server answering `/manifest.json` and each path in `files`; anything else is 404. */
export function serveRelease(files: Record<string, Uint8Array> = {}): ReleaseServer {
  let manifest: unknown = { version: "0.1.0", artifacts: {} };
  const requested: string[] = [];
  const redirects: Record<string, string> = {};
  const packages: Record<string, unknown> = {};
  const answers: Record<string, () => Response> = {};
  const accepted: (string | null)[] = [];
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, (request) => {
    const path = new URL(request.url).pathname;
    requested.push(path);
    accepted.push(request.headers.get("accept"));
    const answer = answers[path];
    if (answer) return answer();
    if (path === "/manifest.json") return Response.json(manifest);
    const document = packages[decodeURIComponent(path)];
    if (document) return Response.json(document);
    const location = redirects[path];
    if (location) return new Response(null, { status: 302, headers: { location } });
    const file = files[path];
    return file ? new Response(file.slice()) : new Response("not found", { status: 404 });
  });
  const base = `http://127.0.0.1:${server.addr.port}`;
  return {
    url: (path) => `${base}${path}`,
    setManifest(value) {
      manifest = value;
    },
    requested,
    redirect(path, location) {
      redirects[path] = location;
    },
    setPackage(name, distTags, versions = Object.values(distTags).map(String)) {
      packages[`/${name}`] = {
        name,
        modified: "2026-11-20T00:00:00.000Z",
        "dist-tags": distTags,
        versions: Object.fromEntries(
          versions.map((version) => [version, { name, version, dist: { tarball: "" } }]),
        ),
      };
    },
    answer(path, respond) {
      answers[path] = respond;
    },
    accepted,
    [Symbol.asyncDispose]: () => server.shutdown(),
  };
}

/** Lowercase hex SHA-256 of `bytes`. */
export async function sha256Hex(bytes: Uint8Array<ArrayBuffer>): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (byte) => byte.toString(16).padStart(2, "0")).join("");
}
