// Q3.clip-norm's figures and tables: learning curves per clipping rule, cosines against the
// dimension, and the per-rule and per-dimension tables.

import { type Figure, plotNumber, type Table } from "../../src/report/index.js";
import { formatNumber } from "../format.js";
import { medianLearningCurve } from "../gradients/curves.js";
import { ADDING_BASELINE_MSE } from "../../src/tasks/index.js";
import { type ClipCosines, THRESHOLD } from "./clip-gradients.js";
import {
  type ClipTraining,
  divergences,
  failures,
  medianTestLoss,
  type RuleOutcome,
  ruleTex,
} from "./clip-training.js";

/** Training losses above this are drawn at it in the learning curves. */
const CURVE_CAP = 1e4;

/** "none" would be read as a CSS colour by the plot, so the series get longer names. */
function seriesName(o: RuleOutcome): string {
  if (o.threshold === null) return "no clipping";
  return `${o.rule === "norm" ? "norm" : "value"} at ${formatNumber(o.threshold, 3)}`;
}

export function curvesFigure(training: ClipTraining): Figure {
  const { steps, seeds } = training.setup;
  const capped = (losses: number[]) => losses.map((v) => Math.min(v, CURVE_CAP));
  return {
    id: "q3-clip-norm-curves",
    title: "Learning curves per clipping rule (exploding tanh RNN, SGD)",
    caption: `Training MSE (moving average over 10 steps, losses above ${formatNumber(CURVE_CAP)} drawn at ${formatNumber(CURVE_CAP)}), median over the ${seeds} seeds still running, log scale; a curve that stops has diverged to NaN in every seed.`,
    spec: {
      kind: "line",
      x: { label: "step" },
      y: { label: "training MSE", log: true },
      series: training.outcomes.map((o) => {
        const curve = medianLearningCurve(
          o.runs.map((r) => capped(r.losses)),
          steps,
          10,
          150,
        );
        return { name: seriesName(o), x: curve.x, y: curve.y.map(plotNumber), dashed: o.rule === "none" };
      }),
      rules: [{ axis: "y", value: ADDING_BASELINE_MSE, label: "mean predictor" }],
    },
  };
}

export function dimensionFigure(cosines: ClipCosines): Figure {
  const { value, norm } = cosines.byDimension;
  const n = norm.map((d) => d.n);
  return {
    id: "q3-clip-norm-dimension",
    title: "Cosine after clipping against the number of parameters",
    caption: `Exploding tanh RNNs of hidden sizes ${norm.map((d) => d.H).join(", ")}; value clipping at $${THRESHOLD}/\\sqrt{n}$ (bounding the norm by ${THRESHOLD}) and at a tenth of the largest component; norm clipping at ${THRESHOLD}. Median over samples.`,
    spec: {
      kind: "line",
      x: { label: "parameters n", log: true },
      y: { label: "cos(clipped, raw)", domain: [0, 1.02] },
      series: [
        { name: "by norm", x: n, y: norm.map((d) => plotNumber(d.cosMatched)), dots: true },
        {
          name: "by value, threshold 1/√n",
          x: n,
          y: value.map((d) => plotNumber(d.cosMatched)),
          dots: true,
        },
        {
          name: "by value, threshold max|gᵢ|/10",
          x: n,
          y: value.map((d) => plotNumber(d.cosTenthOfMax)),
          dots: true,
        },
      ],
    },
  };
}

export function trainingTable(training: ClipTraining): Table {
  const seeds = training.setup.seeds;
  return {
    kind: "grid",
    title: "Training in the exploding setting, per clipping rule",
    columns: ["rule", "threshold", "diverged", "failed", "median test MSE", "test MSE per seed"],
    rows: training.outcomes.map((o) => [
      ruleTex(o.rule),
      o.threshold === null ? "" : formatNumber(o.threshold, 3),
      `${divergences(o)}/${seeds}`,
      `${failures(o)}/${seeds}`,
      Number.isFinite(medianTestLoss(o)) ? formatNumber(medianTestLoss(o), 3) : "",
      o.runs.map((r) => (r.testLoss === null ? "diverged" : formatNumber(r.testLoss, 3))).join(", "),
    ]),
  };
}

export function dimensionTable(cosines: ClipCosines): Table {
  const { value } = cosines.byDimension;
  return {
    kind: "grid",
    title: "Per dimension (median over samples)",
    columns: [
      "H",
      "parameters n",
      "$\\lVert g\\rVert$",
      "growth $h_T \\to h_0$",
      "cos, value $1/\\sqrt{n}$",
      "cos, value max/10",
      `$\\lVert g\\rVert$ after value ${THRESHOLD}`,
      `$\\lVert g\\rVert$ after norm ${THRESHOLD}`,
    ],
    rows: cosines.norms.map((d, i) => [
      d.H,
      d.n,
      formatNumber(d.gradNorm, 3),
      formatNumber(d.growth, 3),
      formatNumber(value[i].cosMatched, 3),
      formatNumber(value[i].cosTenthOfMax, 3),
      formatNumber(d.normAfterValue, 3),
      formatNumber(d.normAfterNorm, 3),
    ]),
  };
}
