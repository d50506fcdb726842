// `rnnlab runs show ID`: one run's fields, config, final metrics, artefacts, its metric records by
// type, and its loss curves. Pure: the command reads the store.

import type { MetricRecord, RunRow } from "../../node/store/types.js";
import { flattenConfig } from "../../src/run/config-diff.js";
import { asciiChart } from "./ascii-chart.js";
import { curveName, runCurves } from "./compare.js";
import { durationSeconds, durationText, keyValueLines, timeText, valueText } from "./format.js";

export interface RunDetails {
  run: RunRow;
  /** How many metric records the run has of each type, in order of first appearance. */
  metricCounts: Record<string, number>;
}

export function runDetails(run: RunRow, records: readonly MetricRecord[]): RunDetails {
  const metricCounts: Record<string, number> = {};
  for (const r of records) metricCounts[r.type] = (metricCounts[r.type] ?? 0) + 1;
  return { run, metricCounts };
}

function fieldLines(run: RunRow): string[] {
  const fields: [string, string][] = [
    ["name", run.name],
    ["status", run.status],
    ["sweep", run.sweepId ?? ""],
    ["trial", run.trialKey ?? ""],
    ["git", run.git ?? ""],
    ["machine", run.machine],
    ["pid", String(run.pid)],
    ["started", timeText(run.startedAt)],
    ["ended", timeText(run.endedAt)],
    ["duration", durationText(durationSeconds(run))],
    ["error", run.error ?? ""],
  ];
  return keyValueLines(fields.filter(([, v]) => v !== ""));
}

/** A heading and its key = value lines, or the heading and "(none)". */
function block(heading: string, entries: [string, string][]): string[] {
  return [heading, ...(entries.length === 0 ? ["  (none)"] : keyValueLines(entries))];
}

/** The run as terminal text, ending with a chart of `metric` (train and val records) when it has one. */
export function runDetailsText(
  details: RunDetails,
  records: readonly MetricRecord[],
  metric = "loss",
  chartWidth = 60,
): string {
  const { run, metricCounts } = details;
  const config = flattenConfig(run.config).map(([k, v]): [string, string] => [k || "(config)", valueText(v)]);
  const final = Object.entries(run.final ?? {}).map(([k, v]): [string, string] => [k, valueText(v)]);
  const counts = Object.entries(metricCounts).map(([t, n]): [string, string] => [t, `${n} records`]);
  const lines = [
    `run #${run.id} (${run.kind})`,
    ...fieldLines(run),
    ...block("config", config),
    ...block("final", final),
    ...block("artefacts", Object.entries(run.artefacts)),
    ...block("metrics", counts),
  ];
  const curves = runCurves(run.id, records, metric).filter((c) => c.type === "train" || c.type === "val");
  if (curves.length > 0) {
    const series = curves.map((c) => ({ name: curveName(c), points: c.points }));
    lines.push(`${metric} by step`, asciiChart(series, { width: chartWidth, height: 8, xLabel: "step" }));
  }
  return `${lines.join("\n")}\n`;
}
