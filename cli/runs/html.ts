// `rnnlab runs compare --html FILE`: the comparison as one self-contained page (src/report): the runs,
// the final metrics and config differences as tables, the curves overlaid in one figure. Each run
// keeps one colour; its validation curve is dashed with dots.

import type { RunRow } from "../../node/store/types.js";
import { escapeHtml, rawHtml } from "../../src/report/escape.js";
import type { CellValue, ReportAssets, Section } from "../../src/report/page.js";
import { renderPage } from "../../src/report/page.js";
import { palette } from "../../src/report/plot-client.js";
import { type LineSeries, type LineSpec, plotNumber } from "../../src/report/spec.js";
import { type Comparison, curveName } from "./compare.js";
import { durationSeconds, durationText, timeText, valueText } from "./format.js";

/** The id of the page's one figure. */
export const CURVES_FIGURE_ID = "curves";

export function comparisonPage(c: Comparison, assets: ReportAssets): string {
  const ids = c.runs.map((r) => `#${r.id}`).join(", ");
  return renderPage({
    title: `Runs ${ids}`,
    subtitle: `rnnlab runs compare: final metrics, config differences and ${c.metric} by step`,
    sections: [runsSection(c.runs), finalsSection(c), configSection(c), curvesSection(c)],
    assets,
    toc: false,
  });
}

/** A table cell: numbers as numbers (formatted by the page), anything else as literal text (a `$` in
 *  a path or name is not a formula). */
function cell(value: unknown): CellValue {
  return typeof value === "number" ? value : rawHtml(escapeHtml(valueText(value)));
}

function runsSection(runs: readonly RunRow[]): Section {
  const columns = ["run", "name", "kind", "status", "sweep", "started", "duration"];
  const rows = runs.map((r) =>
    [
      `#${r.id}`,
      r.name,
      r.kind,
      r.status,
      r.sweepId ?? "",
      timeText(r.startedAt),
      durationText(durationSeconds(r)),
    ].map(cell),
  );
  return { id: "runs", heading: "Runs", tables: [{ kind: "grid", columns, rows }] };
}

function finalsSection(c: Comparison): Section {
  const columns = ["metric", ...c.runs.map((r) => `#${r.id}`)];
  const rows = c.finals.map(({ key, values }) => [cell(key), ...values.map(cell)]);
  const section: Section = { id: "final-metrics", heading: "Final metrics" };
  if (rows.length === 0) return { ...section, notes: ["No run has final metrics yet."] };
  return { ...section, tables: [{ kind: "grid", columns, rows }] };
}

function configSection(c: Comparison): Section {
  const columns = ["option", ...c.runs.map((r) => `#${r.id}`)];
  const rows = c.configDiff.map(({ key, values }) => [cell(key), ...values.map(cell)]);
  const section: Section = { id: "config-differences", heading: "Config differences" };
  if (rows.length === 0) return { ...section, notes: ["The runs' configs are the same."] };
  return { ...section, tables: [{ kind: "grid", columns, rows }] };
}

/** The line chart of every curve: one colour per run, validation dashed with dots. */
export function curvesSpec(c: Comparison): LineSpec {
  const colour = new Map(c.runs.map((r, i) => [r.id, palette(i)]));
  const series: LineSeries[] = c.curves.map((curve) => ({
    name: curveName(curve),
    x: curve.points.map(([step]) => step),
    y: curve.points.map(([, v]) => plotNumber(v)),
    color: colour.get(curve.runId),
    ...(curve.type === "train" ? { width: 1.25 } : { dashed: true, dots: true, width: 2 }),
  }));
  return { kind: "line", x: { label: "step" }, y: { label: c.metric }, series };
}

function curvesSection(c: Comparison): Section {
  const section: Section = { id: "curves-section", heading: `${c.metric} by step` };
  if (c.curves.length === 0) return { ...section, notes: [`No record of these runs holds ${c.metric}.`] };
  const figure = { id: CURVES_FIGURE_ID, title: `${c.metric} by step`, spec: curvesSpec(c) };
  return { ...section, figures: [figure] };
}
