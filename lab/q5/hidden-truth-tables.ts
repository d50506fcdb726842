// Q5b.hidden: the hidden step units h(t) = step(W m(t) + b) against the truth tables the seed gives
// them, h_1 "both 0" and h_2 "both 1", on the four input pairs; for each unit, the biases that would
// match with its weights, and the network with the corrected biases checked on the task.

import { type Figure, formatNumber, type Table } from "../../src/report/index.js";
import { defineExperiment, type LabContext, type Verdict } from "../types.js";
import { applyActivation } from "../wired/net.js";
import { Q5B_SEED_HIDDEN, Q5B_SEED_OUTPUT, type Q5bHidden, q5bNetwork } from "../wired/networks.js";
import { checkNet, describeCheck, type NetCheck, networksTable } from "../wired/summary.js";
import { binaryAlphabet, SEQUENCE_EQUAL } from "../wired/tasks.js";

export interface HiddenStated {
  /** The seed's matrix form: W = [[−1, −1], [1, 1]], b = [3/2, −3/2]. */
  hidden: Q5bHidden;
  /** The seed's other reading of unit `unit` (h_1): w11 = 1, w12 = −1, b1 = 3/2. */
  alternative: { unit: number; weights: number[]; bias: number };
  /** The truth tables the seed gives, over (m1, m2) = 00, 01, 10, 11: h_1 "both 0", h_2 "both 1". */
  truthTables: number[][];
}

/** One unit as the seed writes it, on the four input pairs. */
export interface UnitReading {
  label: string;
  unit: number;
  weights: number[];
  bias: number;
  outputs: number[];
  table: number[];
  /** The input pairs ("01", …) where the unit's output is not its truth table's. */
  wrongAt: string[];
  /** The biases with which these weights would match the table: [low, high), or null if none. */
  biasInterval: [number, number] | null;
}

export interface HiddenData {
  /** The matrix form's units, then the other reading. */
  readings: UnitReading[];
  /** The matrix form with each failing unit's bias taken from its interval. */
  corrected: Q5bHidden;
  correctedTablesMatch: boolean;
  /** The corrected hidden layer under the seed's output unit, on the task. */
  network: NetCheck;
  /** For the figure: how many of h_1's four rows hold as its bias sweeps, with the matrix form's
   *  weights and with the other reading's. */
  biasSweep: { biases: number[]; matrixForm: number[]; alternative: number[] };
}

const PATTERNS = binaryAlphabet(2);
const unitOutputs = (w: readonly number[], b: number) =>
  PATTERNS.map((m) => applyActivation("step", w[0] * m[0] + w[1] * m[1] + b));

/** The biases b with step(w·m + b) = table(m) on the four patterns: [low, high), or null if none. */
export function biasInterval(w: readonly number[], table: readonly number[]): [number, number] | null {
  let low = Number.NEGATIVE_INFINITY;
  let high = Number.POSITIVE_INFINITY;
  PATTERNS.forEach((m, k) => {
    const s = w[0] * m[0] + w[1] * m[1];
    if (table[k] === 1) low = Math.max(low, -s);
    else high = Math.min(high, -s);
  });
  return low < high ? [low, high] : null;
}

/** A bias inside [low, high): the midpoint, or one half past a finite end when the other is infinite. */
export function pickBias([low, high]: [number, number]): number {
  if (Number.isFinite(low) && Number.isFinite(high)) return (low + high) / 2;
  return Number.isFinite(low) ? low + 1 / 2 : high - 1 / 2;
}

function readUnit(
  label: string,
  unit: number,
  weights: number[],
  bias: number,
  table: number[],
): UnitReading {
  const outputs = unitOutputs(weights, bias);
  const wrongAt = PATTERNS.filter((_, k) => outputs[k] !== table[k]).map((m) => m.join(""));
  return { label, unit, weights, bias, outputs, table, wrongAt, biasInterval: biasInterval(weights, table) };
}

