/**
 * "Did you mean …?": the nearest of some known names to what was typed.
 *
 * @module
 */

/**
 * The candidate closest to `word` by edit distance (insertions, deletions,
 * substitutions, and swaps of two neighbours), or `null` when none is within
 * a third of the word's length (at least one edit), or, for three letters
 * or more, the first candidate the word begins: `logn` → `login`, `stat` →
 * `status`, but `x` suggests nothing.
 *
 * @example
 * ```ts
 * nearest("logn", ["login", "logout"]); // "login"
 * nearest("issuerr", ["issuer", "clientId"]); // "issuer"
 * ```
 */
export function nearest(word: string, candidates: readonly string[]): string | null {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: string | null = null;
  let bestDistance = Infinity;
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  if (best === null && word.length >= 3) {
    best = candidates.find((candidate) => candidate.startsWith(word)) ?? null;
  }
  return best;
}

/** Optimal string alignment distance (Damerau–Levenshtein without repeated edits of a substring). */
function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const above = rows[i - 1]!;
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(above[j]! + 1, row[j - 1]! + 1, above[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, rows[i - 2]![j - 2]! + 1);
      }
      row.push(value);
    }
    rows.push(row);
  }
  return rows[a.length]![b.length]!;
}
