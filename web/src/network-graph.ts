import { runWired, type WiredNet } from "../../lab/wired/net.js";
import { formatNumber } from "../../src/report/index.js";
import { entryId, entrySymbol, type Param, paramsOf } from "./network-params.js";
import type { StepJudgement } from "./network-presets.js";

// The network unrolled over time as an SVG graph: a column per step t (t = 0 holds the initial
// states), a row per layer (input at the bottom, output on top), a layer's units side by side.
// Edges: input→hidden and hidden→output within a step, hidden(t−1)→hidden(t) between steps, coloured
// by the weight's sign, width ∝ |w|, zero weights left out. Units filled by their value at that step.
// Clicking an edge or a unit asks `pick` to edit its weight, bias, initial state or the sequence.

const SVG = "http://www.w3.org/2000/svg";

interface Row {
  kind: "input" | "layer" | "readout";
  /** The layer's index (kind "layer"). */
  layer: number;
  names: string[];
  y: number;
}

interface Geometry {
  spacing: number;
  radius: number;
  column: number;
  left: number;
  top: number;
  rowHeight: number;
}

export interface GraphData {
  net: WiredNet;
  inputs: number[][];
  judged: StepJudgement[];
  /** An entry id ("l0-bias-0-0") to edit, or "sequence". */
  pick: (target: string) => void;
}

const unitNames = (prefix: string, n: number) =>
  n === 1 ? [prefix] : Array.from({ length: n }, (_, k) => `${prefix}${k + 1}`);

function rowsOf(net: WiredNet): Row[] {
  const width = net.layers[0].inputWeights[0]?.length ?? 0;
  const rows: Row[] = [{ kind: "input", layer: -1, names: net.inputNames ?? unitNames("x", width), y: 0 }];
  net.layers.forEach((layer, l) => {
    const prefix = net.layers.length === 1 ? "h" : `h${l + 1}.`;
    rows.push({ kind: "layer", layer: l, names: layer.names ?? unitNames(prefix, layer.size), y: 0 });
  });
  if (net.readout) {
    rows.push({
      kind: "readout",
      layer: -1,
      names: net.readout.names ?? unitNames("y", net.readout.bias.length),
      y: 0,
    });
  }
  return rows;
}

function geometryOf(rows: Row[]): Geometry {
  const widest = Math.max(...rows.map((row) => row.names.length));
  const small = widest <= 4;
  const spacing = small ? 84 : 30;
  const radius = small ? 15 : 11;
  // The row labels take 70 px; the widest row of the t = 0 column must clear them.
  const left = 70 + radius + ((widest - 1) / 2) * spacing + 8;
  return { spacing, radius, column: Math.max(124, widest * spacing + 40), left, top: 34, rowHeight: 96 };
}

const unitX = (g: Geometry, t: number, k: number, n: number) =>
  g.left + t * g.column + (k - (n - 1) / 2) * g.spacing;

function element<K extends keyof SVGElementTagNameMap>(
  tag: K,
  attributes: Record<string, string | number>,
  parent?: Element,
): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) node.setAttribute(name, String(value));
  parent?.append(node);
  return node;
}

function title(parent: Element, text: string): void {
  element("title", {}, parent).textContent = text;
}

/** Exact enough for hover text: 6 significant digits, a real minus sign. */
const exact = (v: number) => formatNumber(v, 6).replace(/^-/, "−");

/** Inside a unit: 2 significant digits, "≈" where that rounds ("≈1" for 0.99995, "≈0" for 4.5e-5). */
function short(v: number): string {
  const rounded = Math.abs(v) < 0.005 ? 0 : Number(v.toPrecision(2));
  const text = rounded === v || !Number.isInteger(rounded) ? String(rounded) : `≈${rounded}`;
  return text.replace("-", "−");
}

/** A fill between the background (0) and the sign's colour (|v| >= 1). */
const fillOf = (v: number) =>
  `color-mix(in srgb, var(--${v < 0 ? "neg" : "pos"}) ${Math.round(Math.min(1, Math.abs(v)) * 80)}%, var(--bg))`;

