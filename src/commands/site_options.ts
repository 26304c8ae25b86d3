/**
 * The `--site` / `--cloud-id` pair as commander options, for every command
 * that uses a site (`src/auth/site_selector.ts` does the choosing).
 *
 * @module
 */
import { Option } from "@commander-js/extra-typings";

/** The two options, declared so that commander refuses both at once (exit 2). */
export function siteSelectorOptions() {
  return [
    new Option("--site <id-or-url>", "use this site for this command only (id, URL or host)")
      .conflicts("cloudId"),
    new Option("--cloud-id <id>", "use the site with this id for this command only")
      .conflicts("site"),
  ] as const;
}
