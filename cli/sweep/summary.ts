// What a sweep ends with: the best configurations, each varying option's effect on the metric, and
// how many trials ended how; as data (for --json) and as terminal text.

import type { MetricValue } from "../../node/store/types.js";
import { formatNumber } from "../../src/report/format.js";
import { UserError } from "../errors.js";
import { didYouMean } from "./suggest.js";
import type { OptionValue, SweepSpec, Trial } from "./types.js";

export interface Outcome {
  trial: Trial;
  status: string;
  /** The metric from the trial's summary; null when it has none (failed, stopped, not reported). */
  value: number | null;
}

/** One value of an option (or a range of a sampled one) and the metric over its trials. */
export interface Effect {
  value: string;
  /** Trials with a value of the metric (the mean and best are over these). */
  count: number;
  /** Trials without one (failed, stopped before the end). */
  missing: number;
  mean: number | null;
  best: number | null;
}

export interface SweepSummary {
  /** Up to BEST_SHOWN trials with a metric, best first. */
  best: Outcome[];
  /** Per varying option (grid and random keys with two values or more), in the spec's order. */
  effects: Record<string, Effect[]>;
  /** Trials by status. */
  counts: Record<string, number>;
  text: string;
}

export const BEST_SHOWN = 5;
/** A sampled real option with more distinct values than this is shown in rank bins. */
const MAX_DISTINCT = 6;
const BINS = 4;

export function summarize(spec: SweepSpec, outcomes: readonly Outcome[]): SweepSummary {
  const better = (a: number, b: number) => (spec.goal === "min" ? a - b : b - a);
  const scored = outcomes.filter((o) => hasValue(o.value));
  const best = [...scored].sort((a, b) => better(a.value ?? 0, b.value ?? 0)).slice(0, BEST_SHOWN);
  const effects: Record<string, Effect[]> = {};
  for (const option of [...Object.keys(spec.grid), ...Object.keys(spec.random)]) {
    const groups = groupByValue(spec, option, outcomes);
    if (groups.length >= 2)
      effects[option] = groups.map(([label, group]) => effectOf(label, group, spec.goal));
  }
  const counts: Record<string, number> = {};
  for (const { status } of outcomes) counts[status] = (counts[status] ?? 0) + 1;
  const summary = { best, effects, counts, text: "" };
  summary.text = summaryText(spec, summary, outcomes.length);
  return summary;
}

/** Throws the one line of a metric that no trial's summary holds, listing the keys they do hold. */
export function checkMetricReported(
  metric: string,
  summaries: readonly (Record<string, MetricValue> | null)[],
): void {
  if (summaries.some((s) => typeof s?.[metric] === "number")) return;
  const keys = [...new Set(summaries.flatMap((s) => (s === null ? [] : Object.keys(s))))];
  if (keys.length === 0) throw new UserError(`no trial reported ${metric}: no trial printed a summary`);
  throw new UserError(
    `no trial reported ${metric}: the summaries hold ${keys.join(", ")}${didYouMean(metric, keys)}; set metric to one of them`,
  );
}

function hasValue(value: number | null): value is number {
  return value !== null && Number.isFinite(value);
}

/** The option's values in the spec's order (a sampled real: BINS ranges by rank), each with its trials. */
function groupByValue(spec: SweepSpec, option: string, outcomes: readonly Outcome[]): [string, Outcome[]][] {
  const withOption = outcomes.filter((o) => o.trial.params[option] !== undefined);
  const distinct = [...new Set(withOption.map((o) => o.trial.params[option]))];
  const sampled = spec.random[option];
  if (sampled !== undefined && sampled.kind !== "choice" && distinct.length > MAX_DISTINCT) {
    return rankBins(option, withOption);
  }
  const order =
    spec.grid[option] ?? (sampled?.kind === "choice" ? sampled.values : [...distinct].sort(byValue));
  return order
    .map((value): [string, Outcome[]] => [
      String(value),
      withOption.filter((o) => o.trial.params[option] === value),
    ])
    .filter(([, group]) => group.length > 0);
}

function rankBins(option: string, outcomes: readonly Outcome[]): [string, Outcome[]][] {
  const sorted = [...outcomes].sort((a, b) => byValue(a.trial.params[option], b.trial.params[option]));
  const bins: [string, Outcome[]][] = [];
  for (let b = 0; b < BINS; b++) {
    const group = sorted.slice(
      Math.floor((b * sorted.length) / BINS),
      Math.floor(((b + 1) * sorted.length) / BINS),
    );
    if (group.length === 0) continue;
    const low = Number(group[0].trial.params[option]);
    const high = Number(group[group.length - 1].trial.params[option]);
    bins.push([`${formatNumber(low)}..${formatNumber(high)}`, group]);
  }
  return bins;
}

function byValue(a: OptionValue, b: OptionValue): number {
  if (typeof a === "number" && typeof b === "number") return a - b;
  return String(a) < String(b) ? -1 : String(a) > String(b) ? 1 : 0;
}

function effectOf(value: string, group: readonly Outcome[], goal: "min" | "max"): Effect {
  const values = group.map((o) => o.value).filter(hasValue);
  const count = values.length;
  const mean = count === 0 ? null : values.reduce((sum, v) => sum + v, 0) / count;
  const best = count === 0 ? null : goal === "min" ? Math.min(...values) : Math.max(...values);
  return { value, count, missing: group.length - count, mean, best };
}

function summaryText(spec: SweepSpec, summary: SweepSummary, total: number): string {
  const lines: string[] = [];
  const metric = `${spec.metric} (${spec.goal})`;
  if (summary.best.length === 0) lines.push(`No trial reported ${spec.metric}.`);
  else {
    lines.push(`Best ${summary.best.length} of ${total} trials by ${metric}:`);
    const columns = [...new Set(summary.best.flatMap((o) => Object.keys(o.trial.params)))];
    const header = ["#", spec.metric, ...columns, "trial"];
    const rows = summary.best.map((o, i) => [
      String(i + 1),
      formatNumber(o.value ?? Number.NaN),
      ...columns.map((c) => String(o.trial.params[c] ?? "")),
      o.trial.key,
    ]);
    lines.push(...table([header, ...rows]));
  }
  const options = Object.entries(summary.effects);
  if (options.length > 0) {
    lines.push("", `Each option's effect on ${metric}, over the trials with a value:`);
    const rows = options.flatMap(([option, effects]) =>
      effects.map((e, i) => [
        i === 0 ? option : "",
        e.value,
        e.mean === null ? "-" : formatNumber(e.mean),
        e.best === null ? "-" : formatNumber(e.best),
        e.missing === 0 ? String(e.count) : `${e.count} (+${e.missing} without)`,
      ]),
    );
    lines.push(...table([["option", "value", "mean", "best", "trials"], ...rows]));
  }
  const counts = Object.entries(summary.counts).map(([status, n]) => `${n} ${status}`);
  lines.push("", `Trials: ${total}${counts.length > 0 ? ` (${counts.join(", ")})` : ""}`);
  return `${lines.join("\n")}\n`;
}

/** Rows as left-aligned columns, two spaces apart, indented by two. */
function table(rows: readonly string[][]): string[] {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  return rows.map((row) => `  ${row.map((cell, c) => cell.padEnd(widths[c])).join("  ")}`.trimEnd());
}
