// Q5b: two binary sequences, y_t = 1 while they have agreed at every step. Hidden step units
// h(t) = step(W m(t) + b) detect "both 0" (h_1) and "both 1" (h_2); the output is a recurrent step
// unit y_t = step(v·h(t) + r y_{t−1} + c), with its own bias c' at t = 1.

import type { Figure, Table } from "../../report/page.js";
import { plotNumber } from "../../report/spec.js";
import { defineExperiment, type Verdict } from "../types.js";
import { applyActivation, runWired } from "../wired/net.js";
import {
  Q5B_CORRECTED_HIDDEN,
  Q5B_SEED_HIDDEN,
  Q5B_SEED_OUTPUT,
  type Q5bHidden,
  type Q5bOutput,
  q5bNetwork,
} from "../wired/networks.js";
import {
  checkNet,
  describeCheck,
  describeExhaustive,
  describeLearned,
  errorFigure,
  errorSeries,
  exhaustive,
  group,
  learned,
  learnedFigures,
  networksTable,
} from "../wired/summary.js";
import { allSequences, binaryAlphabet, SEQUENCE_EQUAL } from "../wired/tasks.js";
import { taskExperiment } from "./q5-task.js";
import { summarize } from "./q5a.js";

/** "00 11 01" → [[0, 0], [1, 1], [0, 1]]: one (m1 m2) pair per step. */
const pairs = (text: string) => text.split(" ").map((p) => [Number(p[0]), Number(p[1])]);

export const q5bTask = taskExperiment({
  id: "Q5b.task",
  question: "Q5",
  title: "the two-sequence equality task",
  claim:
    "Two binary input sequences m1, m2; the output y_t is 1 exactly when the two sequences agree at every step 1..t.",
  task: SEQUENCE_EQUAL,
  data: {
    allowed: [
      [0, 0],
      [1, 1],
    ],
    network: q5bNetwork(Q5B_CORRECTED_HIDDEN, Q5B_SEED_OUTPUT, "Q5b (corrected)"),
    examples: ["00", "01", "00 11", "00 11 01", "11 00 00 11", "10 00"].map(pairs),
  },
});

// ---------------------------------------------------------------------------------------------------
// Q5b.hidden

