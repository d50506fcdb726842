import type { ExperimentInfo, Question, Verdict } from "../../lab/types.ts";
import { warmUpFigures } from "./lab-figures.ts";
import { ClaimRow, type RowState } from "./lab-row.ts";
import type { LabReply } from "./lab-protocol.ts";
import { LabRunner } from "./lab-runner.ts";

// The Lab view: the seed's claims grouped by question, each claim's quick experiment run in a worker
// one after the other as the view opens (as `rnnlab lab --quick`), with an overall progress bar; a
// claim's Run button computes it again from scratch.

/** The states of a row that has an answer, in the order the counts list them. */
const ANSWERS: readonly RowState[] = ["holds", "partly", "fails", "inconclusive", "error"];
const SETTLED: ReadonlySet<RowState> = new Set(ANSWERS);

export function labView(root: HTMLElement): void {
  root.innerHTML = `
    <div class="lab-view">
      <header class="lab-head">
        <div class="lab-about">
          <h1>The seed's claims, computed</h1>
          <p>Each claim's quick experiment (seed 1, the verdicts of <code>rnnlab lab --quick</code>) runs in a
          worker, one claim after the other. Open a claim for its evidence, correction, tables and figures;
          its Run button computes it again from scratch.</p>
        </div>
        <div class="lab-overall">
          <label for="lab-progress" data-testid="lab-progress-label">Loading the lab…</label>
          <progress id="lab-progress" data-testid="lab-progress" value="0"></progress>
          <p class="lab-counts" data-testid="lab-counts" aria-live="polite"></p>
          <button type="button" data-testid="run-all" disabled>Run all again</button>
        </div>
        <p class="message" role="alert" data-testid="message"></p>
      </header>
      <div class="lab-questions"></div>
    </div>`;
  const $ = <T extends HTMLElement>(selector: string) => root.querySelector(selector) as T;
  const rows = new Map<string, ClaimRow>();
  const failures = new Map<string, string>();
  const runAll = $<HTMLButtonElement>('[data-testid="run-all"]');
  const message = $('[data-testid="message"]');

  const update = () => {
    const all = [...rows.values()];
    const settled = all.filter((row) => SETTLED.has(row.state)).length;
    const bar = $<HTMLProgressElement>("#lab-progress");
    bar.max = all.length;
    bar.value = settled;
    $('[data-testid="lab-progress-label"]').textContent = `${settled} of ${all.length} claims`;
    $('[data-testid="lab-counts"]').innerHTML = countsHtml(all);
    runAll.disabled = runner.busy;
    if (failures.size === 1)
      message.textContent = [...failures].map(([id, why]) => `${id} failed: ${why}`)[0];
    else if (failures.size > 1)
      message.textContent = `${failures.size} claims failed (${[...failures.keys()].join(", ")}); each row says why`;
    else message.textContent = "";
  };
  const row = (id: string) => rows.get(id);

  const runner = new LabRunner(new Worker(new URL("./lab-worker.ts", import.meta.url), { type: "module" }), {
    catalogue(reply) {
      buildQuestions($(".lab-questions"), reply, rows, (id) => runner.runNow(id));
      runner.runAll([...rows.keys()]);
      update();
      warmUpFigures();
    },
    queued(id) {
      row(id)?.queued();
      update();
    },
    started(id) {
      row(id)?.started();
      update();
    },
    progress: (id, text) => row(id)?.progress(text),
    done(id, result, seconds) {
      failures.delete(id);
      row(id)?.done(result, seconds);
      update();
    },
    failed(id, why) {
      failures.set(id, why);
      row(id)?.failed(why);
      update();
    },
    broken(why) {
      update();
      message.textContent = why;
    },
  });
  runAll.addEventListener("click", () => runner.runAll([...rows.keys()]));

  let resizing = 0;
  window.addEventListener("resize", () => {
    clearTimeout(resizing);
    resizing = window.setTimeout(() => {
      for (const r of rows.values()) r.redraw();
    }, 200);
  });
}

/** A heading and a list of rows per question, in the catalogue's (CLAIMS.md) order. */
function buildQuestions(
  host: HTMLElement,
  catalogue: Extract<LabReply, { type: "catalogue" }>,
  rows: Map<string, ClaimRow>,
  onRun: (id: string) => void,
): void {
  const byQuestion = new Map<Question, ExperimentInfo[]>();
  for (const claim of catalogue.claims)
    byQuestion.set(claim.question, [...(byQuestion.get(claim.question) ?? []), claim]);
  for (const [question, claims] of byQuestion) {
    const section = document.createElement("section");
    section.className = "lab-question";
    const heading = document.createElement("h2");
    heading.textContent = catalogue.questions[question];
    const list = document.createElement("ol");
    list.className = "claims";
    for (const claim of claims) {
      const r = new ClaimRow(claim, catalogue.tones as Record<Verdict, string>, onRun);
      rows.set(claim.id, r);
      list.append(r.element);
    }
    section.append(heading, list);
    host.append(section);
  }
}

/** "holds 13 · partly 6 · …": how many rows show each verdict (and errors), coloured by tone. */
function countsHtml(rows: ClaimRow[]): string {
  return ANSWERS.map((state) => rows.filter((r) => r.state === state))
    .filter((same) => same.length > 0)
    .map((same) => `<span class="tone-${same[0].tone}">${same[0].state} ${same.length}</span>`)
    .join(" · ");
}
