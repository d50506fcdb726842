import type { RunFilter, RunRow, SweepRow } from "../../node/store/types.ts";
import { fetchRun, fetchRuns, fetchSweeps } from "./runs-api.ts";
import { drawComparison } from "./runs-compare.ts";
import { CURVES, type RunDetail, rankedByMetric } from "./runs-model.ts";
import { runsTable } from "./runs-table.ts";

// The Runs view (?view=runs): the run store that `rnnlab ui --store` reads (runs/store.sqlite by
// default), as a table filtered by kind, status and sweep; the runs ticked in it are compared below
// (runs-compare.ts). Picking a sweep lists its trials best first by the sweep's metric.

/** The newest runs listed at most (a sweep's trials included). */
const LIMIT = 500;
/** While a listed run is running, the list (and the running runs' curves) reload this often. */
const LIVE_MS = 3000;

const KINDS = ["train", "lab", "trial"];
const STATUSES = ["running", "finished", "failed", "killed", "stopped"];

const EMPTY = `<p data-testid="runs-empty">The run store is empty. Every <code>rnnlab train</code> and every
  trial of <code>rnnlab sweep SPEC.yaml</code> is recorded in <code>runs/store.sqlite</code> under the folder
  it runs in; start <code>rnnlab ui</code> from that folder (or give <code>--store PATH</code>) to see them here.</p>`;

