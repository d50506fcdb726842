// Q3.clip-norm: clipping by norm keeps the direction (cosines on real exploding gradients, in every
// dimension measured); is it the better choice? Training where unclipped SGD diverges, per rule.

import { formatNumber } from "../format.js";
import { ADDING_BASELINE_MSE } from "../../src/tasks/index.js";
import { defineExperiment, type Verdict } from "../types.js";
import {
  type ClipCosines,
  type ClipKind,
  clipCosines,
  keepsDirection,
  smallestCosine,
  THRESHOLD,
} from "./clip-gradients.js";
import { curvesFigure, dimensionFigure, dimensionTable, trainingTable } from "./clip-norm-figures.js";
import {
  better,
  type ClipTraining,
  clipTraining,
  DIVERGE_FACTOR,
  divergences,
  FAIL_FACTOR,
  failures,
  LOSS_MARGIN,
  medianTestLoss,
  outcome,
  outcomesOf,
  type RuleName,
  type RuleOutcome,
  ruleTex,
} from "./clip-training.js";

export interface ClipNormStated {
  rule: ClipKind;
  keepsDirection: boolean;
  /** The rule it is claimed to beat. */
  betterThan: ClipKind;
  /** "also in high dimension": keeps the direction at every dimension measured. */
  alsoHighDimension: boolean;
}

export interface ClipNormData {
  cosines: ClipCosines;
  training: ClipTraining;
}

const other = (kind: ClipKind): ClipKind => (kind === "norm" ? "value" : "norm");

/** For each rule clipping by `betterThan`: whether every rule clipping by `rule` trains better. */
export function beatenRules(
  training: ClipTraining,
  stated: ClipNormStated,
): { rule: RuleName; beaten: boolean }[] {
  const mine = outcomesOf(training, stated.rule);
  return outcomesOf(training, stated.betterThan).map((o) => ({
    rule: o.rule,
    beaten: mine.every((m) => better(m, o)),
  }));
}

/** Whether the stated rule keeps the direction at the dimension-matched threshold in every dimension. */
export function keepsInEveryDimension(cosines: ClipCosines, kind: ClipKind): boolean {
  return cosines.byDimension[kind].every((d) => keepsDirection(d.cosMatched));
}

export function judgeClipNorm(data: ClipNormData, stated: ClipNormStated): Verdict {
  if (keepsDirection(smallestCosine(data.cosines, stated.rule)) !== stated.keepsDirection) return "fails";
  const betterOk =
    stated.rule !== stated.betterThan && beatenRules(data.training, stated).every((b) => b.beaten);
  const highDimOk = keepsInEveryDimension(data.cosines, stated.rule) === stated.alsoHighDimension;
  return betterOk && highDimOk ? "holds" : "partly";
}

/** Slope of y against log10(x) by least squares (0 for a single x). */
export function slopePerDecade(xs: readonly number[], ys: readonly number[]): number {
  const lx = xs.map(Math.log10);
  const mx = lx.reduce((a, b) => a + b, 0) / lx.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < lx.length; i++) {
    num += (lx[i] - mx) * (ys[i] - my);
    den += (lx[i] - mx) ** 2;
  }
  return den > 0 ? num / den : 0;
}

const mse = (o: RuleOutcome) => formatNumber(medianTestLoss(o), 3);

function trainingText(training: ClipTraining): string {
  const { setup } = training;
  const runs = training.outcomes
    .map((o) => {
      const threshold = o.threshold === null ? "" : ` (${formatNumber(o.threshold, 2)})`;
      const loss = Number.isFinite(medianTestLoss(o)) ? `median test MSE ${mse(o)}` : "no test MSE";
      return `${ruleTex(o.rule)}${threshold}: ${divergences(o)}/${setup.seeds} diverged, ${failures(o)}/${setup.seeds} failed, ${loss}`;
    })
    .join("; ");
  return (
    `tanh RNNs (H = ${setup.H}, ${setup.n} parameters, $\\lVert W\\rVert_2$ = ${setup.explodingNorm} at init) trained by SGD (lr ${setup.lr}) on the adding problem (T = ${setup.T}) for ${setup.steps} steps, ${setup.seeds} seeds per rule ` +
    `(diverged: non-finite, or loss above ${formatNumber(DIVERGE_FACTOR)} times the first; failed: diverged or test MSE above ${FAIL_FACTOR} times the mean predictor's ${formatNumber(ADDING_BASELINE_MSE, 3)}): ${runs}`
  );
}

