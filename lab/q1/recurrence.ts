// Q1.recurrence: the hand-wired network against the seed's definition h_t = x_t − h_{t−1},
// y = σ(10 h_T), the definition evaluated directly on the same sequences.

import { formatNumber } from "../format.js";
import { defineExperiment, type Verdict } from "../types.js";
import { applyActivation, formatWired, type WiredActivation, type WiredNet } from "../wired/net.js";
import { Q1_SEED, q1Network } from "../wired/networks.js";
import { maxLength, type Q1Case, q1Cases, sequenceText, simulate } from "./cases.js";
import {
  absoluteScale,
  agrees,
  type Comparison,
  compareAll,
  maxError,
  relativeScale,
  TOLERANCE,
} from "./compare.js";

export interface RecurrenceStated {
  /** h_t = act(inputWeight·x_t + recurrentWeight·h_{t−1}), y = σ(outputScale·h_T). */
  definition: {
    inputWeight: number;
    recurrentWeight: number;
    activation: WiredActivation;
    outputScale: number;
  };
  /** The hand-wired network that implements it (plain data, printed in the report). */
  network: WiredNet;
}

export interface RecurrenceData {
  /** The network's h_T (simulated) against the definition's (formula), per case. */
  h: Comparison[];
  /** The network's y_T against the definition's, per case (same order). */
  y: Comparison[];
  /** The network as formatWired prints it. */
  printed: string;
}

/** The definition run step by step on one case: h_T and y_T. */
function byDefinition(d: RecurrenceStated["definition"], c: Q1Case): { h: number; y: number } {
  let h = c.h0;
  for (const x of c.x) h = applyActivation(d.activation, d.inputWeight * x + d.recurrentWeight * h);
  return { h, y: 1 / (1 + Math.exp(-d.outputScale * h)) };
}

/** Indices of the cases where h_T or y_T disagrees (h relative to the inputs' size, y absolute). */
export function disagreements(data: RecurrenceData): number[] {
  return data.h.flatMap((h, k) => (agrees(h, relativeScale) && agrees(data.y[k], absoluteScale) ? [] : [k]));
}

/** holds when the network and the definition agree on every case, in h_T and in y_T. */
export function judgeRecurrence(data: RecurrenceData): Verdict {
  return disagreements(data).length === 0 ? "holds" : "fails";
}

function evidence(data: RecurrenceData, stated: RecurrenceStated): string {
  const d = stated.definition;
  const cases = data.h.map((c) => c.case);
  const wrong = disagreements(data);
  const sign = d.recurrentWeight < 0 ? "-" : "+";
  const start =
    "Built the network as data (printed below) and ran it in float64 " +
    `(runWired) on ${cases.length} sequences (real and binary, T = 1..${maxLength(cases)}, $h_0 \\ne 0$); against the ` +
    `definition $h_t = ${formatNumber(d.inputWeight)} \\cdot x_t ${sign} ${formatNumber(Math.abs(d.recurrentWeight))} \\cdot h_{t-1}$ ` +
    `(${d.activation}), $y = \\sigma(${formatNumber(d.outputScale)} h_T)$ evaluated directly, `;
  if (wrong.length === 0) {
    return (
      start +
      `every $h_T$ agrees to ${formatNumber(maxError(data.h), 2)} and every $y_T$ to ${formatNumber(maxError(data.y), 2)} ` +
      `(threshold ${TOLERANCE} · $(1 + \\sum \\lvert x_i\\rvert + \\lvert h_0\\rvert)$ and ${TOLERANCE}).`
    );
  }
  const first = data.h[wrong[0]];
  return (
    start +
    `${wrong.length} of ${cases.length} disagree, e.g. x = ${sequenceText(first.case)}, $h_0$ = ${formatNumber(first.case.h0, 3)}: ` +
    `the network gives $h_T$ = ${formatNumber(first.simulated)}, the definition ${formatNumber(first.formula)}.`
  );
}

export const recurrence = defineExperiment<RecurrenceStated, RecurrenceData>({
  id: "Q1.recurrence",
  question: "Q1",
  title: "the network $h_t = x_t - h_{t-1}$, $y = \\sigma(10 h_T)$",
  claim:
    "The network is $h_t = x_t - h_{t-1}$ (input weight 1, recurrent weight −1, identity activation), output $y = \\sigma(10 h_T)$.",
  stated: {
    definition: { inputWeight: 1, recurrentWeight: -1, activation: "identity", outputScale: 10 },
    network: q1Network(Q1_SEED, "Q1 (seed)"),
  },
  cost: 0.2,
  measure(stated, ctx) {
    const cases = q1Cases(ctx);
    const simulated = cases.map((c) => simulate(stated.network, c));
    const defined = cases.map((c) => byDefinition(stated.definition, c));
    return {
      h: compareAll(
        cases,
        simulated.map((s) => s.h),
        (_, k) => defined[k].h,
      ),
      y: compareAll(
        cases,
        simulated.map((s) => s.y),
        (_, k) => defined[k].y,
      ),
      printed: formatWired(stated.network),
    };
  },
  judge: judgeRecurrence,
  describe(data, verdict, stated) {
    const d = stated.definition;
    return {
      evidence: evidence(data, stated),
      correction:
        verdict === "holds"
          ? null
          : `The network must have input weight ${d.inputWeight}, recurrent weight ${d.recurrentWeight}, ${d.activation} activation and readout $\\sigma(${d.outputScale} h_t)$ to be the one defined.`,
      tables: [
        {
          kind: "kv",
          title: "The network as data, printed by formatWired",
          rows: [["equations", { pre: data.printed }]],
        },
      ],
    };
  },
});
