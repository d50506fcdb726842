// Q3.clip-value: does clipping by value change the gradient's direction? Measured on real gradients
// of exploding tanh RNNs: the cosine between clipped and raw gradient over thresholds and dimensions.

import { type Figure, plotNumber, type Table } from "../../src/report/index.js";
import { formatNumber } from "../format.js";
import { defineExperiment, type Verdict } from "../types.js";
import {
  type ClipCosines,
  type ClipKind,
  clipCosines,
  DIRECTION_TOLERANCE,
  GRADIENT_T,
  EXPLODING_NORM,
  keepsDirection,
  smallestCosine,
} from "./clip-gradients.js";

export interface ClipValueStated {
  rule: ClipKind;
  /** The seed: it "does not keep the gradient's direction". */
  keepsDirection: boolean;
}

export type ClipValueData = ClipCosines;

export function judgeClipValue(data: ClipValueData, stated: ClipValueStated): Verdict {
  return keepsDirection(smallestCosine(data, stated.rule)) === stated.keepsDirection ? "holds" : "fails";
}

function evidence(data: ClipValueData, stated: ClipValueStated): string {
  const rows = data.byThreshold[stated.rule];
  const scale = stated.rule === "value" ? "$\\max_i \\lvert g_i\\rvert$" : "$\\lVert g\\rVert$";
  const tenth = rows.find((r) => r.fraction === 0.1)?.median ?? Number.NaN;
  const matched = data.byDimension.value
    .map((d) => `${formatNumber(d.cosMatched, 3)} (n = ${d.n})`)
    .join(", ");
  const valueOnly =
    stated.rule === "value"
      ? `The cosine falls as the threshold drops below the largest component (${formatNumber(tenth, 3)} at a tenth of it) towards the sign vector's $\\lVert g\\rVert_1 / (\\sqrt{n} \\lVert g\\rVert_2)$; ` +
        `at the threshold $1/\\sqrt{n}$, which bounds the clipped norm by 1 as norm clipping at 1 does, it is ${matched}. `
      : "";
  return (
    `Real gradients (all parameters) of exploding tanh RNNs ($\\lVert W\\rVert_2$ = ${EXPLODING_NORM}; the gradient grows a median ${formatNumber(data.growth, 3)} times from $h_T$ back to $h_0$ over ${GRADIENT_T} steps at H = ${data.H}), clipped by ${stated.rule} with the library's functions. ` +
    `Cosine between clipped and raw gradient (median over samples at H = ${data.H}) at thresholds of ${scale} times ${rows.map((r) => formatNumber(r.fraction)).join(", ")}: ${rows.map((r) => formatNumber(r.median, 4)).join(", ")}; ` +
    `smallest cosine anywhere ${formatNumber(smallestCosine(data, stated.rule), 6)} (keeping the direction means ≥ 1 - ${formatNumber(DIRECTION_TOLERANCE, 1)}). ` +
    valueOnly +
    "Simplicity is not measured: both rules are one pass over the gradient (library: clipGradValue, clipGradNorm)."
  );
}

function cosineFigure(data: ClipValueData): Figure {
  const series = (kind: ClipKind, name: string) => ({
    name,
    x: data.byThreshold[kind].map((r) => r.fraction),
    y: data.byThreshold[kind].map((r) => plotNumber(r.median)),
    dots: true,
  });
  return {
    id: "q3-clip-value-cosine",
    title: "Cosine between the clipped and the raw gradient, against the threshold",
    caption: `Gradients of exploding tanh RNNs (H = ${data.H}); threshold as a fraction of $\\max_i \\lvert g_i\\rvert$ (value) or of $\\lVert g\\rVert$ (norm); median over samples.`,
    spec: {
      kind: "line",
      x: { label: "threshold / max|gᵢ| (value), threshold / ‖g‖ (norm)", log: true },
      y: { label: "cos(clipped, raw)", domain: [0, 1.02] },
      series: [series("value", "by value"), series("norm", "by norm")],
    },
  };
}

function cosineTable(data: ClipValueData, rule: ClipKind): Table {
  return {
    kind: "grid",
    title: `Cosine after clipping by ${rule} (H = ${data.H})`,
    columns: [
      `threshold / ${rule === "value" ? "$\\max_i \\lvert g_i\\rvert$" : "$\\lVert g\\rVert$"}`,
      "median cosine",
      "smallest cosine",
    ],
    rows: data.byThreshold[rule].map((r) => [
      formatNumber(r.fraction),
      formatNumber(r.median, 4),
      formatNumber(r.min, 4),
    ]),
  };
}

export const clipValue = defineExperiment<ClipValueStated, ClipValueData>({
  id: "Q3.clip-value",
  question: "Q3",
  title: "Clipping by value changes the gradient's direction",
  claim:
    "Clipping by value (each component clamped to [-threshold, threshold]) is simple but does not keep the gradient's direction.",
  stated: { rule: "value", keepsDirection: false },
  cost: 0.5,
  measure: (_stated, ctx) => clipCosines(ctx),
  judge: judgeClipValue,
  describe(data, verdict, stated) {
    const smallest = smallestCosine(data, stated.rule);
    const keeps = keepsDirection(smallest);
    return {
      evidence: evidence(data, stated),
      correction:
        verdict === "holds"
          ? null
          : `Clipping by ${stated.rule} ${keeps ? "keeps" : "does not keep"} the direction: smallest cosine ${formatNumber(smallest, 6)} on the same gradients.`,
      figures: [cosineFigure(data)],
      tables: [cosineTable(data, stated.rule)],
    };
  },
});
