import { runWired, type WiredNet } from "../../lab/wired/net.js";
import { textHtml } from "../../src/report/math.js";
import { unrolledGraph } from "./network-graph.js";
import { entryId, type Param, paramsOf } from "./network-params.js";
import { type Preset, presets, type StepJudgement } from "./network-presets.js";
import { parseSequence, sequenceText } from "./network-sequence.js";
import { MAX_LENGTH, type NetworkSetup, presetSetup, queryOf, setupFromQuery } from "./network-url.js";

// The network view: the seed's hand-wired networks (Q1, Q5a, Q5b) as the seed wrote them and as
// corrected, unrolled over an editable input sequence as a graph, every weight editable (in the
// table or by clicking the graph), checked after each edit, the whole state in the URL.

export function networkView(root: HTMLElement, search: string, save: (query: string) => void): void {
  root.innerHTML = `
    <div class="network-view">
      <section class="panel network-main" aria-label="Network">
        <p class="message" data-testid="network-message" role="alert"></p>
        <div class="row">
          <label for="preset">network</label>
          <select id="preset" data-testid="preset"></select>
          <label for="max-length">check every input up to length</label>
          <input id="max-length" data-testid="max-length" type="number" min="${MAX_LENGTH.min}" max="${MAX_LENGTH.max}" step="1" />
        </div>
        <p class="description"></p>
        <div class="verdict-row">
          <p class="verdict" data-testid="verdict" role="status"></p>
          <button type="button" data-testid="show-counterexample">show it in the graph</button>
        </div>
        <div class="row">
          <label for="sequence">input sequence</label>
          <input id="sequence" data-testid="sequence" autocomplete="off" spellcheck="false" />
          <span class="problem" data-testid="sequence-problem" role="alert"></span>
        </div>
        <div class="graph" data-testid="graph"></div>
        <p class="legend">
          <span class="swatch negative"></span> negative weight <span class="swatch positive"></span> positive weight
          (width ∝ |w|; zero weights are not drawn) · units filled by their value:
          <span class="ramp"></span> −1 … 0 … 1 · a dashed red ring marks a wrong output · hover for values, click to edit
        </p>
        <details class="values">
          <summary>the same run as a table</summary>
          <div class="unrolled"></div>
        </details>
      </section>
      <section class="panel network-weights" aria-label="Weights">
        <p class="note-inline">Every weight, bias and initial state. Clicking an edge or a unit in the graph selects its number here.</p>
        <div class="weights"></div>
      </section>
    </div>`;
  const $ = <T extends HTMLElement>(selector: string) => root.querySelector(selector) as T;
  const select = $<HTMLSelectElement>("#preset");
  const maxLength = $<HTMLInputElement>("#max-length");
  const sequence = $<HTMLInputElement>("#sequence");
  const show = $<HTMLButtonElement>('[data-testid="show-counterexample"]');
  for (const [name, preset] of Object.entries(presets)) select.add(new Option(preset.title, name));

  const loaded = setupFromQuery(search);
  const state: NetworkSetup = loaded.setup;
  $('[data-testid="network-message"]').textContent = loaded.problems.join("; ");
  let counterexample: number[][] | null = null;
  let inputs: number[][] = [];
  const preset = (): Preset => presets[state.preset];

  function load(): void {
    select.value = state.preset;
    maxLength.value = String(state.maxLength);
    sequence.value = state.sequence;
    $(".description").textContent = `${state.net.description}. ${preset().check.description}`;
    drawWeights($(".weights"), state.net, () => {
      check();
      draw();
      save(queryOf(state));
    });
    check();
    readSequence();
  }
  function check(): void {
    const report = preset().check.run(state.net, state.maxLength);
    $('[data-testid="verdict"]').innerHTML = textHtml(report.verdict);
    counterexample = report.counterexample;
    show.hidden = counterexample === null;
  }
  function readSequence(): void {
    const problem = $('[data-testid="sequence-problem"]');
    try {
      inputs = parseSequence(sequence.value, preset().check.format);
      problem.textContent = "";
      markInvalid(sequence, false);
      state.sequence = sequence.value;
      draw();
    } catch (error) {
      problem.textContent = (error as Error).message;
      markInvalid(sequence, true);
    }
  }
  function draw(): void {
    const judged = preset().check.judgeSteps(state.net, inputs, runWired(state.net, inputs));
    $(".graph").replaceChildren(unrolledGraph({ net: state.net, inputs, judged, pick }));
    $(".unrolled").replaceChildren(valuesTable(state.net, inputs, judged));
  }
  function pick(target: string): void {
    const input = target === "sequence" ? sequence : $<HTMLInputElement>(`[data-testid="weight-${target}"]`);
    input.scrollIntoView({ block: "nearest" });
    input.focus();
    input.select();
  }

  select.addEventListener("change", () => {
    Object.assign(state, presetSetup(select.value, state.maxLength));
    $('[data-testid="network-message"]').textContent = "";
    load();
    save(queryOf(state));
  });
  maxLength.addEventListener("change", () => {
    const n = Number(maxLength.value);
    const valid = Number.isInteger(n) && n >= MAX_LENGTH.min && n <= MAX_LENGTH.max;
    markInvalid(maxLength, !valid);
    if (!valid) return;
    state.maxLength = n;
    check();
    save(queryOf(state));
  });
  sequence.addEventListener("input", () => {
    readSequence();
    save(queryOf(state));
  });
  show.addEventListener("click", () => {
    if (counterexample === null) return;
    sequence.value = sequenceText(counterexample, preset().check.format);
    readSequence();
    save(queryOf(state));
  });
  load();
}

