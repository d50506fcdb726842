// Formatting for run.ts: the text table and the numbers of results.json.

/** Rows of cells as aligned text; `right[i]` right-aligns column i. */
export function textTable(header: string[], rows: string[][], right: boolean[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (right[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** 3 significant digits, without exponent notation for the magnitudes seen here. */
export function sig(x: number, digits = 3): string {
  if (!Number.isFinite(x)) return "-";
  if (x === 0) return "0";
  const magnitude = Math.floor(Math.log10(Math.abs(x)));
  const decimals = Math.max(0, digits - 1 - magnitude);
  return x.toFixed(decimals);
}

/** Thousands separated by commas, no decimals (tokens per second). */
export function whole(x: number): string {
  if (!Number.isFinite(x)) return "-";
  if (x < 100) return x.toFixed(1);
  return Math.round(x).toLocaleString("en-US");
}

/** Rounds to `digits` significant digits, as a number (for results.json). */
export function round(x: number, digits = 4): number {
  if (!Number.isFinite(x) || x === 0) return x;
  return Number(x.toPrecision(digits));
}