/** Pre-activations z^l_t (t = 1..T, index t − 1) of every layer and of the readout. */
function preActivations(net: WiredNet, inputs: number[][], states: number[][][]) {
  const layers = net.layers.map((layer, l) =>
    inputs.map((x, i) => {
      const below = l === 0 ? x : states[l - 1][i + 1];
      const prev = states[l][i];
      return layer.bias.map(
        (b, j) =>
          b +
          layer.inputWeights[j].reduce((a, w, k) => a + w * below[k], 0) +
          layer.recurrentWeights[j].reduce((a, w, k) => a + w * prev[k], 0),
      );
    }),
  );
  const top = states[states.length - 1];
  const readout = net.readout;
  const out = readout
    ? inputs.map((_, i) =>
        readout.bias.map((b, o) => b + readout.weights[o].reduce((a, w, k) => a + w * top[i + 1][k], 0)),
      )
    : null;
  return { layers, readout: out };
}

export function unrolledGraph(data: GraphData): SVGSVGElement {
  const { net, inputs, judged, pick } = data;
  const T = inputs.length;
  const run = runWired(net, inputs);
  const z = preActivations(net, inputs, run.states);
  const rows = rowsOf(net);
  const g = geometryOf(rows);
  rows.forEach((row, r) => {
    row.y = g.top + (rows.length - 1 - r) * g.rowHeight + g.radius + 14;
  });
  const width = g.left + T * g.column + g.column / 2 + 16;
  const height = rows[0].y + g.radius + 16;
  const svg = element("svg", {
    class: "unrolled-graph",
    width,
    height,
    viewBox: `0 0 ${width} ${height}`,
    role: "img",
    "aria-label": `${net.name} unrolled over ${T} steps`,
  });
  markers(svg);
  const edges = element("g", { class: "edges" }, svg);
  const units = element("g", { class: "units" }, svg);
  const params = new Map(paramsOf(net).map((p) => [p.id, p]));
  const maxWeight = Math.max(
    1e-12,
    ...[...params.values()]
      .filter((p) => !p.vector)
      .flatMap((p) => [...entries(p)].map(([, , w]) => Math.abs(w))),
  );
  labels(svg, rows, g, T);

  const wantText = (t: number, hidden: boolean) => {
    const j = judged[t - 1];
    if (!j) return "";
    const want = hidden ? j.wantHidden : j.wantOutput;
    return want === null
      ? ""
      : `; the check wants ${exact(want)}${(hidden ? j.wrongHidden : j.wrongOutput) ? " (wrong)" : ""}`;
  };
  const outputRow = rows[rows.length - 1];

  // Units.
  rows.forEach((row) => {
    const n = row.names.length;
    for (let t = row.kind === "layer" ? 0 : 1; t <= T; t++) {
      for (let j = 0; j < n; j++) {
        const x = unitX(g, t, j, n);
        let value: number;
        let hover: string;
        let target: string;
        let wrong = false;
        if (row.kind === "input") {
          value = inputs[t - 1][j];
          hover = `${row.names[j]} at t=${t} = ${exact(value)}; click to edit the sequence`;
          target = "sequence";
        } else if (row.kind === "layer") {
          value = run.states[row.layer][t][j];
          if (t === 0) {
            target = entryId(`l${row.layer}-initial`, j, 0);
            hover = `${row.names[j]} at t=0 = ${exact(value)} (the initial state); click to edit it`;
          } else {
            target = entryId(`l${row.layer}-bias`, j, 0);
            const pre = z.layers[row.layer][t - 1][j];
            const isOutput = row === outputRow && j === 0;
            const isQ1Hidden = row.layer === 0 && j === 0 && judged[t - 1]?.wantHidden != null;
            wrong = (isOutput && judged[t - 1]?.wrongOutput) || (isQ1Hidden && judged[t - 1]?.wrongHidden);
            hover =
              `${row.names[j]} at t=${t} = ${exact(value)} (pre-activation ${exact(pre)})` +
              `${isOutput ? wantText(t, false) : isQ1Hidden ? wantText(t, true) : ""}; click to edit its bias`;
          }
        } else {
          value = run.outputs[t - 1][j];
          target = entryId("readout-bias", j, 0);
          wrong = j === 0 && judged[t - 1]?.wrongOutput;
          hover =
            `${row.names[j]} at t=${t} = ${exact(value)} (pre-activation ${exact(z.readout![t - 1][j])})` +
            `${j === 0 ? wantText(t, false) : ""}; click to edit its bias`;
        }
        const unit = element(
          "g",
          { class: `unit${wrong ? " wrong" : ""}`, "data-unit": `${row.names[j]}@${t}` },
          units,
        );
        unit.addEventListener("click", () => pick(target));
        element("circle", { cx: x, cy: row.y, r: g.radius, style: `fill: ${fillOf(value)}` }, unit);
        if (wrong) element("circle", { cx: x, cy: row.y, r: g.radius + 5, class: "ring" }, unit);
        const text = element(
          "text",
          { x, y: row.y, "text-anchor": "middle", "dominant-baseline": "central" },
          unit,
        );
        text.textContent = short(value);
        title(unit, hover);
        if (t === 1 && row.kind !== "input") biasLabel(units, row, j, x, g, params, pick);
      }
    }
  });

  // Edges: into each layer from below and from its own previous step, into the readout.
  const edge = (
    param: Param,
    j: number,
    k: number,
    from: [number, number],
    to: [number, number],
    bend: number,
    first: boolean,
    what: string,
  ) => {
    const w = param.get(j, k);
    if (w === 0) return;
    const id = entryId(param.id, j, k);
    const sign = w < 0 ? "negative" : "positive";
    const group = element("g", { class: `edge ${sign}`, "data-sign": sign, "data-weight": id }, edges);
    const d = pathOf(from, to, g.radius, bend);
    element("path", { d, class: "hit" }, group);
    element(
      "path",
      {
        d,
        class: "stroke",
        "stroke-width": (1 + (3 * Math.abs(w)) / maxWeight).toFixed(2),
        "marker-end": `url(#arrow-${sign})`,
      },
      group,
    );
    title(group, `${entrySymbol(param, j, k)} = ${exact(w)}: ${what}; click to edit`);
    group.addEventListener("click", () => pick(id));
    if (first) weightLabel(edges, from, to, bend, w, sign);
  };
  rows.forEach((row, r) => {
    if (row.kind === "input") return;
    const below = rows[r - 1];
    const n = row.names.length;
    const m = below.names.length;
    const into = params.get(row.kind === "layer" ? `l${row.layer}-input` : "readout-weights")!;
    const recurrent = row.kind === "layer" ? params.get(`l${row.layer}-recurrent`)! : null;
    for (let t = 1; t <= T; t++) {
      for (let j = 0; j < n; j++) {
        const to: [number, number] = [unitX(g, t, j, n), row.y];
        for (let k = 0; k < m; k++) {
          const from: [number, number] = [unitX(g, t, k, m), below.y];
          edge(into, j, k, from, to, 0, t === 1, `${below.names[k]} → ${row.names[j]} at the same step`);
        }
        if (!recurrent) continue;
        for (let k = 0; k < n; k++) {
          const from: [number, number] = [unitX(g, t - 1, k, n), row.y];
          const bend = n === 1 ? 0 : 12 + 0.16 * Math.abs(to[0] - from[0]) + 6 * Math.abs(j - k);
          edge(recurrent, j, k, from, to, bend, t === 1, `${row.names[k]} at t−1 → ${row.names[j]} at t`);
        }
      }
    }
  });
  return svg;
}