function markInvalid(input: HTMLInputElement, invalid: boolean): void {
  if (invalid) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

/** Every weight, bias and initial state as a number input: data-testid weight-<param>-<row>-<col>. */
function drawWeights(container: HTMLElement, net: WiredNet, changed: () => void): void {
  container.replaceChildren(...paramsOf(net).map((param) => matrixEditor(param, changed)));
}

function matrixEditor(param: Param, changed: () => void): HTMLElement {
  const group = document.createElement("fieldset");
  group.className = "matrix";
  const legend = document.createElement("legend");
  legend.textContent = param.title;
  group.append(legend);
  for (let row = 0; row < param.rows; row++) {
    const line = document.createElement("div");
    for (let col = 0; col < param.cols; col++) {
      const input = document.createElement("input");
      input.type = "number";
      input.step = "any";
      input.value = String(param.get(row, col));
      input.dataset.testid = `weight-${entryId(param.id, row, col)}`;
      input.setAttribute("aria-label", `${param.title}, row ${row}, column ${col}`);
      input.addEventListener("input", () => {
        const x = Number(input.value);
        const valid = input.value.trim() !== "" && Number.isFinite(x);
        markInvalid(input, !valid);
        if (!valid || x === param.get(row, col)) return;
        param.set(row, col, x);
        changed();
      });
      line.append(input);
    }
    group.append(line);
  }
  return group;
}

/** The run as a table: the inputs, every unit and the output at each step, with what the check
 *  wants; cells coloured by value as in the graph, the wrong ones marked. */
function valuesTable(net: WiredNet, inputs: number[][], judged: StepJudgement[]): HTMLTableElement {
  const run = runWired(net, inputs);
  const table = document.createElement("table");
  table.className = "unrolled-table";
  const row = (label: string, values: (number | string)[], wrong?: (t: number) => boolean) => {
    const tr = table.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = label;
    tr.append(th);
    values.forEach((value, t) => {
      const td = tr.insertCell();
      td.textContent = typeof value === "number" ? format(value) : value;
      if (typeof value === "number") td.style.background = shade(value);
      if (wrong?.(t)) td.className = "wrong";
    });
  };
  row(
    "t",
    inputs.map((_, t) => String(t + 1)),
  );
  row(
    (net.inputNames ?? ["x"]).join(", "),
    inputs.map((x) => x.join(",")),
  );
  net.layers.forEach((layer, l) => {
    layer.initial.forEach((_, unit) => {
      row(
        layer.names?.[unit] ?? `h${l}.${unit}`,
        inputs.map((_, t) => run.states[l][t + 1][unit]),
        (t) =>
          unit === 0 &&
          ((l === 0 && judged[t].wrongHidden) ||
            (!net.readout && l === net.layers.length - 1 && judged[t].wrongOutput)),
      );
    });
  });
  if (judged[0]?.wantHidden != null)
    row(
      "wanted h",
      judged.map((j) => j.wantHidden ?? ""),
    );
  if (net.readout) {
    row(
      net.readout.names?.[0] ?? "y",
      run.outputs.map((y) => y[0]),
      (t) => judged[t].wrongOutput,
    );
  }
  row(
    "wanted y",
    judged.map((j) => j.wantOutput),
  );
  return table;
}

function format(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}

function shade(x: number): string {
  return `color-mix(in srgb, var(--${x < 0 ? "neg" : "pos"}) ${Math.round(Math.min(1, Math.abs(x)) * 55)}%, transparent)`;
}
