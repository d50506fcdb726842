import type { RunRow } from "../../node/store/types.ts";
import { finalNumber, formatValue, runLabel } from "./runs-model.ts";

// The Runs view's table: one row a run with a checkbox that selects it for comparison.

export interface RunsTableOptions {
  /** The final metric shown in its own column (valLoss, or the chosen sweep's metric). */
  metric: string;
  selected: ReadonlySet<number>;
  onToggle(run: RunRow, selected: boolean): void;
}

const HEADINGS = ["", "status", "kind", "name", "sweep", "", "started"];

export function runsTable(runs: readonly RunRow[], options: RunsTableOptions): HTMLTableElement {
  const table = document.createElement("table");
  table.className = "runs-table";
  table.dataset.testid = "runs-table";
  const head = table.createTHead().insertRow();
  for (const [i, heading] of HEADINGS.entries()) {
    const cell = document.createElement("th");
    cell.scope = "col";
    cell.textContent = i === 5 ? `final ${options.metric}` : heading;
    if (i === 5) cell.className = "num";
    head.append(cell);
  }
  const body = table.createTBody();
  for (const run of runs) body.append(runRow(run, options));
  return table;
}

function runRow(run: RunRow, options: RunsTableOptions): HTMLTableRowElement {
  const row = document.createElement("tr");
  row.dataset.testid = "run-row";
  row.dataset.runId = String(run.id);
  const box = document.createElement("input");
  box.type = "checkbox";
  box.checked = options.selected.has(run.id);
  box.setAttribute("aria-label", `compare ${runLabel(run)}`);
  box.dataset.testid = `select-run-${run.id}`;
  box.addEventListener("change", () => options.onToggle(run, box.checked));
  const pick = row.insertCell();
  pick.append(box);
  const status = row.insertCell();
  status.textContent = run.status;
  status.className = `run-status status-${run.status}`;
  if (run.error) status.title = run.error;
  row.insertCell().textContent = run.kind;
  const name = row.insertCell();
  name.textContent = runLabel(run);
  name.title = JSON.stringify(run.config);
  row.insertCell().textContent = run.sweepId ?? "";
  const metric = row.insertCell();
  metric.className = "num";
  metric.textContent = formatValue(finalNumber(run, options.metric));
  const started = row.insertCell();
  started.textContent = new Date(run.startedAt).toLocaleString();
  started.title = run.startedAt;
  return row;
}