export interface Q5bHiddenData {
  /** The seed's matrix form: W = [[−1, −1], [1, 1]], b = [3/2, −3/2]. */
  hidden: Q5bHidden;
  /** The seed's other reading of unit `unit` (h_1): w11 = 1, w12 = −1, b1 = 3/2. */
  alternative: { unit: number; weights: number[]; bias: number };
  /** The truth tables the seed gives, over (m1, m2) = 00, 01, 10, 11: h_1 "both 0", h_2 "both 1". */
  truthTables: number[][];
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

const intervalText = (i: [number, number] | null) =>
  i ? `[${Number.isFinite(i[0]) ? i[0] : "−∞"}, ${Number.isFinite(i[1]) ? i[1] : "∞"})` : "none";

/** A bias inside [low, high): the midpoint, or one unit past a finite end when the other is infinite. */
const pickBias = ([low, high]: [number, number]) =>
  Number.isFinite(low) && Number.isFinite(high)
    ? (low + high) / 2
    : Number.isFinite(low)
      ? low + 1 / 2
      : high - 1 / 2;

export const q5bHidden = defineExperiment<Q5bHiddenData>({
  id: "Q5b.hidden",
  question: "Q5",
  title: "the hidden step units h_1 (both 0) and h_2 (both 1)",
  claim:
    'h(t) = step(W m(t) + b) with W = [[−1, −1], [1, 1]], b = [3/2, −3/2]; h_1 detects "both 0" (00→1, 01→0, 10→0, 11→0) and h_2 "both 1" (00→0, 01→0, 10→0, 11→1). The seed also writes w11 = 1, w12 = −1, b1 = 3/2 for h_1.',
  data: {
    hidden: Q5B_SEED_HIDDEN,
    alternative: { unit: 0, weights: [1, -1], bias: 3 / 2 },
    truthTables: [
      [1, 0, 0, 0],
      [0, 0, 0, 1],
    ],
  },
  cost: 2.5,
  run(data, ctx) {
    ctx.progress("Q5b.hidden: the hidden units against their truth tables");
    const { hidden, alternative, truthTables } = data;
    const readings = [
      ...hidden.W.map((w, j) => ({
        label: `h_${j + 1}: w = [${w.join(", ")}], b = ${hidden.b[j]}`,
        unit: j,
        w,
        b: hidden.b[j],
      })),
      {
        label: `h_${alternative.unit + 1} as also written: w = [${alternative.weights.join(", ")}], b = ${alternative.bias}`,
        unit: alternative.unit,
        w: alternative.weights,
        b: alternative.bias,
      },
    ].map((r) => {
      const out = unitOutputs(r.w, r.b);
      const table = truthTables[r.unit];
      const wrongAt = PATTERNS.filter((_, k) => out[k] !== table[k]).map((m) => m.join(""));
      return { ...r, out, table, wrongAt, interval: biasInterval(r.w, table) };
    });
    const verdict: Verdict = readings.every((r) => r.wrongAt.length === 0) ? "holds" : "fails";
    // The correction: each failing unit of the matrix form gets a bias from its feasible interval.
    const corrected: Q5bHidden = {
      W: hidden.W.map((w) => w.slice()),
      b: hidden.b.map((b, j) => {
        const r = readings[j];
        return r.wrongAt.length === 0 || !r.interval ? b : pickBias(r.interval);
      }),
    };
    const correctedOk = corrected.W.every((w, j) =>
      unitOutputs(w, corrected.b[j]).every((v, k) => v === truthTables[j][k]),
    );
    const net = q5bNetwork(corrected, Q5B_SEED_OUTPUT, "Q5b (corrected hidden)");
    const check = checkNet(ctx, net, SEQUENCE_EQUAL);
    const pre = (r: (typeof readings)[number]) =>
      PATTERNS.map((m, k) => `${m.join("")}→step(${r.w[0] * m[0] + r.w[1] * m[1] + r.b}) = ${r.out[k]}`).join(
        ", ",
      );
    const evidence =
      readings
        .map(
          (r) =>
            `${r.label}: ${pre(r)}; truth table ${r.table.join("")} — ${r.wrongAt.length === 0 ? "matches" : `wrong at ${r.wrongAt.join(", ")}`}; ` +
            `biases that would match with these weights: ${intervalText(r.interval)}.`,
        )
        .join(" ") +
      ` ${readings[0].wrongAt.length > 0 && readings[0].out.join("") === "1110" ? "With b_1 = 3/2, h_1 computes NAND (not both 1), not NOR (both 0). " : ""}` +
      `${readings.some((r) => !r.interval) ? "With w = [1, −1] no bias gives both-0: 10 has the largest pre-activation of the four, so it cannot be 0 while 00 is 1." : ""}`;
    const fixes = readings
      .slice(0, hidden.W.length)
      .filter((r) => r.wrongAt.length > 0)
      .map(
        (r) =>
          `b_${r.unit + 1} = ${corrected.b[r.unit]} (any b_${r.unit + 1} in ${intervalText(r.interval)})`,
      );
    const correction =
      verdict === "holds"
        ? null
        : `W = [[${corrected.W.map((w) => w.join(", ")).join("], [")}]] with ${fixes.join(", ") || "the same biases"}, b = [${corrected.b.join(", ")}]: ` +
          `h_1 = step(−m1 − m2 + ${corrected.b[0]}) is 1 only for 00 and h_2 = step(m1 + m2 ${corrected.b[1] < 0 ? "−" : "+"} ${Math.abs(corrected.b[1])}) only for 11 ` +
          `(${correctedOk ? "both truth tables match" : "the truth tables still do not match"}). With the seed's output unit on top, the network then solves the task: ` +
          `${describeCheck(check, 2)}.`;
    const table: Table = {
      kind: "grid",
      title: "The hidden units on the four input pairs",
      columns: [
        "m1 m2",
        ...readings.map((r) => r.label),
        ...corrected.b.map((b, j) => `corrected h_${j + 1} (b = ${b})`),
      ],
      rows: PATTERNS.map((m, k) => [
        m.join(" "),
        ...readings.map((r) => `${r.out[k]}${r.out[k] === r.table[k] ? "" : ` (table: ${r.table[k]})`}`),
        ...corrected.W.map((w, j) => unitOutputs(w, corrected.b[j])[k]),
      ]),
    };
    // How many of h_1's four truth-table rows hold as its bias varies (the seed's weights).
    const bs = Array.from({ length: 61 }, (_, k) => -1.5 + k * 0.075);
    const rowsRight = (w: number[], table: number[]) =>
      bs.map((b) => unitOutputs(w, b).filter((v, k) => v === table[k]).length);
    const figures: Figure[] = [
      {
        id: "q5b-hidden-bias",
        title: "Truth-table rows h_1 gets right, against its bias",
        caption: `h_1 = step(w·m + b_1) against "both 0" (00→1, else 0). All four rows need b_1 in ${intervalText(readings[0].interval)} with w = [${hidden.W[0].join(", ")}].`,
        spec: {
          kind: "line",
          x: { label: "b_1" },
          y: { label: "rows right (of 4)", domain: [0, 4] },
          series: [
            { name: `w = [${hidden.W[0].join(", ")}]`, x: bs, y: rowsRight(hidden.W[0], truthTables[0]) },
            {
              name: `w = [${alternative.weights.join(", ")}]`,
              x: bs,
              y: rowsRight(alternative.weights, truthTables[alternative.unit]),
              dashed: true,
            },
          ],
          rules: [
            { axis: "x", value: hidden.b[0], label: `seed b_1 = ${hidden.b[0]}` },
            { axis: "x", value: corrected.b[0], label: `corrected b_1 = ${corrected.b[0]}` },
          ],
        },
      },
    ];
    return {
      id: "Q5b.hidden",
      verdict,
      evidence: evidence.trim(),
      correction,
      tables: [table, networksTable("The network with the corrected hidden layer", [net])],
      figures,
      data: {
        readings: readings.map((r) => ({
          label: r.label,
          outputs: r.out,
          table: r.table,
          wrongAt: r.wrongAt,
          biasInterval: r.interval,
        })),
        corrected,
        correctedTablesMatch: correctedOk,
        network: summarize(check),
      },
    };
  },
});

// ---------------------------------------------------------------------------------------------------
// Q5b.output

export interface Q5bOutputData {
  /** The seed's output unit: v = [1, 1], r = 1, c = −3/2, c' = −1/2. */
  output: Q5bOutput;
  /** The hidden layer it reads: one that computes the seed's truth tables (h_1 both 0, h_2 both 1),
   *  i.e. Q5b.hidden's correction; the output claim is about the output unit given those h(t). */
  hidden: Q5bHidden;
  /** The seed's literal hidden layers, to show what the whole network as written does. */
  literalHidden: { label: string; hidden: Q5bHidden }[];
}

/** The seed's two output formulas taken literally, given the hidden states: y_1 with c', then recurrent. */
function literalOutputs(o: Q5bOutput, hidden: Q5bHidden, seq: number[][]): number[] {
  let y = 0;
  return seq.map((m, t) => {
    const h = hidden.W.map((w, j) => applyActivation("step", w[0] * m[0] + w[1] * m[1] + hidden.b[j]));
    const vh = o.v[0] * h[0] + o.v[1] * h[1];
    y = applyActivation("step", t === 0 ? vh + o.cFirst : vh + o.r * y + o.c);
    return y;
  });
}

export const q5bOutput = defineExperiment<Q5bOutputData>({
  id: "Q5b.output",
  question: "Q5",
  title: "the recurrent output unit y_t",
  claim:
    "y_t = step(v · h(t) + r y_{t−1} + c) for t >= 2 with v = [1, 1], r = 1, c = −3/2; and y_1 = step(v · h(1) + c') with c' = −1/2.",
  data: {
    output: Q5B_SEED_OUTPUT,
    hidden: Q5B_CORRECTED_HIDDEN,
    literalHidden: [
      { label: "seed, W = [[−1, −1], [1, 1]], b = [3/2, −3/2]", hidden: Q5B_SEED_HIDDEN },
      {
        label: "seed, h_1 with w11 = 1, w12 = −1, b1 = 3/2",
        hidden: { W: [[1, -1], Q5B_SEED_HIDDEN.W[1]], b: Q5B_SEED_HIDDEN.b },
      },
    ],
  },
  cost: 8,
  run(data, ctx) {
    ctx.progress("Q5b.output: the output unit, exhaustively");
    const task = SEQUENCE_EQUAL;
    const o = data.output;
    // The wired network models y_1's own bias c' as the initial state y_0 = (c' − c)/r: check that
    // this is the seed's two-formula output on every pair sequence of a short length.
    const L0 = 6;
    let literalDisagree = 0;
    const net = q5bNetwork(data.hidden, o, "Q5b (output on the truth-table hidden layer)");
    for (const seq of allSequences(2, L0)) {
      const wired = runWired(net, seq).outputs.map((y) => y[0]);
      const literal = literalOutputs(o, data.hidden, seq);
      if (wired.some((v, t) => v !== literal[t])) literalDisagree++;
    }
    const check = checkNet(ctx, net, task);
    const verdict: Verdict = check.correct && literalDisagree === 0 ? "holds" : "fails";
    const literal = data.literalHidden.map((h, k) => ({
      ...h,
      check: checkNet(
        ctx,
        q5bNetwork(h.hidden, o, `Q5b as written (${k === 0 ? "matrix form" : "w11 = 1, w12 = −1"})`),
        task,
      ),
    }));
    // When the unit fails: which biases (c, c') on a grid of halves would work with this v and r.
    const grid: { c: number; cFirst: number }[] = [];
    if (verdict === "fails" && o.r !== 0) {
      for (let c = -3; c <= 3; c += 0.5)
        for (let cFirst = -3; cFirst <= 3; cFirst += 0.5) {
          const trial = q5bNetwork(data.hidden, { ...o, c, cFirst }, "trial");
          if (exhaustive(ctx, trial, task, 6).wrong === 0) grid.push({ c, cFirst });
        }
    }
    const l = learned(ctx, task);
    const y0 = net.layers[1].initial[0];
    let evidence =
      `The output unit as one recurrent step unit with y_0 = (c' − c)/r = ${y0} (so r·y_0 + c = c' at t = 1); on all ${group(4 ** L0)} pair sequences ` +
      `of length ${L0} it gives ${literalDisagree === 0 ? "exactly" : `not (${literalDisagree} differ)`} the seed's two formulas taken literally. ` +
      `On a hidden layer that computes the seed's truth tables (h_1 both 0, h_2 both 1: v·h(t) = 1 iff m1 = m2), y_t = step(v·h(t) + ${o.r}·y_{t−1} ${o.c < 0 ? "−" : "+"} ${Math.abs(o.c)}) ` +
      `is checked on ${describeCheck(check, 2)}. `;
    evidence += literal
      .map(
        (h) =>
          `The whole network as written (${h.label}): ${describeExhaustive(h.check.exhaustive, 2)}${h.check.exhaustive.counterexample && h.check.random.wrong > 0 ? `; ${(100 * h.check.random.errorRate).toPrecision(3)}% wrong on length ${h.check.random.length}` : ""}.`,
      )
      .join(" ");
    const agreeing = (r: { exhaustive: { maxLength: number } }) => 2 ** (r.exhaustive.maxLength + 1) - 2;
    const alwaysOne = literal.filter(
      (h) => h.check.exhaustive.wrong === h.check.exhaustive.outputs - agreeing(h.check),
    );
    if (alwaysOne.length > 0)
      evidence += ` ${alwaysOne.length === literal.length ? "Both" : "It"} output${alwaysOne.length === 1 ? "s" : ""} 1 on every sequence: their h_1 fires for 01 and 10 too (see Q5b.hidden), so v·h(t) >= 1 for every pair and y_t = y_{t−1} = 1.`;
    evidence += ` ${describeLearned(l, 2)}`;
    const correction =
      verdict === "holds"
        ? null
        : grid.length > 0
          ? `With v = [${o.v.join(", ")}] and r = ${o.r}, these (c, c') on a grid of halves solve the task (all pairs up to length 6): ` +
            grid.map((g) => `(${g.c}, ${g.cFirst})`).join(", ") +
            `; e.g. the seed's c = −3/2, c' = −1/2.`
          : `No (c, c') on a grid of halves solves the task with v = [${o.v.join(", ")}], r = ${o.r}; the seed's v = [1, 1], r = 1, c = −3/2, c' = −1/2 does.`;
    const figures: Figure[] = [
      errorFigure(
        "q5b-output-errors",
        "Wrong outputs by sequence length: as written, with the truth-table hidden layer, learned",
        [
          ...literal.map((h, k) =>
            errorSeries(`as written (${k === 0 ? "matrix" : "w11 = 1, w12 = −1"})`, h.check.exhaustive),
          ),
          errorSeries("output unit on truth-table hidden layer", check.exhaustive),
          ...l.runs.map((r) => errorSeries(r.net.name, r.exhaustive, true)),
        ],
      ),
      ...learnedFigures("q5b-output", l, [
        ...literal.map((h, k) => ({
          name: `as written (${k === 0 ? "matrix" : "alt. h_1"})`,
          random: h.check.random,
        })),
        { name: "corrected hidden + seed output", random: check.random },
      ]),
    ];
    const trace = pairs("00 11 00 11 01 00");
    const ts = trace.map((_, k) => k + 1);
    figures.push({
      id: "q5b-output-trace",
      title: "y_t along (0,0)(1,1)(0,0)(1,1)(0,1)(0,0)",
      caption: "The pairs agree for four steps, then differ: y must drop to 0 and stay there.",
      spec: {
        kind: "line",
        x: { label: "t" },
        y: { label: "y_t", domain: [-0.1, 1.1] },
        series: [
          {
            name: "truth-table hidden layer + seed output",
            x: ts,
            y: runWired(net, trace).outputs.map((y) => plotNumber(y[0])),
            dots: true,
          },
          ...literal.slice(0, 1).map((h) => ({
            name: "as written",
            x: ts,
            y: runWired(h.check.net, trace).outputs.map((y) => plotNumber(y[0])),
            dashed: true,
            dots: true,
          })),
        ],
      },
    });
    return {
      id: "Q5b.output",
      verdict,
      evidence,
      correction,
      tables: [
        networksTable("The networks, printed", [
          net,
          ...literal.map((h) => h.check.net),
          ...l.runs.map((r) => r.net),
        ]),
      ],
      figures,
      data: {
        y0,
        literalFormulaDisagreements: literalDisagree,
        network: summarize(check),
        asWritten: literal.map((h) => ({ label: h.label, ...summarize(h.check) })),
        workingBiases: grid,
        learned: l.runs.map((r) => ({
          seed: r.seed,
          finalLoss: r.finalLoss,
          exhaustiveWrong: r.exhaustive.wrong,
          exhaustiveOutputs: r.exhaustive.outputs,
          randomErrorRate: r.random.errorRate,
          saturation: r.saturation,
        })),
      },
    };
  },
});