function* entries(p: Param): Generator<[number, number, number]> {
  for (let row = 0; row < p.rows; row++)
    for (let col = 0; col < p.cols; col++) yield [row, col, p.get(row, col)];
}

/** A line (or a curve bowing up by `bend`) between two unit centres, cut at the circles. */
function pathOf(from: [number, number], to: [number, number], r: number, bend: number): string {
  const [x1, y1] = from;
  const [x2, y2] = to;
  const cx = (x1 + x2) / 2;
  const cy = (y1 + y2) / 2 - bend;
  const cut = (ax: number, ay: number, bx: number, by: number, by_: number) => {
    const len = Math.hypot(bx - ax, by - ay) || 1;
    return [ax + ((bx - ax) * by_) / len, ay + ((by - ay) * by_) / len];
  };
  const [sx, sy] = bend === 0 ? cut(x1, y1, x2, y2, r) : cut(x1, y1, cx, cy, r);
  const [ex, ey] = bend === 0 ? cut(x2, y2, x1, y1, r + 2) : cut(x2, y2, cx, cy, r + 2);
  const f = (v: number) => v.toFixed(1);
  return bend === 0
    ? `M${f(sx)},${f(sy)}L${f(ex)},${f(ey)}`
    : `M${f(sx)},${f(sy)}Q${f(cx)},${f(cy)} ${f(ex)},${f(ey)}`;
}

