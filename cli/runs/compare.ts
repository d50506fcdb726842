// `rnnlab runs compare`: the chosen runs' final metrics side by side, the config keys on which they
// differ, and one metric's curves, as data (for --json and the HTML page) and as terminal text.
// Pure: the command reads the store and passes the records in.

import type { MetricRecord, MetricValue, RunRow } from "../../node/store/types.js";
import { type ChartSeries, asciiChart } from "./ascii-chart.js";
import { configDifferences } from "../../src/run/config-diff.js";
import { textTable, valueText } from "./format.js";

/** One metric of one record type of one run, by step. */
export interface Curve {
  runId: number;
  /** The records' type: "train", "val", ... */
  type: string;
  /** The key read from the records' values (the metric, or valLoss for `loss` in "val" records). */
  key: string;
  /** [step, value] in step order; a record without the key is left out. */
  points: [number, number | null][];
}

export interface Comparison {
  runs: RunRow[];
  metric: string;
  /** One row per final-metric key of any run: the runs' values in the order of `runs` (null: absent). */
  finals: { key: string; values: (MetricValue | null)[] }[];
  /** One row per flattened config key whose values are not the same in every run (null: absent). */
  configDiff: { key: string; values: unknown[] }[];
  curves: Curve[];
}

export function compareRuns(
  runs: readonly RunRow[],
  metrics: (runId: number) => readonly MetricRecord[],
  metric = "loss",
): Comparison {
  const finalKeys = [...new Set(runs.flatMap((r) => Object.keys(r.final ?? {})))];
  const finals = finalKeys.map((key) => ({ key, values: runs.map((r) => r.final?.[key] ?? null) }));
  return {
    runs: [...runs],
    metric,
    finals,
    configDiff: configDifferences(runs.map((r) => r.config)),
    curves: runs.flatMap((r) => runCurves(r.id, metrics(r.id), metric)),
  };
}

/** The key a record type holds `metric` under: the metric itself, or for "val" records its val-
 *  prefixed name (loss → valLoss), as train writes them; null when the type has neither. */
export function curveKey(type: string, records: readonly MetricRecord[], metric: string): string | null {
  const keys = [metric];
  if (type === "val") keys.push(`val${metric.charAt(0).toUpperCase()}${metric.slice(1)}`);
  return keys.find((k) => records.some((r) => k in r.values)) ?? null;
}

/** A curve per record type that has the metric: "train" first, "val" next, then the others in order of
 *  appearance. */
export function runCurves(runId: number, records: readonly MetricRecord[], metric: string): Curve[] {
  const types = [...new Set(["train", "val", ...records.map((r) => r.type)])];
  return types.flatMap((type) => {
    const ofType = records.filter((r) => r.type === type).sort((a, b) => a.step - b.step);
    const key = curveKey(type, ofType, metric);
    if (key === null) return [];
    const points = ofType
      .filter((r) => key in r.values)
      .map((r): [number, number | null] => [r.step, r.values[key] ?? null]);
    return [{ runId, type, key, points }];
  });
}

/** "#3 val valLoss". */
export function curveName(curve: Curve): string {
  return `#${curve.runId} ${curve.type} ${curve.key}`;
}

/** The comparison as terminal text: the runs, the final metrics, the config differences and the chart. */
export function comparisonText(c: Comparison, chartWidth = 60): string {
  const columns = c.runs.map((r) => `#${r.id}`);
  const runLines = c.runs.map((r) => `  #${r.id}  ${r.name}  (${r.kind}, ${r.status})`);
  const finals =
    c.finals.length === 0
      ? "no final metrics"
      : textTable(
          ["final", ...columns],
          c.finals.map(({ key, values }) => [key, ...values.map((v) => valueText(v))]),
          [false, ...columns.map(() => true)],
        );
  const diff =
    c.configDiff.length === 0
      ? "config: the same in every run"
      : textTable(
          ["config", ...columns],
          c.configDiff.map(({ key, values }) => [key, ...values.map((v) => valueText(v))]),
        );
  const series: ChartSeries[] = c.curves.map((curve) => ({ name: curveName(curve), points: curve.points }));
  const chart =
    series.length === 0
      ? `no records hold ${c.metric}`
      : `${c.metric} by step\n${asciiChart(series, { width: chartWidth, xLabel: "step" })}`;
  return `runs\n${runLines.join("\n")}\n\n${finals}\n\n${diff}\n\n${chart}\n`;
}
