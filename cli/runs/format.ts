// Text for `rnnlab runs`: flattened configs, values, times and plain-text tables. Pure: no store, no
// files, so the tests build RunRow values by hand.

import type { MetricValue, RunRow } from "../../node/store/types.js";
import { formatNumber } from "../../src/report/format.js";

/** A value for a terminal or CSV cell: numbers by formatNumber (or exactly, with `exact`), strings as
 *  they are, null and undefined as "", anything else as JSON. */
export function valueText(value: unknown, { exact = false } = {}): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "number") return exact ? String(value) : formatNumber(value);
  if (typeof value === "string") return value;
  if (typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

/** An ISO 8601 time as "2026-12-06 11:23:07" (UTC, as stored). */
export function timeText(iso: string | null): string {
  if (iso === null) return "";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().slice(0, 19).replace("T", " ");
}

/** The seconds from start to end, or null while running (or when a time does not parse). */
export function durationSeconds(run: Pick<RunRow, "startedAt" | "endedAt">): number | null {
  if (run.endedAt === null) return null;
  const ms = Date.parse(run.endedAt) - Date.parse(run.startedAt);
  return Number.isFinite(ms) ? Math.max(0, ms / 1000) : null;
}

/** "42s", "3m05s", "2h07m"; "" for null. */
export function durationText(seconds: number | null): string {
  if (seconds === null) return "";
  if (seconds < 60) return `${seconds < 10 ? Number(seconds.toFixed(1)) : Math.round(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${pad2(Math.round(seconds - minutes * 60))}s`;
  return `${Math.floor(minutes / 60)}h${pad2(minutes % 60)}m`;
}

function pad2(n: number): string {
  return String(Math.min(59, n)).padStart(2, "0");
}

/** The run's headline metric: its sweep's metric when the run is a trial of a known sweep and
 *  reports it, else valLoss; null when the run has neither. */
export function headlineMetric(
  run: Pick<RunRow, "final" | "sweepId">,
  sweepMetrics: ReadonlyMap<string, string>,
): { key: string; value: MetricValue } | null {
  const sweepMetric = run.sweepId === null ? undefined : sweepMetrics.get(run.sweepId);
  for (const key of [sweepMetric, "valLoss"]) {
    if (key !== undefined && run.final && key in run.final) return { key, value: run.final[key] };
  }
  return null;
}

/** Columns padded to their widest cell (numbers right-aligned), two spaces apart, a rule under the
 *  header; trailing spaces trimmed. */
export function textTable(header: string[], rows: string[][], numeric: boolean[] = []): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (numeric[i] ? c.padStart(widths[i]) : c.padEnd(widths[i])))
      .join("  ")
      .trimEnd();
  const rule = widths.map((w) => "-".repeat(w)).join("  ");
  return [line(header), rule, ...rows.map(line)].join("\n");
}

/** Key = value lines, keys padded to the longest. */
export function keyValueLines(entries: readonly [string, string][], indent = "  "): string[] {
  const width = Math.max(0, ...entries.map(([k]) => k.length));
  return entries.map(([k, v]) => `${indent}${k.padEnd(width)} = ${v}`);
}
