/**
 * The bench's table: rows of figures against their baselines, then the
 * budget and correctness lines. Rendering is pure; `main.ts` prints it.
 *
 * @module
 */

/** One measured (or skipped) figure. */
export interface Row {
  measure: string;
  /** The figure as printed, e.g. `96.1 ms`; absent when skipped. */
  figure?: string;
  /** The baseline and its figure as printed, e.g. `deno run empty.ts 24.0 ms`. */
  baseline?: string;
  /** Figure over baseline, both medians taken side by side. */
  ratio?: number;
  /** Why the row was skipped, or what else to know about it. */
  note?: string;
  /** Raw numbers for `results.json`. */
  data?: Record<string, unknown>;
}

/** A budget line (a miss is reported) or a correctness line (a failure fails the bench). */
export interface Check {
  kind: "budget" | "correctness";
  label: string;
  /** Absent when the figure could not be measured here (the detail says why). */
  isMet?: boolean;
  detail: string;
}

/** Formats milliseconds for the table. */
export function ms(value: number): string {
  return value >= 100 ? `${value.toFixed(0)} ms` : `${value.toFixed(value >= 10 ? 1 : 2)} ms`;
}

/** Formats a ratio for the table. */
export function times(ratio: number): string {
  return `${ratio.toFixed(2)}×`;
}

/** Formats KiB as MiB for the table. */
export function mib(kib: number): string {
  return `${(kib / 1024).toFixed(1)} MiB`;
}

/** Renders the rows and checks as the plain-text table the bench prints. */
export function renderTable(rows: Row[], checks: Check[]): string {
  const header = ["Measure", "Figure (median)", "Baseline (median)", "Ratio"];
  const cells = rows.map((row) =>
    row.figure === undefined ? [row.measure, row.note ?? "skipped", "", ""] : [
      row.measure,
      row.figure,
      row.baseline ?? "",
      row.ratio === undefined ? "" : times(row.ratio),
    ]
  );
  // A skipped row's note spans the remaining columns, so it does not widen them.
  const widths = header.map((title, column) =>
    Math.max(
      title.length,
      ...cells.filter((_, index) => rows[index]!.figure !== undefined).map((row) =>
        row[column]!.length
      ),
    )
  );
  const line = (row: string[]) =>
    row.map((cell, column) => cell.padEnd(widths[column]!)).join("  ").trimEnd();
  const notes = rows.flatMap((row) =>
    row.figure !== undefined && row.note ? [`  ${row.measure}: ${row.note}`] : []
  );
  const checkLine = (check: Check) => {
    const [met, unmet] = check.kind === "budget" ? ["PASS", "MISS"] : ["OK  ", "FAIL"];
    const verdict = check.isMet === undefined ? "SKIP" : check.isMet ? met : unmet;
    return `${verdict}  ${check.label}: ${check.detail}`;
  };
  return [
    line(header),
    widths.map((width) => "-".repeat(width)).join("  "),
    ...cells.map(line),
    ...(notes.length > 0 ? ["", "Notes:", ...notes] : []),
    "",
    "Budget:",
    ...checks.filter((check) => check.kind === "budget").map(checkLine),
    "",
    "Correctness:",
    ...checks.filter((check) => check.kind === "correctness").map(checkLine),
    "",
  ].join("\n");
}
