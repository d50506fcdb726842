import { checkExhaustive } from "../../lab/wired/check.ts";
import { cloneWired, runWired, type WiredNet } from "../../lab/wired/net.ts";
import {
  Q5A_CORRECTED,
  Q5A_SEED,
  Q5B_CORRECTED_HIDDEN,
  Q5B_SEED_HIDDEN,
  Q5B_SEED_OUTPUT,
  q5aNetwork,
  q5bNetwork,
} from "../../lab/wired/networks.ts";
import { type BinaryTask, SEQUENCE_AND, SEQUENCE_EQUAL, taskTargets } from "../../lab/wired/tasks.ts";

// The network view: the seed's hand-wired networks (Q5a, Q5b), as the seed wrote them and as
// corrected, every weight editable, checked exhaustively after each edit, and run on an editable
// input sequence with every unit's value at every step.

interface Preset {
  title: string;
  net: () => WiredNet;
  task: BinaryTask;
  /** The input sequence shown at first. */
  example: string;
}

const presets: Record<string, Preset> = {
  "q5a-seed": {
    title: "Q5a as the seed wrote it",
    net: () => q5aNetwork(Q5A_SEED),
    task: SEQUENCE_AND,
    example: "1101",
  },
  "q5a-corrected": {
    title: "Q5a corrected",
    net: () => q5aNetwork(Q5A_CORRECTED, "Q5a (corrected)"),
    task: SEQUENCE_AND,
    example: "1101",
  },
  "q5b-seed": {
    title: "Q5b as the seed wrote it",
    net: () => q5bNetwork(Q5B_SEED_HIDDEN, Q5B_SEED_OUTPUT),
    task: SEQUENCE_EQUAL,
    example: "11 00 10",
  },
  "q5b-corrected": {
    title: "Q5b corrected",
    net: () => q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT, "Q5b (corrected)"),
    task: SEQUENCE_EQUAL,
    example: "11 00 10",
  },
};
export const presetNames = Object.keys(presets);

export function networkView(root: HTMLElement, presetName: string, save: (preset: string) => void): void {
  root.innerHTML = `
    <div class="network-view">
      <section class="panel" aria-label="Network">
        <div class="row">
          <label for="preset">network</label>
          <select id="preset" data-testid="preset"></select>
          <label for="max-length">check every input up to length</label>
          <input id="max-length" type="number" min="1" max="10" value="6" />
        </div>
        <p class="description"></p>
        <p class="verdict" data-testid="verdict" role="status"></p>
        <div class="trace"></div>
      </section>
      <section class="panel" aria-label="Weights">
        <div class="weights"></div>
      </section>
      <section class="panel" aria-label="Unrolled over time">
        <div class="row">
          <label for="sequence">input sequence</label>
          <input id="sequence" data-testid="sequence" />
          <span class="note" data-testid="sequence-problem" role="alert"></span>
        </div>
        <div class="unrolled"></div>
      </section>
    </div>`;
  const $ = <T extends HTMLElement>(selector: string) => root.querySelector(selector) as T;
  const select = $<HTMLSelectElement>("#preset");
  for (const [name, preset] of Object.entries(presets)) select.add(new Option(preset.title, name));
  let name = presetName in presets ? presetName : "q5b-seed";
  let net = presets[name].net();
  const sequence = $<HTMLInputElement>("#sequence");
  const maxLength = $<HTMLInputElement>("#max-length");

  function load(next: string): void {
    name = next;
    net = presets[name].net();
    select.value = name;
    sequence.value = presets[name].example;
    $(".description").textContent = `${net.description}. Task: ${presets[name].task.description}.`;
    drawWeights($(".weights"), net, refresh);
    refresh();
  }
  function refresh(): void {
    const task = presets[name].task;
    const n = Math.min(10, Math.max(1, Math.round(Number(maxLength.value)) || 6));
    const report = checkExhaustive(net, task, n);
    const total = report.totalByLength.reduce((a, b) => a + b, 0);
    const verdict = $('[data-testid="verdict"]');
    const trace = $(".trace");
    if (report.counterexample === null) {
      verdict.textContent = `correct on all ${total.toLocaleString()} input sequences up to length ${n}`;
      trace.replaceChildren();
    } else {
      const c = report.counterexample;
      verdict.textContent = `counterexample: ${c.text} gives y = ${c.got} at its last step, where the task wants ${c.expected} (${report.wrong.toLocaleString()} of ${report.outputs.toLocaleString()} outputs wrong)`;
      trace.replaceChildren(unrolled(net, task, c.inputs));
    }
    runSequence();
  }
  function runSequence(): void {
    const problem = $('[data-testid="sequence-problem"]');
    try {
      const inputs = parseSequence(sequence.value, presets[name].task.inputSize);
      problem.textContent = "";
      $(".unrolled").replaceChildren(unrolled(net, presets[name].task, inputs));
    } catch (error) {
      problem.textContent = (error as Error).message;
    }
  }
  select.addEventListener("change", () => {
    save(select.value);
    load(select.value);
  });
  maxLength.addEventListener("change", refresh);
  sequence.addEventListener("input", runSequence);
  load(name);
}