function evidence(data: ClipNormData, stated: ClipNormStated): string {
  const { cosines, training } = data;
  const minCos = smallestCosine(cosines, stated.rule);
  const dims = cosines.byDimension[stated.rule];
  const otherDims = cosines.byDimension[other(stated.rule)];
  const slope = slopePerDecade(
    otherDims.map((d) => d.n),
    otherDims.map((d) => d.cosMatched),
  );
  const [smallest, largest] = [cosines.norms[0], cosines.norms[cosines.norms.length - 1]];
  const beats = beatenRules(training, stated);
  const betterOk = stated.rule !== stated.betterThan && beats.every((b) => b.beaten);
  return (
    `Direction: clipping by ${stated.rule} on the real gradients of exploding tanh RNNs gives a smallest cosine of ${formatNumber(minCos, 6)} ($1 - \\cos$ = ${formatNumber(1 - minCos, 3)}) with the raw gradient ` +
    `at every threshold and dimension (n = ${dims.map((d) => d.n).join(", ")} parameters; ${keepsInEveryDimension(cosines, stated.rule) ? "kept" : "not kept"} everywhere), ` +
    `while clipping by ${other(stated.rule)} at the dimension-matched threshold gives ${otherDims.map((d) => formatNumber(d.cosMatched, 3)).join(", ")} ` +
    `(slope ${formatNumber(slope, 2)} per decade of n: ${slope < -0.05 ? "it worsens with dimension" : "no systematic loss with dimension"}). ` +
    `Step size: after clipping at ${THRESHOLD}, the gradient's norm is ${formatNumber(smallest.normAfterNorm, 3)} by norm at every n, but by value it is ${formatNumber(smallest.normAfterValue, 3)} at n = ${smallest.n} and ${formatNumber(largest.normAfterValue, 3)} at n = ${largest.n} (up to the threshold times $\\sqrt{n}$). ` +
    `Training: ${trainingText(training)}. ` +
    `${stated.rule} ${betterOk ? "beats" : "does not beat"} ${stated.betterThan} clipping: ${beats.map((b) => `${b.beaten ? "better than" : "not better than"} ${ruleTex(b.rule)}`).join(", ")} (fewer failures, or as many and a median test MSE lower by ${formatNumber(100 * LOSS_MARGIN)}%).`
  );
}

function correction(data: ClipNormData, stated: ClipNormStated, verdict: Verdict): string | null {
  if (verdict === "holds") return null;
  const minCos = smallestCosine(data.cosines, stated.rule);
  if (verdict === "fails") {
    return `Clipping by ${stated.rule} ${keepsDirection(minCos) ? "keeps" : "does not keep"} the direction (smallest cosine ${formatNumber(minCos, 6)}).`;
  }
  const { training } = data;
  const seeds = training.setup.seeds;
  const [norm, sameNumber, matched, none] = (["norm", "value", "value/sqrt(n)", "none"] as const).map((r) =>
    outcome(training, r),
  );
  return (
    `Clipping by norm keeps the direction exactly ($1 - \\cos$ = ${formatNumber(1 - minCos, 3)}, in every dimension measured) and bounds the step's norm by the threshold whatever the dimension, ` +
    `whereas a value threshold $t$ bounds it only by $t \\sqrt{n}$: with the same number (${THRESHOLD}) value clipping failed in ${failures(sameNumber)}/${seeds} runs against ${failures(norm)}/${seeds} for norm clipping ` +
    `(no clipping: ${divergences(none)}/${seeds} diverged). But it is not better outright: with its threshold scaled to $${THRESHOLD}/\\sqrt{n}$, value clipping also prevented every divergence ` +
    `(${failures(matched)}/${seeds} failed) and reached a median test MSE of ${mse(matched)} against ${mse(norm)}, and its cosine does not fall with dimension. ` +
    "Norm clipping is the safer default (a threshold that means the same in any dimension, the SGD direction unchanged); which rule trains better depends on the thresholds."
  );
}

export const clipNorm = defineExperiment<ClipNormStated, ClipNormData>({
  id: "Q3.clip-norm",
  question: "Q3",
  title: "Clipping by norm keeps the direction; is it the better choice?",
  claim:
    "Clipping by norm (if $\\lVert g\\rVert > \\theta$ then $g \\leftarrow \\theta g/\\lVert g\\rVert$, threshold $\\theta$) keeps the direction and only changes the size; it is the better choice, also in high dimension.",
  stated: { rule: "norm", keepsDirection: true, betterThan: "value", alsoHighDimension: true },
  cost: 10,
  measure: (_stated, ctx) => ({ cosines: clipCosines(ctx), training: clipTraining(ctx) }),
  judge: judgeClipNorm,
  describe(data, verdict, stated) {
    return {
      evidence: evidence(data, stated),
      correction: correction(data, stated, verdict),
      figures: [curvesFigure(data.training), dimensionFigure(data.cosines)],
      tables: [trainingTable(data.training), dimensionTable(data.cosines)],
    };
  },
});
