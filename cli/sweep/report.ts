// A sweep's report.html (in its artefacts folder): the counts, the best configs, each option's effect,
// and the metric's map over the first two varying options (mean over the other options and the
// seeds): for examples/sweeps/q3-regime-map.yaml, log10 ‖dL/dh_0‖/‖dL/dh_T‖ over (‖W‖₂, T); for
// pascanu-temporal-order.yaml, the success rate over (T, clipping).

import type { ReportAssets, Section } from "../../src/report/page.js";
import { renderPage } from "../../src/report/page.js";
import type { HeatmapCell, HeatmapSpec } from "../../src/report/spec.js";
import { label } from "./coordinator.js";
import type { Outcome, SweepSummary } from "./summary.js";
import type { OptionValue, SweepSpec } from "./types.js";

export function sweepPage(
  spec: SweepSpec,
  id: string,
  outcomes: readonly Outcome[],
  summary: SweepSummary,
  assets: ReportAssets,
): string {
  const sections: Section[] = [countsSection(spec, id, summary), bestSection(spec, summary)];
  const map = metricMap(spec, outcomes);
  if (map) sections.push(map);
  sections.push(effectsSection(spec, summary));
  return renderPage({
    title: `Sweep ${spec.name}`,
    subtitle: `rnnlab sweep ${id}: ${outcomes.length} trials, ${spec.metric} (${spec.goal})`,
    sections,
    assets,
    toc: false,
  });
}

function countsSection(spec: SweepSpec, id: string, summary: SweepSummary): Section {
  const rows = Object.entries(summary.counts).map(([status, n]) => [status, n]);
  const command = spec.command === "probe" ? `probe ${spec.fixed.name}` : spec.command;
  return {
    id: "trials",
    heading: "Trials",
    prose: `Each trial is one run of rnnlab ${command}; every one is in the run store: rnnlab runs list --sweep ${id}.`,
    tables: [{ kind: "grid", columns: ["status", "trials"], rows }],
  };
}

function bestSection(spec: SweepSpec, summary: SweepSummary): Section {
  const options = varying(spec);
  const columns = ["#", spec.metric, ...options, "seed", "trial"];
  const rows = summary.best.map((o, i) => [
    i + 1,
    o.value,
    ...options.map((k) => String(o.trial.params[k] ?? "")),
    o.trial.seed,
    o.trial.key,
  ]);
  return { id: "best", heading: `Best by ${spec.metric}`, tables: [{ kind: "grid", columns, rows }] };
}

function effectsSection(spec: SweepSpec, summary: SweepSummary): Section {
  const columns = ["option", "value", "mean", "best", "trials", "without a value"];
  const rows = Object.entries(summary.effects).flatMap(([option, effects]) =>
    effects.map((e) => [option, e.value, e.mean, e.best, e.count, e.missing]),
  );
  return {
    id: "effects",
    heading: `Each option's effect on ${spec.metric}`,
    tables: [{ kind: "grid", columns, rows }],
  };
}

/** The options that vary between trials, in the spec's order (the seed aside). */
function varying(spec: SweepSpec): string[] {
  const grid = Object.entries(spec.grid)
    .filter(([, values]) => values.length > 1)
    .map(([k]) => k);
  return [...grid, ...Object.keys(spec.random)];
}

/** The mean metric over each pair of values of the first two grid options (or over the first one
 *  alone); null when no grid option varies. */
function metricMap(spec: SweepSpec, outcomes: readonly Outcome[]): Section | null {
  const options = Object.entries(spec.grid).filter(([, values]) => values.length > 1);
  if (options.length === 0) return null;
  const [[xKey, xValues], second] = options;
  const yKey = second?.[0] ?? null;
  const yValues: OptionValue[] = second?.[1] ?? ["all"];
  const cells: HeatmapCell[] = [];
  for (const x of xValues)
    for (const y of yValues) {
      const values = outcomes
        .filter((o) => o.trial.params[xKey] === x && (yKey === null || o.trial.params[yKey] === y))
        .map((o) => o.value)
        .filter((v): v is number => v !== null && Number.isFinite(v));
      const mean = values.length === 0 ? null : values.reduce((s, v) => s + v, 0) / values.length;
      cells.push({ x: String(x), y: String(y), value: mean });
    }
  const heatmap: HeatmapSpec = {
    kind: "heatmap",
    cells,
    x: { label: xKey },
    y: { label: yKey ?? "" },
    color: { label: `mean ${spec.metric}` },
  };
  const over = yKey === null ? xKey : `${xKey} and ${yKey}`;
  return {
    id: "map",
    heading: `${spec.metric} over ${over}`,
    figures: [
      {
        id: "metric-map",
        title: `Mean ${spec.metric} by ${over}`,
        caption: `Each cell: the mean over its trials' seeds (and any other options) of those that reported ${spec.metric}; blank: none did. The best trial: ${bestLabel(outcomes, spec)}.`,
        spec: heatmap,
      },
    ],
  };
}

function bestLabel(outcomes: readonly Outcome[], spec: SweepSpec): string {
  const scored = outcomes.filter((o) => o.value !== null);
  if (scored.length === 0) return "none";
  const sign = spec.goal === "min" ? 1 : -1;
  const best = scored.reduce((a, b) => ((a.value as number) * sign <= (b.value as number) * sign ? a : b));
  return `${label(best.trial)} (${(best.value as number).toPrecision(4)})`;
}