/** The weight's value on its edge in the first step (the same weights serve every step). */
function weightLabel(
  parent: Element,
  from: [number, number],
  to: [number, number],
  bend: number,
  w: number,
  sign: string,
): void {
  // 30% of the way back from the target: each unit's incoming weights sit near it.
  const x = to[0] + 0.3 * (from[0] - to[0]);
  const y = to[1] + 0.3 * (from[1] - to[1]) - (bend > 0 ? 0.84 * bend : 0);
  const text = element(
    "text",
    { x, y, class: `weight-label ${sign}`, "text-anchor": "middle", "dominant-baseline": "central" },
    parent,
  );
  text.textContent = exact(w);
}

/** A nonzero bias beside its unit in the first step: to its right, or above that where a straight
 *  recurrent edge leaves the unit's right side. */
function biasLabel(
  parent: Element,
  row: Row,
  j: number,
  x: number,
  g: Geometry,
  params: Map<string, Param>,
  pick: (target: string) => void,
): void {
  const id = row.kind === "readout" ? "readout-bias" : `l${row.layer}-bias`;
  const b = params.get(id)!.get(j, 0);
  if (b === 0) return;
  const straightRecurrence =
    row.kind === "layer" && row.names.length === 1 && params.get(`l${row.layer}-recurrent`)!.get(0, 0) !== 0;
  const at = straightRecurrence
    ? { x: x + 6, y: row.y - g.radius - 6 }
    : { x: x + g.radius + 4, y: row.y + 4 };
  const text = element("text", { ...at, class: "bias-label" }, parent);
  text.textContent = `b ${b < 0 ? "−" : "+"}${exact(Math.abs(b))}`;
  title(
    text,
    `${entrySymbol(params.get(id)!, j, 0)} = ${exact(b)}: the bias of ${row.names[j]}; click to edit`,
  );
  text.addEventListener("click", () => pick(entryId(id, j, 0)));
}

/** Row names on the left (what the row is, then its units left to right), step numbers on top. */
function labels(svg: SVGSVGElement, rows: Row[], g: Geometry, T: number): void {
  const group = element("g", { class: "axis-labels" }, svg);
  const top = rows[rows.length - 1];
  for (const row of rows) {
    const role =
      row.kind === "input"
        ? "input"
        : row.kind === "readout" || row === top
          ? "output"
          : `layer ${row.layer}`;
    const n = row.names.length;
    const names = n <= 3 ? row.names.join(" ") : `${row.names[0]} … ${row.names[n - 1]}`;
    element("text", { x: 8, y: row.y - 7, class: "role" }, group).textContent = role;
    element("text", { x: 8, y: row.y + 9, class: "names" }, group).textContent = names;
  }
  for (let t = 0; t <= T; t++) {
    const text = element("text", { x: g.left + t * g.column, y: 14, "text-anchor": "middle" }, group);
    text.textContent = `t = ${t}`;
  }
}

function markers(svg: SVGSVGElement): void {
  const defs = element("defs", {}, svg);
  for (const sign of ["positive", "negative"]) {
    const marker = element(
      "marker",
      {
        id: `arrow-${sign}`,
        viewBox: "0 0 10 10",
        refX: 8,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        markerUnits: "userSpaceOnUse",
        orient: "auto-start-reverse",
        class: `arrow ${sign}`,
      },
      defs,
    );
    element("path", { d: "M0,0L10,5L0,10z" }, marker);
  }
}