function measureHidden(stated: HiddenStated, ctx: LabContext): HiddenData {
  ctx.progress("Q5b.hidden: the hidden units against their truth tables");
  const { hidden, alternative: alt, truthTables } = stated;
  const readings = [
    ...hidden.W.map((w, j) =>
      readUnit(
        `$h_${j + 1}$: $w = [${w.join(", ")}]$, $b = ${hidden.b[j]}$`,
        j,
        w,
        hidden.b[j],
        truthTables[j],
      ),
    ),
    readUnit(
      `$h_${alt.unit + 1}$ as also written: $w = [${alt.weights.join(", ")}]$, $b = ${alt.bias}$`,
      alt.unit,
      alt.weights,
      alt.bias,
      truthTables[alt.unit],
    ),
  ];
  const corrected: Q5bHidden = {
    W: hidden.W.map((w) => w.slice()),
    b: hidden.b.map((b, j) => {
      const interval = readings[j].biasInterval;
      return readings[j].wrongAt.length === 0 || !interval ? b : pickBias(interval);
    }),
  };
  const biases = Array.from({ length: 61 }, (_, k) => -1.5 + k * 0.075);
  const rowsRight = (w: number[], table: number[]) =>
    biases.map((b) => unitOutputs(w, b).filter((v, k) => v === table[k]).length);
  return {
    readings,
    corrected,
    correctedTablesMatch: corrected.W.every((w, j) =>
      unitOutputs(w, corrected.b[j]).every((v, k) => v === truthTables[j][k]),
    ),
    network: checkNet(ctx, q5bNetwork(corrected, Q5B_SEED_OUTPUT, "Q5b (corrected hidden)"), SEQUENCE_EQUAL),
    biasSweep: {
      biases,
      matrixForm: rowsRight(hidden.W[0], truthTables[0]),
      alternative: rowsRight(alt.weights, truthTables[alt.unit]),
    },
  };
}

export function judgeHidden(data: { readings: readonly { wrongAt: readonly string[] }[] }): Verdict {
  return data.readings.every((r) => r.wrongAt.length === 0) ? "holds" : "fails";
}

/** A half-open interval of biases as TeX ("$[0, 1)$"), or "none". */
const intervalTex = (i: [number, number] | null) =>
  i
    ? `$[${Number.isFinite(i[0]) ? i[0] : "-\\infty"}, ${Number.isFinite(i[1]) ? i[1] : "\\infty"})$`
    : "none";

function describeReading(r: UnitReading): string {
  const steps = PATTERNS.map(
    (m, k) =>
      `${m.join("")}: $\\operatorname{step}(${formatNumber(r.weights[0] * m[0] + r.weights[1] * m[1] + r.bias)}) = ${r.outputs[k]}$`,
  ).join(", ");
  return (
    `${r.label}: ${steps}; truth table ${r.table.join("")} — ${r.wrongAt.length === 0 ? "matches" : `wrong at ${r.wrongAt.join(", ")}`}; ` +
    `biases that would match with these weights: ${intervalTex(r.biasInterval)}.`
  );
}

function describeEvidence(data: HiddenData): string {
  const first = data.readings[0];
  const nand =
    first.wrongAt.length > 0 && first.outputs.join("") === "1110"
      ? " With $b_1 = 3/2$, $h_1$ computes NAND (not both 1), not NOR (both 0)."
      : "";
  const none = data.readings.some((r) => !r.biasInterval)
    ? " With $w = [1, -1]$ no bias gives both-0: 10 has the largest pre-activation of the four, so it cannot be 0 while 00 is 1."
    : "";
  return `${data.readings.map(describeReading).join(" ")}${nand}${none}`;
}