export function runsView(root: HTMLElement): void {
  root.innerHTML = `
    <div class="runs-view">
      <section class="panel" aria-label="Runs">
        <div class="row">
          <label for="runs-kind">kind</label><select id="runs-kind" data-testid="runs-kind">${options(KINDS)}</select>
          <label for="runs-status">status</label><select id="runs-status" data-testid="runs-status">${options(STATUSES)}</select>
          <label for="runs-sweep">sweep</label><select id="runs-sweep" data-testid="runs-sweep"><option value="">all runs</option></select>
          <button type="button" data-testid="runs-refresh">Refresh</button>
        </div>
        <p class="note-line" role="status" data-testid="runs-summary"></p>
        <p class="message" role="alert" data-testid="message"></p>
        <div class="table-wrap" data-testid="runs-list"></div>
      </section>
      <section class="panel" aria-label="Compare runs" data-testid="runs-compare" hidden>
        <div class="row">
          <label for="runs-curve">curve</label><select id="runs-curve" data-testid="runs-curve"></select>
          <button type="button" data-testid="runs-clear">Clear the selection</button>
        </div>
        <div class="runs-chart" data-testid="runs-chart"></div>
        <div class="runs-tables" data-testid="runs-tables"></div>
      </section>
    </div>`;
  const $ = <T extends HTMLElement>(id: string) => root.querySelector(`[data-testid="${id}"]`) as T;
  const kind = $<HTMLSelectElement>("runs-kind");
  const status = $<HTMLSelectElement>("runs-status");
  const sweep = $<HTMLSelectElement>("runs-sweep");
  const curve = $<HTMLSelectElement>("runs-curve");
  const compare = $("runs-compare");
  const message = $("message");
  curve.append(...CURVES.map((c, i) => new Option(c.label, String(i))));

  let sweeps: SweepRow[] = [];
  const selected = new Map<number, RunRow>();
  const details = new Map<number, Promise<RunDetail>>();
  let listed = 0;
  let compared = 0;
  const fail = (error: unknown) => {
    message.textContent = error instanceof Error ? error.message : String(error);
  };

  async function loadSweeps(): Promise<void> {
    sweeps = await fetchSweeps();
    const chosen = sweep.value;
    sweep.replaceChildren(
      new Option("all runs", ""),
      ...sweeps.map((s) => new Option(`${s.name} (${s.id}, ${s.status})`, s.id)),
    );
    sweep.value = sweeps.some((s) => s.id === chosen) ? chosen : "";
  }

  async function list(): Promise<void> {
    const ticket = ++listed;
    const filter: RunFilter = { limit: LIMIT };
    if (kind.value) filter.kind = kind.value as RunFilter["kind"];
    if (status.value) filter.status = status.value as RunFilter["status"];
    if (sweep.value) filter.sweepId = sweep.value;
    const runs = await fetchRuns(filter);
    if (ticket !== listed) return;
    const chosen = sweeps.find((s) => s.id === sweep.value);
    const shown = chosen ? rankedByMetric(runs, chosen.metric, chosen.goal) : runs;
    const holder = $("runs-list");
    const unfiltered = !kind.value && !status.value && !sweep.value;
    if (shown.length === 0 && unfiltered) {
      holder.innerHTML = EMPTY;
      $("runs-summary").textContent = "";
      return;
    }
    const metric = chosen?.metric ?? "valLoss";
    holder.replaceChildren(
      runsTable(shown, { metric, selected: new Set(selected.keys()), onToggle: toggle }),
    );
    const running = shown.filter((r) => r.status === "running");
    const live = running.length > 0 ? `; ${running.length} running, updated every ${LIVE_MS / 1000} s` : "";
    $("runs-summary").textContent = summary(shown.length, chosen) + live;
    follow(running);
  }

  /** Reloads the list in LIVE_MS while runs are running, and the curves of the ticked ones. */
  let liveTimer: ReturnType<typeof setTimeout> | null = null;
  function follow(running: readonly RunRow[]): void {
    if (liveTimer !== null) clearTimeout(liveTimer);
    liveTimer = null;
    if (running.length === 0 || !root.isConnected) return;
    liveTimer = setTimeout(() => {
      for (const run of running) details.delete(run.id);
      list()
        .then(() => (running.some((r) => selected.has(r.id)) ? showComparison() : undefined))
        .catch(fail);
    }, LIVE_MS);
  }

  function toggle(run: RunRow, on: boolean): void {
    if (on) selected.set(run.id, run);
    else selected.delete(run.id);
    showComparison().catch(fail);
  }

  async function showComparison(): Promise<void> {
    const ticket = ++compared;
    compare.hidden = selected.size === 0;
    if (selected.size === 0) return;
    const ids = [...selected.keys()];
    for (const id of ids) if (!details.has(id)) details.set(id, fetchRun(id));
    const runs = await Promise.all(ids.map((id) => details.get(id)!));
    if (ticket !== compared) return;
    drawComparison(compare, runs, CURVES[Number(curve.value)]);
  }

  async function refresh(): Promise<void> {
    message.textContent = "";
    details.clear();
    await loadSweeps();
    await list();
    await showComparison();
  }

  const relist = () => {
    message.textContent = "";
    list().catch(fail);
  };
  kind.addEventListener("change", relist);
  status.addEventListener("change", relist);
  sweep.addEventListener("change", relist);
  curve.addEventListener("change", () => showComparison().catch(fail));
  $("runs-refresh").addEventListener("click", () => refresh().catch(fail));
  $("runs-clear").addEventListener("click", () => {
    selected.clear();
    for (const box of root.querySelectorAll<HTMLInputElement>('[data-testid="runs-list"] input'))
      box.checked = false;
    showComparison().catch(fail);
  });
  refresh().catch(fail);
}

function options(values: readonly string[]): string {
  return `<option value="">all</option>${values.map((v) => `<option>${v}</option>`).join("")}`;
}

function summary(count: number, sweep: SweepRow | undefined): string {
  const runs = count === 1 ? "1 run" : `${count} runs`;
  const newest = count >= LIMIT ? ` (the newest ${LIMIT})` : "";
  if (!sweep)
    return count === 0
      ? "No run matches these filters."
      : `${runs}${newest}, newest first; tick runs to compare them.`;
  const trials = count === 1 ? "1 trial" : `${count} trials`;
  return `${sweep.name}: ${trials}${newest}, best first by final ${sweep.metric} (${sweep.goal}); tick trials to compare them.`;
}
