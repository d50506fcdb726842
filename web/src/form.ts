import { parsers, type Setup } from "./setup.ts";

// A form drawn from a table of fields: each control has a label, is reachable by keyboard, and
// checks its value with the setup's parser, showing the problem beside it instead of applying it.

export interface Field {
  key: keyof Setup;
  label: string;
  kind: "select" | "number" | "checkbox" | "range";
  options?: readonly string[];
  /** What a select shows for each of `options` (default the options themselves). */
  labels?: readonly string[];
  /** For number and range inputs. */
  step?: number;
  min?: number;
  max?: number;
  /** Shown only when this holds. */
  when?: (setup: Setup) => boolean;
}

export interface Form {
  /** Shows `setup`'s values and hides the fields that do not apply. */
  show(setup: Setup): void;
}

export function renderForm(
  container: HTMLElement,
  groups: [string, Field[]][],
  onChange: (key: keyof Setup, value: unknown) => void,
): Form {
  const rows: { field: Field; row: HTMLElement; input: HTMLInputElement | HTMLSelectElement }[] = [];
  for (const [title, fields] of groups) {
    const set = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = title;
    set.append(legend);
    for (const field of fields) {
      const { row, input } = control(field, onChange);
      rows.push({ field, row, input });
      set.append(row);
    }
    container.append(set);
  }
  return {
    show(setup) {
      for (const { field, row, input } of rows) {
        row.hidden = field.when ? !field.when(setup) : false;
        const value = setup[field.key];
        if (input instanceof HTMLInputElement && input.type === "checkbox") input.checked = value === true;
        else if (document.activeElement !== input) input.value = String(value);
        if (field.kind === "range") row.querySelector("output")!.textContent = String(value);
      }
    },
  };
}

function control(
  field: Field,
  onChange: (key: keyof Setup, value: unknown) => void,
): { row: HTMLElement; input: HTMLInputElement | HTMLSelectElement } {
  const row = document.createElement("div");
  row.className = "field";
  const id = `field-${field.key}`;
  const label = document.createElement("label");
  label.htmlFor = id;
  label.textContent = field.label;
  const input =
    field.kind === "select" ? select(field.options ?? [], field.labels) : document.createElement("input");
  input.id = id;
  input.dataset.testid = field.key;
  if (input instanceof HTMLInputElement) {
    input.type = field.kind === "checkbox" ? "checkbox" : field.kind;
    if (field.step !== undefined) input.step = String(field.step);
    if (field.min !== undefined) input.min = String(field.min);
    if (field.max !== undefined) input.max = String(field.max);
  }
  const problem = document.createElement("small");
  problem.className = "problem";
  problem.id = `${id}-problem`;
  input.setAttribute("aria-describedby", problem.id);
  input.addEventListener("change", () => {
    const text =
      input instanceof HTMLInputElement && input.type === "checkbox" ? String(input.checked) : input.value;
    try {
      const value = parsers[field.key](text);
      problem.textContent = "";
      input.removeAttribute("aria-invalid");
      onChange(field.key, value);
    } catch (error) {
      problem.textContent = (error as Error).message;
      input.setAttribute("aria-invalid", "true");
    }
  });
  row.append(label, input);
  if (field.kind === "range") {
    const output = document.createElement("output");
    output.htmlFor.add(id);
    input.addEventListener("input", () => (output.textContent = input.value));
    row.append(output);
  }
  row.append(problem);
  return { row, input };
}

function select(options: readonly string[], labels: readonly string[] = options): HTMLSelectElement {
  const element = document.createElement("select");
  options.forEach((value, i) => {
    element.add(new Option(labels[i] ?? value, value));
  });
  return element;
}
