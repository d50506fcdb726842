// Q1.output: the seed's y_T = σ(10 Σ (−1)^i x_i) + 10 h_0 against the network's output σ(10 h_T),
// on the absolute scale (y is a σ, in (0, 1)), and the output of the verified closed form of h_T.

import { type Figure, plotNumber, type ScatterSpec } from "../../src/report/index.js";
import { formatNumber } from "../format.js";
import { defineExperiment, type Verdict } from "../types.js";
import type { WiredNet } from "../wired/net.js";
import { Q1_SEED, q1Network } from "../wired/networks.js";
import { q1Cases, sequenceText, simulate } from "./cases.js";
import {
  absoluteScale,
  agrees,
  type Comparison,
  compareAll,
  type GroupResult,
  groupResults,
  groupsText,
  groupTable,
  judgeComparisons,
  maxError,
  searchClosedForms,
  TOLERANCE,
} from "./compare.js";
import { evalOutputForm, type OutputForm, outputFormTex } from "./forms.js";

export interface OutputStated {
  network: WiredNet;
  /** The seed's y_T = σ(10 Σ (−1)^i x_i) + 10 h_0. */
  output: OutputForm;
}

export interface OutputData {
  /** The stated form against the network's y_T, per case. */
  stated: Comparison[];
  /** σ(scale·h_T) with h_T's verified closed form, against y_T; null when no closed form agrees. */
  corrected: { form: OutputForm; comparisons: Comparison[] } | null;
  /** The stated form against y_T with h_0 = 0 (where the misplaced term vanishes). */
  withZeroH0: Comparison[];
}

export const judgeStatedOutput = (data: Pick<OutputData, "stated">) =>
  judgeComparisons(data.stated, absoluteScale);

export function judgeOutput(data: Pick<OutputData, "stated">): Verdict {
  return judgeStatedOutput(data).verdict;
}

/** How many of the stated form's values lie outside (0, 1), where no σ can be. */
export function outsideUnitInterval(data: Pick<OutputData, "stated">): number {
  return data.stated.filter((c) => !(c.formula > 0 && c.formula < 1)).length;
}

function evidence(data: OutputData, stated: OutputStated): string {
  const values = data.stated.map((c) => c.formula);
  const n = values.length;
  const range = `range ${formatNumber(Math.min(...values), 3)} to ${formatNumber(Math.max(...values), 3)}`;
  let text =
    `Ran the network ($y_T = \\sigma(10 h_T)$) on the ${n} sequences of Q1.closed-form ($h_0 \\ne 0$) and compared ` +
    `$${outputFormTex(stated.output)}$: ${groupsText(groupResults(data.stated, absoluteScale))}. ` +
    `${outsideUnitInterval(data)} of ${n} of the formula's values lie outside (0, 1), where no $\\sigma(\\cdot)$ can be (${range}). `;
  const wrong = data.stated.find((c) => !agrees(c, absoluteScale));
  if (wrong) {
    text +=
      `E.g. x = ${sequenceText(wrong.case)}, $h_0$ = ${formatNumber(wrong.case.h0, 3)}: the network gives ` +
      `y = ${formatNumber(wrong.simulated)}, the formula ${formatNumber(wrong.formula)}. `;
  }
  const zero = judgeComparisons(data.withZeroH0, absoluteScale);
  if (zero.verdict === "holds") return `${text}With $h_0 = 0$ instead, the formula agrees everywhere.`;
  const how = zero.verdict === "partly" ? `agrees only for ${zero.condition}` : "still fails";
  return `${text}With $h_0 = 0$ instead (where the misplaced term vanishes) it ${how}.`;
}