/** "1101" (one bit a step) or "11 00 10" (a pair a step) as inputs x_1..x_T. */
function parseSequence(text: string, width: number): number[][] {
  const steps = width === 1 ? [...text.replace(/\s+/g, "")] : text.trim().split(/\s+/);
  if (steps.length === 0 || steps[0] === "") throw new Error("type at least one step");
  return steps.map((step) => {
    if (!new RegExp(`^[01]{${width}}$`).test(step)) {
      throw new Error(width === 1 ? "type bits: 0 or 1 a step" : "type pairs of bits, one a step: 11 00 10");
    }
    return [...step].map(Number);
  });
}

/** Every weight, bias and initial state as a number input: data-testid weight-<param>-<row>-<col>. */
function drawWeights(container: HTMLElement, net: WiredNet, changed: () => void): void {
  container.replaceChildren();
  net.layers.forEach((layer, l) => {
    const parts: [string, string, number[][]][] = [
      [`l${l}-input`, `layer ${l}: input weights`, layer.inputWeights],
      [`l${l}-recurrent`, `layer ${l}: recurrent weights`, layer.recurrentWeights],
      [`l${l}-bias`, `layer ${l}: bias`, layer.bias.map((b) => [b])],
      [`l${l}-initial`, `layer ${l}: initial state`, layer.initial.map((h) => [h])],
    ];
    for (const [param, title, matrix] of parts) {
      container.append(
        matrixEditor(param, `${title} (${layer.activation})`, matrix, (row, col, value) => {
          if (param.endsWith("-input")) layer.inputWeights[row][col] = value;
          else if (param.endsWith("-recurrent")) layer.recurrentWeights[row][col] = value;
          else if (param.endsWith("-bias")) layer.bias[row] = value;
          else layer.initial[row] = value;
          changed();
        }),
      );
    }
  });
}

function matrixEditor(
  param: string,
  title: string,
  matrix: number[][],
  set: (row: number, col: number, value: number) => void,
): HTMLElement {
  const group = document.createElement("fieldset");
  group.className = "matrix";
  const legend = document.createElement("legend");
  legend.textContent = title;
  group.append(legend);
  matrix.forEach((values, row) => {
    const line = document.createElement("div");
    values.forEach((value, col) => {
      const input = document.createElement("input");
      input.type = "number";
      input.step = "any";
      input.value = String(value);
      input.dataset.testid = `weight-${param}-${row}-${col}`;
      input.setAttribute("aria-label", `${title}, row ${row}, column ${col}`);
      input.addEventListener("change", () => {
        const x = Number(input.value);
        if (input.value.trim() === "" || !Number.isFinite(x)) {
          input.setAttribute("aria-invalid", "true");
          return;
        }
        input.removeAttribute("aria-invalid");
        set(row, col, x);
      });
      line.append(input);
    });
    group.append(line);
  });
  return group;
}

/** A table: the inputs, every unit and the output at each step, with the task's answer; cells
 *  coloured by value (blue negative, red positive), the wrong outputs marked. */
function unrolled(net: WiredNet, task: BinaryTask, inputs: number[][]): HTMLTableElement {
  const run = runWired(cloneWired(net), inputs);
  const targets = taskTargets(task, inputs);
  const table = document.createElement("table");
  table.className = "unrolled-table";
  const row = (label: string, values: (number | string)[], mark?: (t: number) => boolean) => {
    const tr = table.insertRow();
    const th = document.createElement("th");
    th.scope = "row";
    th.textContent = label;
    tr.append(th);
    values.forEach((value, t) => {
      const td = tr.insertCell();
      td.textContent = typeof value === "number" ? format(value) : value;
      if (typeof value === "number") td.style.background = shade(value);
      if (mark?.(t)) td.className = "wrong";
    });
  };
  row(
    "t",
    inputs.map((_, t) => String(t + 1)),
  );
  row(
    task.inputSize === 1 ? "x_t" : "(m1, m2)_t",
    inputs.map((x) => x.join(",")),
  );
  net.layers.forEach((layer, l) => {
    layer.initial.forEach((_, unit) => {
      const name = layer.names?.[unit] ?? `h${l}.${unit}`;
      row(
        name,
        inputs.map((_, t) => run.states[l][t + 1][unit]),
      );
    });
  });
  const outputs = run.outputs.map((y) => y[0]);
  row("y_t", outputs, (t) => (outputs[t] >= 0.5 ? 1 : 0) !== targets[t]);
  row("task", targets);
  return table;
}

function format(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toFixed(3);
}

function shade(x: number): string {
  const a = Math.min(1, Math.abs(x)) * 0.55;
  return x >= 0 ? `rgba(214, 69, 65, ${a})` : `rgba(48, 86, 211, ${a})`;
}
