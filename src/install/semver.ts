/**
 * Semantic Versioning 2.0.0: parsing and precedence (§11), nothing more.
 *
 * Written here rather than imported: `@std/semver` lives on JSR, which this
 * project's build machines cannot reach, and `npm:semver` would need an entry
 * in `deno.json` for one comparison. Precedence is short and fully specified,
 * and `tests/install/semver_test.ts` checks it against the spec's own examples.
 *
 * @module
 */

/** A parsed version. Build metadata is kept only to be ignored (§10). */
export interface SemVer {
  major: string;
  minor: string;
  patch: string;
  prerelease: string[];
}

// The regular expression suggested by semver.org itself (no leading zeros,
// no leading "v").
const SEMVER =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

/**
 * Parses `text` as a semantic version, or returns `null`.
 *
 * @example
 * ```ts
 * parseSemVer("1.4.0-rc.1+build.5"); // { major: "1", minor: "4", patch: "0", prerelease: ["rc", "1"] }
 * parseSemVer("v1.4"); // null
 * ```
 */
export function parseSemVer(text: string): SemVer | null {
  const match = SEMVER.exec(text);
  if (!match) return null;
  return {
    major: match[1]!,
    minor: match[2]!,
    patch: match[3]!,
    prerelease: match[4] === undefined ? [] : match[4].split("."),
  };
}

/** Whether `text` is a valid semantic version. */
export function isSemVer(text: string): boolean {
  return parseSemVer(text) !== null;
}

/**
 * Compares two versions by precedence: negative when `a` comes first, zero
 * when they are equal (build metadata aside), positive when `a` is newer.
 * Throws on anything that is not a semantic version.
 *
 * @example
 * ```ts
 * compareSemVer("1.0.0-rc.1", "1.0.0") < 0; // true
 * compareSemVer("1.10.0", "1.9.0") > 0; // true
 * ```
 */
export function compareSemVer(a: string, b: string): number {
  const left = parseSemVer(a);
  const right = parseSemVer(b);
  if (!left || !right) {
    throw new Error(`Not a semantic version: ${JSON.stringify(left ? b : a)}`);
  }
  return compareParsed(left, right);
}

/**
 * Whether `candidate` is newer than `current`; `false` when either is not a
 * semantic version (a corrupt state file never triggers a notice).
 *
 * @example
 * ```ts
 * isNewerVersion("1.1.0", "1.0.0"); // true
 * isNewerVersion("banana", "1.0.0"); // false
 * ```
 */
export function isNewerVersion(candidate: string, current: string): boolean {
  const left = parseSemVer(candidate);
  const right = parseSemVer(current);
  return left !== null && right !== null && compareParsed(left, right) > 0;
}

function compareParsed(left: SemVer, right: SemVer): number {
  return compareNumeric(left.major, right.major) ||
    compareNumeric(left.minor, right.minor) ||
    compareNumeric(left.patch, right.patch) ||
    comparePrerelease(left.prerelease, right.prerelease);
}

// Digits without leading zeros: the longer is larger, else compare as text.
// Exact for any length, where Number() would round past 2^53.
function compareNumeric(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}

// §11.3: a version with a pre-release comes before the same version without.
// §11.4: identifiers left to right; numeric ones by value and before
// alphanumeric ones, those in ASCII order; a shorter list that is a prefix of
// the other comes first.
function comparePrerelease(a: string[], b: string[]): number {
  if (a.length === 0 || b.length === 0) return b.length - a.length;
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const order = compareIdentifier(a[index]!, b[index]!);
    if (order !== 0) return order;
  }
  return a.length - b.length;
}

function compareIdentifier(a: string, b: string): number {
  const isNumericA = /^\d+$/.test(a);
  const isNumericB = /^\d+$/.test(b);
  if (isNumericA && isNumericB) return compareNumeric(a, b);
  if (isNumericA !== isNumericB) return isNumericA ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