function describeCorrection(data: HiddenData, verdict: Verdict, units: number): string | null {
  if (verdict === "holds") return null;
  const { W, b } = data.corrected;
  const fixes = data.readings
    .slice(0, units)
    .filter((r) => r.wrongAt.length > 0)
    .map((r) => `$b_${r.unit + 1} = ${b[r.unit]}$ (any $b_${r.unit + 1}$ in ${intervalTex(r.biasInterval)})`);
  return (
    `$W = [[${W.map((w) => w.join(", ")).join("], [")}]]$ with ${fixes.join(", ") || "the same biases"}, $b = [${b.join(", ")}]$: ` +
    `$h_1 = \\operatorname{step}(-m_1 - m_2 + ${b[0]})$ is 1 only for 00 and $h_2 = \\operatorname{step}(m_1 + m_2 ${b[1] < 0 ? "-" : "+"} ${Math.abs(b[1])})$ only for 11 ` +
    `(${data.correctedTablesMatch ? "both truth tables match" : "the truth tables still do not match"}). With the seed's output unit on top, the network then solves the task: ` +
    `${describeCheck(data.network, 2)}.`
  );
}

function unitsTable(data: HiddenData): Table {
  const { W, b } = data.corrected;
  return {
    kind: "grid",
    title: "The hidden units on the four input pairs",
    columns: [
      "$m_1\\,m_2$",
      ...data.readings.map((r) => r.label),
      ...b.map((bj, j) => `corrected $h_${j + 1}$ $(b = ${bj})$`),
    ],
    rows: PATTERNS.map((m, k) => [
      m.join(" "),
      ...data.readings.map(
        (r) => `${r.outputs[k]}${r.outputs[k] === r.table[k] ? "" : ` (table: ${r.table[k]})`}`,
      ),
      ...W.map((w, j) => unitOutputs(w, b[j])[k]),
    ]),
  };
}

function biasFigure(data: HiddenData, stated: HiddenStated): Figure {
  const { biases, matrixForm, alternative } = data.biasSweep;
  return {
    id: "q5b-hidden-bias",
    title: "Truth-table rows $h_1$ gets right, against its bias",
    caption: `$h_1 = \\operatorname{step}(w \\cdot m + b_1)$ against "both 0" (00→1, else 0). All four rows need $b_1$ in ${intervalTex(data.readings[0].biasInterval)} with $w = [${stated.hidden.W[0].join(", ")}]$.`,
    spec: {
      kind: "line",
      x: { label: "b₁" },
      y: { label: "rows right (of 4)", domain: [0, 4] },
      series: [
        { name: `w = [${stated.hidden.W[0].join(", ")}]`, x: biases, y: matrixForm },
        { name: `w = [${stated.alternative.weights.join(", ")}]`, x: biases, y: alternative, dashed: true },
      ],
      rules: [
        { axis: "x", value: stated.hidden.b[0], label: `seed b₁ = ${stated.hidden.b[0]}` },
        { axis: "x", value: data.corrected.b[0], label: `corrected b₁ = ${data.corrected.b[0]}` },
      ],
    },
  };
}

export const hiddenTruthTables = defineExperiment<HiddenStated, HiddenData>({
  id: "Q5b.hidden",
  question: "Q5",
  title: "the hidden step units $h_1$ (both 0) and $h_2$ (both 1)",
  claim:
    '$h(t) = \\operatorname{step}(W m(t) + b)$ with $W = [[-1, -1], [1, 1]]$, $b = [3/2, -3/2]$; $h_1$ detects "both 0" (00→1, 01→0, 10→0, 11→0) and $h_2$ "both 1" (00→0, 01→0, 10→0, 11→1). The seed also writes $w_{11} = 1$, $w_{12} = -1$, $b_1 = 3/2$ for $h_1$.',
  stated: {
    hidden: Q5B_SEED_HIDDEN,
    alternative: { unit: 0, weights: [1, -1], bias: 3 / 2 },
    truthTables: [
      [1, 0, 0, 0],
      [0, 0, 0, 1],
    ],
  },
  cost: 2.5,
  measure: measureHidden,
  judge: judgeHidden,
  describe: (data, verdict, stated) => ({
    evidence: describeEvidence(data),
    correction: describeCorrection(data, verdict, stated.hidden.W.length),
    tables: [
      unitsTable(data),
      networksTable("The network with the corrected hidden layer", [data.network.net]),
    ],
    figures: [biasFigure(data, stated)],
  }),
});
