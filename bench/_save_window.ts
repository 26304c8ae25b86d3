/**
 * The response-to-rename window: between the token endpoint's answer and the
 * rename of the new `auth.conf`, the old refresh token is spent and the new
 * one exists only in memory. A kill then loses the sign-in, so the window
 * must stay a few milliseconds (write + flush + rename).
 *
 * Measured in process, through the refresh engine's own `onSaveWindow`, on
 * real forced refreshes against the development server.
 *
 * @module
 */
import { refreshIfDue } from "../src/auth/refresh.ts";
import { configPaths } from "../src/config/paths.ts";
import { createProcessEnv } from "../src/env_deno.ts";

/** The save window of each refresh (ms), and how long all of them took. */
export interface SaveWindows {
  windowsMs: number[];
  elapsedMs: number;
}

/**
 * Forces `count` refreshes, one after another, of the credentials stored in
 * `configDir`, with the real process environment apart from that directory.
 */
export async function measureSaveWindows(configDir: string, count: number): Promise<SaveWindows> {
  const env = createProcessEnv();
  // Assigned rather than spread: spreading would run the lazy `interrupt`
  // getter and install signal handlers the bench does not want.
  const getVar = env.getVar;
  env.getVar = (name) => name === "TWG_CONFIG_DIR" ? configDir : getVar(name);
  const paths = configPaths(env);
  const windowsMs: number[] = [];
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    const before = windowsMs.length;
    await refreshIfDue(env, paths, { force: true, onSaveWindow: (ms) => windowsMs.push(ms) });
    if (windowsMs.length === before) throw new Error("A forced refresh reported no save window");
  }
  return { windowsMs, elapsedMs: performance.now() - started };
}
