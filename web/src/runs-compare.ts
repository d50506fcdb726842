import type { LineSpec } from "../../src/report/spec.ts";
import { drawFigures } from "./lab-figures.ts";
import {
  type CurveChoice,
  curveSeries,
  differingConfig,
  formatValue,
  numericFinalKeys,
  type RunDetail,
  runLabel,
} from "./runs-model.ts";

// The selected runs side by side: their curves overlaid in one chart, a table of final metrics, and
// the config keys whose values differ between them.

export function drawComparison(root: HTMLElement, runs: readonly RunDetail[], curve: CurveChoice): void {
  const chart = root.querySelector<HTMLElement>('[data-testid="runs-chart"]')!;
  const tables = root.querySelector<HTMLElement>('[data-testid="runs-tables"]')!;
  const series = curveSeries(runs, curve).filter((s) => s.x.length > 0);
  if (series.length === 0) {
    chart.replaceChildren(note(`None of the selected runs recorded a ${curve.label}.`));
    delete chart.dataset.width;
  } else {
    const spec: LineSpec = {
      kind: "line",
      x: { label: "step" },
      y: { label: curve.label },
      series,
      height: 300,
    };
    // drawFigures skips a host already drawn at its width; this is a new figure.
    delete chart.dataset.width;
    drawFigures([{ host: chart, spec }]);
  }
  tables.replaceChildren(finalsTable(runs), configTable(runs));
}

function finalsTable(runs: readonly RunDetail[]): HTMLElement {
  const keys = numericFinalKeys(runs);
  const rows = keys.map((key) => [key, ...runs.map((run) => formatValue(run.final?.[key]))]);
  return sideBySide("final metrics", runs, rows, "runs-finals", "No final metrics yet.");
}

function configTable(runs: readonly RunDetail[]): HTMLElement {
  const rows = differingConfig(runs).map(({ key, values }) => [key, ...values.map((v) => v ?? "–")]);
  const empty =
    runs.length < 2 ? "Select another run to see how the configs differ." : "The configs are the same.";
  return sideBySide("config keys that differ", runs, rows, "runs-config", empty);
}

/** A table with a column per run: `rows` are [label, one value a run]. */
function sideBySide(
  caption: string,
  runs: readonly RunDetail[],
  rows: string[][],
  testid: string,
  empty: string,
): HTMLElement {
  const wrap = document.createElement("div");
  wrap.className = "table-wrap";
  if (rows.length === 0) {
    const line = note(empty);
    line.dataset.testid = testid;
    wrap.append(`${caption}: `, line);
    return wrap;
  }
  const table = document.createElement("table");
  table.dataset.testid = testid;
  table.createCaption().textContent = caption;
  const head = table.createTHead().insertRow();
  head.append(th(""), ...runs.map((run) => th(runLabel(run))));
  const body = table.createTBody();
  for (const [label, ...values] of rows) {
    const row = body.insertRow();
    row.append(th(label, "row"));
    for (const value of values) row.insertCell().textContent = value;
  }
  wrap.append(table);
  return wrap;
}

function th(text: string, scope = "col"): HTMLTableCellElement {
  const cell = document.createElement("th");
  cell.scope = scope;
  cell.textContent = text;
  return cell;
}

function note(text: string): HTMLElement {
  const line = document.createElement("span");
  line.className = "figure-note";
  line.textContent = text;
  return line;
}
