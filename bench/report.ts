// Formatting for run.ts: the text table and results.json (in the layout Biome's formatter keeps, so
// `biome check bench` stays clean after a run).

/** JSON as Biome formats it: objects one key per line, arrays of scalars on one line when they fit in
 *  `width` columns, other arrays one element per line. Undefined values are left out. */
export function formatJson(value: unknown, width = 110): string {
  return `${format(value, 0, 0, width)}\n`;
}

function format(value: unknown, indent: number, used: number, width: number): string {
  const pad = "  ".repeat(indent + 1);
  const end = "  ".repeat(indent);
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    if (value.every((x) => x === null || typeof x !== "object")) {
      const one = `[${value.map((x) => JSON.stringify(x ?? null)).join(", ")}]`;
      if (used + one.length + 1 <= width) return one;
    }
    const items = value.map((x) => pad + format(x ?? null, indent + 1, pad.length, width));
    return `[\n${items.join(",\n")}\n${end}]`;
  }
  if (value !== null && typeof value === "object") {
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return "{}";
    const items = entries.map(([k, v]) => {
      const key = `${pad}${JSON.stringify(k)}: `;
      return key + format(v, indent + 1, key.length, width);
    });
    return `{\n${items.join(",\n")}\n${end}}`;
  }
  return JSON.stringify(value ?? null);
}

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
