// Q1.meaning: what the network computes, in words, stated from the verified closed form and checked
// twice: the alternating sum against the simulated h_T, and y = σ(10 h_T) as a near-hard comparison of
// two counts on every binary sequence up to a length (h_0 = 0).

import type { Figure, Table } from "../../src/report/index.js";
import { formatNumber } from "../format.js";
import { defineExperiment, type Verdict } from "../types.js";
import { runWired, type WiredNet } from "../wired/net.js";
import { Q1_SEED, q1Network } from "../wired/networks.js";
import { allSequences } from "../wired/tasks.js";
import { q1Cases, q1Sizes, simulate, withInitial } from "./cases.js";
import {
  type Comparison,
  compareAll,
  groupResults,
  judgeComparisons,
  relativeScale,
  TOLERANCE,
} from "./compare.js";
import { anchoredSum, exponentText, type H0Sign, h0Sign } from "./forms.js";

/** The statement in words, as data: the alternating sum counted from the last step ("end") or the
 *  first ("start"), h_0's sign, and the thresholds of y = σ(10 h_T) for binary inputs with h_0 = 0:
 *  y >= high when the + positions hold more 1s (D >= 1), y <= low when fewer (D <= −1), 1/2 on a tie. */
export interface Statement {
  anchor: "end" | "start";
  h0: H0Sign;
  high: number;
  low: number;
}

export interface MeaningStated {
  network: WiredNet;
  statement: Statement;
}

/** One binary sequence run with h_0 = 0: its bits, D (the anchored sum) and the output y_T. */
export interface BinaryOutcome {
  bits: string;
  D: number;
  y: number;
}

export interface MeaningData {
  /** The anchored alternating sum plus the stated sign times h_0, against the simulated h_T. */
  sum: Comparison[];
  /** Every binary sequence of length 1..binaryLength, in order of length. */
  binary: BinaryOutcome[];
  binaryLength: number;
}

/** Whether y is where the statement puts it for this D (a tie within TOLERANCE of 1/2). */
export function meetsStatement(b: BinaryOutcome, s: Statement): boolean {
  if (b.D >= 1) return b.y >= s.high;
  if (b.D <= -1) return b.y <= s.low;
  return Math.abs(b.y - 0.5) <= TOLERANCE;
}

/** holds when both checks pass, fails when both fail, partly when one does. */
export function judgeMeaning(data: MeaningData, stated: Pick<MeaningStated, "statement">): Verdict {
  const sum = judgeComparisons(data.sum, relativeScale).verdict;
  const binaryOk = data.binary.every((b) => meetsStatement(b, stated.statement));
  if (sum === "holds" && binaryOk) return "holds";
  if (sum === "fails" && !binaryOk) return "fails";
  return "partly";
}

function measureBinary(network: WiredNet, s: Statement, length: number): BinaryOutcome[] {
  const zero = withInitial(network, 0);
  const outcomes: BinaryOutcome[] = [];
  for (let T = 1; T <= length; T++) {
    for (const seq of allSequences(1, T)) {
      const x = seq.map((v) => v[0]);
      outcomes.push({
        bits: x.join(""),
        D: anchoredSum(s.anchor, x),
        y: runWired(zero, seq).outputs[T - 1][0],
      });
    }
  }
  return outcomes;
}

function statementText(s: Statement): string {
  const end = s.anchor === "end";
  const plus = end ? "x_T + x_{T-2} + \\ldots" : "x_1 + x_3 + \\ldots";
  const minus = end ? "x_{T-1} + x_{T-3} + \\ldots" : "x_2 + x_4 + \\ldots";
  const order = end
    ? "the most recent input with +, the one before with −, and so on"
    : "the first input with +, the second with −, and so on";
  return (
    `The network computes an alternating sum: $h_T = (${plus}) - (${minus}) + ${exponentText([[s.h0.T, "T"]], s.h0.c) || "1"} \\cdot h_0$, ` +
    `counted from the ${end ? "last" : "first"} step (${order}). For binary inputs and $h_0 = 0$, $h_T = D$, the number ` +
    "of 1s at the + positions minus the number at the − positions, and $y = \\sigma(10 h_T)$ is an almost hard comparison " +
    `of the two counts: $y \\ge ${s.high}$ when $D \\ge 1$, $y \\le ${s.low}$ when $D \\le -1$, $y = 1/2$ on a tie.`
  );
}

