import type { LineSeries } from "../../src/report/spec.ts";
import type { MetricRecord, MetricValue, RunRow, SweepRow } from "../../node/store/types.ts";
import { configDifferences, flattenConfig } from "../../src/run/config-diff.js";

// The Runs view's data, without the DOM: what `rnnlab ui` answers under /api/, and the pure steps
// from it to the view's tables and curves (tested in test/web-runs.test.ts).

/** GET /api/runs/:id: the run and its metric records by type ("train", "val", ...). */
export interface RunDetail extends RunRow {
  metrics: Record<string, MetricRecord[]>;
}

/** A curve the chart can overlay: the record type and the value read from each record. */
export interface CurveChoice {
  label: string;
  type: string;
  key: string;
}

export const CURVES: readonly CurveChoice[] = [
  { label: "training loss", type: "train", key: "loss" },
  { label: "validation loss", type: "val", key: "valLoss" },
];

/** At most this many points a curve (evenly spaced, the last kept), so that long runs draw quickly. */
const MAX_POINTS = 400;

/** A run's final value of `key`, when it is a finite number. */
export function finalNumber(run: RunRow, key: string): number | null {
  const value = run.final?.[key];
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

/** The runs ordered by their final `metric`, best first for `goal`; runs without it go last, newest first. */
export function rankedByMetric(runs: readonly RunRow[], metric: string, goal: SweepRow["goal"]): RunRow[] {
  const sign = goal === "min" ? 1 : -1;
  return [...runs].sort((a, b) => {
    const x = finalNumber(a, metric);
    const y = finalNumber(b, metric);
    if (x === null || y === null) return x === null && y === null ? b.id - a.id : x === null ? 1 : -1;
    return sign * (x - y);
  });
}

/** One series per run: `curve`'s value at each of its records' steps (records without it left out). */
export function curveSeries(runs: readonly RunDetail[], curve: CurveChoice): LineSeries[] {
  return runs.map((run) => {
    const points = (run.metrics[curve.type] ?? []).filter((r) => typeof r.values[curve.key] === "number");
    const kept = thin(points);
    return {
      name: runLabel(run),
      x: kept.map((r) => r.step),
      y: kept.map((r) => r.values[curve.key] ?? null),
      dots: kept.length < 30,
    };
  });
}

export function runLabel(run: Pick<RunRow, "id" | "name">): string {
  return `#${run.id} ${run.name}`;
}

/** The final metrics' keys that any of the runs reports as a number, in first-seen order. */
export function numericFinalKeys(runs: readonly RunRow[]): string[] {
  const keys = new Set<string>();
  for (const run of runs)
    for (const key of Object.keys(run.final ?? {})) if (finalNumber(run, key) !== null) keys.add(key);
  return [...keys];
}

/** The config keys (nested objects flattened to dotted paths) on which the runs differ, as `runs
 *  compare` finds them (configDifferences), sorted, each with one value a run: a string as it is,
 *  anything else as JSON, undefined where the run's config lacks the key. */
export function differingConfig(runs: readonly RunRow[]): { key: string; values: (string | undefined)[] }[] {
  const configs = runs.map((run) => run.config);
  const flat = configs.map((config) => new Map(flattenConfig(config)));
  return configDifferences(configs)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ key }) => ({ key, values: flat.map((entries) => cellText(entries, key)) }));
}

function cellText(entries: Map<string, unknown>, key: string): string | undefined {
  if (!entries.has(key)) return undefined;
  const value = entries.get(key);
  return typeof value === "string" ? value : JSON.stringify(value);
}

/** A final metric or config value for a table cell: numbers to 4 significant digits. */
export function formatValue(value: MetricValue | undefined): string {
  if (value === undefined || value === null) return "–";
  if (typeof value === "number") return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return String(value);
}

/** At most MAX_POINTS of `items`, evenly spaced, the last one kept. */
function thin<T>(items: T[]): T[] {
  if (items.length <= MAX_POINTS) return items;
  const stride = Math.ceil(items.length / MAX_POINTS);
  return items.filter((_, i) => i % stride === 0 || i === items.length - 1);
}
