// Real gradients of exploding tanh RNNs, clipped by value and by norm with the library's functions:
// the cosine between clipped and raw gradient against the threshold and against the dimension
// (shared by Q3.clip-value and Q3.clip-norm), and the exploding model both claims train.

import { clipGradNorm, clipGradValue, normsOverTime, SequenceModel } from "../../src/index.js";
import { cosine, maxAbsEntry, median, norm2, randomMatrixWithNorm } from "../gradients/linalg.js";
import { addingBatch } from "../../src/tasks/index.js";
import type { LabContext } from "../types.js";

export type ClipKind = "value" | "norm";

/** A clipped gradient "keeps the direction" when its cosine with the raw one is at least 1 − this. */
export const DIRECTION_TOLERANCE = 1e-9;
/** ‖W‖₂ of the exploding nets: tanh' <= 1, so each step Jacobian can stretch by up to this. */
export const EXPLODING_NORM = 3;
/** The clipping threshold of the dimension comparisons and of training. */
export const THRESHOLD = 1;
export const GRADIENT_T = 20;
/** Thresholds, as fractions of max|g_i| (value) or of ‖g‖ (norm). */
export const FRACTIONS = [1, 0.5, 0.2, 0.1, 0.05, 0.02, 0.01, 0.005, 0.002, 0.001];

export function explodingModel(H: number, seed: number, ctx: LabContext): SequenceModel {
  const model = new SequenceModel(
    {
      cell: "rnn",
      activation: "tanh",
      straightThrough: false,
      skip: 0,
      hiddenSize: H,
      layers: 1,
      input: { kind: "dense", size: 2 },
      outputSize: 1,
      loss: "mse",
      dtype: "float64",
    },
    { rng: ctx.rng(`q3-clip-init-H${H}-${seed}`) },
  );
  model.params.set(
    "rnn.weight_hh_l0",
    randomMatrixWithNorm(ctx.rng(`q3-clip-W-H${H}-${seed}`), H, EXPLODING_NORM),
  );
  return model;
}

export interface ThresholdCosine {
  /** The threshold as a fraction of max|g_i| (value) or ‖g‖ (norm). */
  fraction: number;
  /** Median and smallest cosine over the samples. */
  median: number;
  min: number;
}

export interface DimensionCosine {
  H: number;
  /** Number of parameters (the gradient's dimension). */
  n: number;
  /** Median cosine at the dimension-matched threshold: THRESHOLD/√n (value), THRESHOLD (norm). */
  cosMatched: number;
  /** Median cosine at a threshold of max|g_i| / 10. */
  cosTenthOfMax: number;
}

export interface DimensionNorms {
  H: number;
  n: number;
  /** Medians over the samples: ‖g‖, the growth ‖dL/dh_0‖ / ‖dL/dh_T‖, ‖g‖ after clipping at THRESHOLD. */
  gradNorm: number;
  growth: number;
  normAfterValue: number;
  normAfterNorm: number;
}

export interface ClipCosines {
  /** The hidden size of the threshold sweep (32, or the largest measured). */
  H: number;
  /** Median growth of the gradient from h_T back to h_0 at that size. */
  growth: number;
  byThreshold: Record<ClipKind, ThresholdCosine[]>;
  byDimension: Record<ClipKind, DimensionCosine[]>;
  norms: DimensionNorms[];
}

interface GradientSample {
  H: number;
  n: number;
  g: Float64Array;
  growth: number;
}

/** A copy of g clipped by `kind` at `threshold`. */
function clipped(g: Float64Array, kind: ClipKind, threshold: number): Float64Array {
  const c = g.slice();
  if (kind === "value") clipGradValue([c], threshold);
  else clipGradNorm([c], threshold);
  return c;
}

function gradientSample(ctx: LabContext, H: number, seed: number): GradientSample {
  const model = explodingModel(H, seed, ctx);
  const batch = addingBatch(ctx.rng(`q3-clip-batch-H${H}-${seed}`), GRADIENT_T, 16);
  const step = model.lossAndGrad(batch, batch);
  const norms = normsOverTime(step.hiddenGrads[0], GRADIENT_T, batch.B, H);
  const n = model.params.data.length;
  return { H, n, g: Float64Array.from(model.params.grad), growth: norms[0] / norms[GRADIENT_T] };
}

function byThreshold(samples: GradientSample[], kind: ClipKind): ThresholdCosine[] {
  return FRACTIONS.map((fraction) => {
    const cos = samples.map((s) => {
      const threshold = fraction * (kind === "value" ? maxAbsEntry(s.g) : norm2(s.g));
      return cosine(clipped(s.g, kind, threshold), s.g);
    });
    return { fraction, median: median(cos), min: Math.min(...cos) };
  });
}

function byDimension(groups: GradientSample[][], kind: ClipKind): DimensionCosine[] {
  return groups.map((samples) => {
    const { H, n } = samples[0];
    const matched = kind === "value" ? THRESHOLD / Math.sqrt(n) : THRESHOLD;
    const medianCos = (threshold: (g: Float64Array) => number) =>
      median(samples.map((s) => cosine(clipped(s.g, kind, threshold(s.g)), s.g)));
    return {
      H,
      n,
      cosMatched: medianCos(() => matched),
      cosTenthOfMax: medianCos((g) => 0.1 * maxAbsEntry(g)),
    };
  });
}

function dimensionNorms(samples: GradientSample[]): DimensionNorms {
  const medianOf = (f: (s: GradientSample) => number) => median(samples.map(f));
  return {
    H: samples[0].H,
    n: samples[0].n,
    gradNorm: medianOf((s) => norm2(s.g)),
    growth: medianOf((s) => s.growth),
    normAfterValue: medianOf((s) => norm2(clipped(s.g, "value", THRESHOLD))),
    normAfterNorm: medianOf((s) => norm2(clipped(s.g, "norm", THRESHOLD))),
  };
}

/** The gradients of a few exploding nets per hidden size, clipped both ways; shared by both claims. */
export function clipCosines(ctx: LabContext): ClipCosines {
  return ctx.shared("q3:clip-cosines", () => {
    ctx.progress("Q3.clip: gradients of exploding tanh RNNs");
    const sizes = ctx.quick ? [4, 16, 64] : [4, 8, 16, 32, 64, 128];
    const perSize = ctx.quick ? 2 : 3;
    const groups = sizes.map((H) => Array.from({ length: perSize }, (_, s) => gradientSample(ctx, H, s)));
    const sweep = groups.find((g) => g[0].H === 32) ?? groups[groups.length - 1];
    return {
      H: sweep[0].H,
      growth: median(sweep.map((s) => s.growth)),
      byThreshold: { value: byThreshold(sweep, "value"), norm: byThreshold(sweep, "norm") },
      byDimension: { value: byDimension(groups, "value"), norm: byDimension(groups, "norm") },
      norms: groups.map(dimensionNorms),
    };
  });
}

/** The smallest cosine with the raw gradient that clipping by `kind` gave anywhere. */
export function smallestCosine(cosines: ClipCosines, kind: ClipKind): number {
  return Math.min(
    ...cosines.byThreshold[kind].map((r) => r.min),
    ...cosines.byDimension[kind].flatMap((d) => [d.cosMatched, d.cosTenthOfMax]),
  );
}

export function keepsDirection(cosine: number): boolean {
  return cosine >= 1 - DIRECTION_TOLERANCE;
}