function correction(data: OutputData, verdict: Verdict): string | null {
  if (verdict === "holds") return null;
  if (!data.corrected) return "No corrected closed form of this family matches.";
  const only = verdict === "partly" ? `Holds only for ${judgeStatedOutput(data).condition}. ` : "";
  return (
    `${only}$y_T = \\sigma(10 h_T)$ with $h_T$ from Q1.closed-form: $${outputFormTex(data.corrected.form)}$, ` +
    "i.e. $\\sigma(10 \\cdot (\\sum (-1)^{T-i} x_i + (-1)^T h_0))$; $10 h_0$ belongs inside $\\sigma$, with sign $(-1)^T$. " +
    `Confirmed on the same ${data.stated.length} sequences: largest |error| ` +
    `${formatNumber(maxError(data.corrected.comparisons), 2)} (threshold ${TOLERANCE}).`
  );
}

/** A comparison as a point (network, formula); none where either is not finite. */
function points(comparisons: readonly Comparison[], series: string): ScatterSpec["points"] {
  return comparisons.flatMap((c) => {
    const x = plotNumber(c.simulated);
    const y = plotNumber(c.formula);
    return x === null || y === null ? [] : [{ x, y, series }];
  });
}

function scatterFigure(data: OutputData): Figure {
  return {
    id: "q1-output-scatter",
    title: "The seed's $y_T$ against the network's output",
    caption:
      "Each point a sequence; a correct formula lies on the diagonal, between the two rules at 0 and 1.",
    spec: {
      kind: "scatter",
      x: { label: "network y_T = σ(10 h_T)" },
      y: { label: "formula" },
      points: [...points(data.stated, "seed"), ...points(data.corrected?.comparisons ?? [], "corrected")],
      rules: [
        { axis: "y", value: 0 },
        { axis: "y", value: 1, label: "σ's range (0, 1)" },
      ],
    },
  };
}

export const output = defineExperiment<OutputStated, OutputData>({
  id: "Q1.output",
  question: "Q1",
  title: "closed form of the output $y_T$",
  claim: "$y_T = \\sigma(10 \\cdot \\sum_{i=1}^{T} (-1)^i x_i) + 10 h_0$.",
  stated: {
    network: q1Network(Q1_SEED, "Q1 (seed)"),
    output: {
      scale: 10,
      x: { i: 1, T: 0, c: 0 },
      h0: { placement: "outside", factor: 10, sign: { T: 0, c: 0 } },
    },
  },
  cost: 0.3,
  measure(stated, ctx) {
    const cases = q1Cases(ctx);
    const simulated = cases.map((c) => simulate(stated.network, c));
    const y = simulated.map((s) => s.y);
    const compareForm = (form: OutputForm) => compareAll(cases, y, (c) => evalOutputForm(form, c.x, c.h0));
    const h = searchClosedForms(
      cases,
      simulated.map((s) => s.h),
    )[0];
    const scale = stated.output.scale;
    const form: OutputForm | null = h
      ? { scale, x: h.x, h0: { placement: "inside", factor: scale, sign: h.h0 } }
      : null;
    const zeroCases = cases.map((c) => ({ ...c, h0: 0 }));
    const zeroY = zeroCases.map((c) => simulate(stated.network, c).y);
    return {
      stated: compareForm(stated.output),
      corrected: form ? { form, comparisons: compareForm(form) } : null,
      withZeroH0: compareAll(zeroCases, zeroY, (c) => evalOutputForm(stated.output, c.x, 0)),
    };
  },
  judge: judgeOutput,
  describe(data, verdict, stated) {
    const columns: [string, GroupResult[]][] = [["seed", groupResults(data.stated, absoluteScale)]];
    if (data.corrected) columns.push(["corrected", groupResults(data.corrected.comparisons, absoluteScale)]);
    columns.push(["seed with $h_0 = 0$", groupResults(data.withZeroH0, absoluteScale)]);
    return {
      evidence: evidence(data, stated),
      correction: correction(data, verdict),
      tables: [groupTable("Largest |formula − network output| per group", columns)],
      figures: [scatterFigure(data)],
    };
  },
});