function evidence(data: MeaningData, s: Statement): string {
  const groups = groupResults(data.sum, relativeScale);
  const violations = data.binary.filter((b) => !meetsStatement(b, s));
  const first = violations[0];
  const minHigh = data.binary.reduce((m, b) => (b.D >= 1 ? Math.min(m, b.y) : m), 1);
  const maxLow = data.binary.reduce((m, b) => (b.D <= -1 ? Math.max(m, b.y) : m), 0);
  return (
    `${statementText(s)} Checked: the alternating sum against the simulated $h_T$ on the ${data.sum.length} sequences ` +
    `of Q1.closed-form (${groups.map((g) => `${g.group}: ${g.wrong} wrong`).join(", ")}); the comparison on all ` +
    `${data.binary.length} binary sequences of length 1..${data.binaryLength} with $h_0 = 0$: ${violations.length} violations` +
    (first ? ` (first: x = ${first.bits}: D = ${first.D}, y = ${formatNumber(first.y, 6)})` : "") +
    `; smallest $y$ with $D \\ge 1$: ${formatNumber(minHigh, 7)} ($\\sigma(10)$ = ${formatNumber(1 / (1 + Math.exp(-10)), 7)}), ` +
    `largest with $D \\le -1$: ${formatNumber(maxLow, 3)}.`
  );
}

function correction(data: MeaningData, verdict: Verdict): string | null {
  if (verdict === "holds") return null;
  const { condition } = judgeComparisons(data.sum, relativeScale);
  return (
    "From the verified closed form $h_T = \\sum (-1)^{T-i} x_i + (-1)^T h_0$: $h_T = (x_T + x_{T-2} + \\ldots) - (x_{T-1} + " +
    "x_{T-3} + \\ldots) + (-1)^T h_0$, and for binary inputs with $h_0 = 0$, $y = \\sigma(10 D)$ is $\\ge \\sigma(10) \\approx 0.99995$ when $D \\ge 1$, " +
    `$\\le 1 - \\sigma(10) \\approx 4.5 \\cdot 10^{-5}$ when $D \\le -1$, 1/2 when $D = 0$${condition ? ` (the statement as given holds for ${condition} only)` : ""}.`
  );
}

/** The sequences of the longest length by D: how many, and the y of the first. */
function byD(data: MeaningData): { D: number; count: number; y: number }[] {
  const rows = new Map<number, { D: number; count: number; y: number }>();
  for (const b of data.binary) {
    if (b.bits.length !== data.binaryLength) continue;
    const row = rows.get(b.D) ?? { D: b.D, count: 0, y: b.y };
    row.count++;
    rows.set(b.D, row);
  }
  return [...rows.values()].sort((a, b) => a.D - b.D);
}

function countTable(data: MeaningData): Table {
  const L = data.binaryLength;
  return {
    kind: "grid",
    title: `All ${2 ** L} binary sequences of length ${L} ($h_0 = 0$), by D = (1s at + positions) − (1s at − positions)`,
    columns: ["D", "sequences", "$y = \\sigma(10 h_T)$"],
    rows: byD(data).map((r) => [r.D, r.count, formatNumber(r.y, 6)]),
  };
}

function countFigure(data: MeaningData): Figure {
  return {
    id: "q1-meaning-count",
    title: `Binary sequences of length ${data.binaryLength} by count difference D, and the output y`,
    caption: "$y = \\sigma(10 D)$: a tie gives 1/2, any majority at the + positions gives $y \\approx 1$.",
    spec: {
      kind: "bar",
      x: { label: "D" },
      y: { label: "sequences" },
      bars: byD(data).map((r) => ({
        label: String(r.D),
        value: r.count,
        group: r.D > 0 ? "y ≈ 1" : r.D < 0 ? "y ≈ 0" : "y = 1/2",
      })),
    },
  };
}

export const meaning = defineExperiment<MeaningStated, MeaningData>({
  id: "Q1.meaning",
  question: "Q1",
  title: "what the network computes",
  claim: "What the network computes, in words (the lab states it from the verified closed form).",
  stated: {
    network: q1Network(Q1_SEED, "Q1 (seed)"),
    statement: { anchor: "end", h0: { T: 1, c: 0 }, high: 0.9999, low: 1e-4 },
  },
  cost: 0.3,
  measure(stated, ctx) {
    const s = stated.statement;
    const cases = q1Cases(ctx);
    const simulated = cases.map((c) => simulate(stated.network, c).h);
    const binaryLength = q1Sizes(ctx).binaryLength;
    return {
      sum: compareAll(cases, simulated, (c) => anchoredSum(s.anchor, c.x) + h0Sign(s.h0, c.x.length) * c.h0),
      binary: measureBinary(stated.network, s, binaryLength),
      binaryLength,
    };
  },
  judge: judgeMeaning,
  describe(data, verdict, stated) {
    return {
      evidence: evidence(data, stated.statement),
      correction: correction(data, verdict),
      tables: [countTable(data)],
      figures: [countFigure(data)],
    };
  },
});
