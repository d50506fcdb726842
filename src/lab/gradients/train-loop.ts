// A small training loop for regression tasks on dense inputs (the library's Trainer is for tokens):
// lossAndGrad, an optional clipping rule, optimizer.step. A loss or gradient that stops being finite
// ends the run as diverged (the library signals it with NumericError; it is caught here).

import { NumericError } from "../../errors.js";
import type { SequenceModel } from "../../model/sequence-model.js";
import { clipGradNorm, clipGradValue, gradNorm } from "../../train/clip.js";
import type { Optimizer } from "../../train/optimizers.js";
import type { RegressionBatch } from "../tasks/adding.js";

/** How gradients are clipped before each step. */
export type ClipRule =
  | { kind: "none" }
  | { kind: "norm"; threshold: number }
  | { kind: "value"; threshold: number };

export interface LoopResult {
  /** Training loss at every step (until divergence). */
  losses: number[];
  /** Gradient 2-norm before clipping at every step. */
  gradNorms: number[];
  /** The step at which the loss or the gradient stopped being finite, or null. */
  divergedAt: number | null;
  /** The NumericError's message, when it diverged. */
  divergence: string | null;
}

/** Applies `rule` to the gradients in place; returns the norm before clipping. */
export function applyClip(grads: Float64Array | Float32Array, rule: ClipRule): number {
  if (rule.kind === "norm") return clipGradNorm([grads], rule.threshold).totalNorm;
  const norm = gradNorm([grads]);
  if (!Number.isFinite(norm)) throw new NumericError(`gradient norm is ${norm}`);
  if (rule.kind === "value") clipGradValue([grads], rule.threshold);
  return norm;
}

/** Trains `model` for `steps` steps on batches from `nextBatch`. The run counts as diverged when the
 *  loss or the gradient stops being finite, or when the loss exceeds `divergeAbove` (default: never). */
export function trainRegression(
  model: SequenceModel,
  optimizer: Optimizer,
  rule: ClipRule,
  steps: number,
  nextBatch: (step: number) => RegressionBatch,
  divergeAbove = Number.POSITIVE_INFINITY,
): LoopResult {
  const losses: number[] = [];
  const gradNorms: number[] = [];
  for (let step = 0; step < steps; step++) {
    const batch = nextBatch(step);
    try {
      const result = model.lossAndGrad(
        { T: batch.T, B: batch.B, inputs: batch.inputs },
        { values: batch.values, mask: batch.mask },
      );
      if (result.loss > divergeAbove) {
        losses.push(result.loss);
        return {
          losses,
          gradNorms,
          divergedAt: step,
          divergence: `loss ${result.loss} above ${divergeAbove}`,
        };
      }
      const norm = applyClip(model.params.grad, rule);
      optimizer.step(model.params.data, model.params.grad);
      losses.push(result.loss);
      gradNorms.push(norm);
    } catch (error) {
      if (error instanceof NumericError) {
        return { losses, gradNorms, divergedAt: step, divergence: error.message };
      }
      throw error;
    }
  }
  return { losses, gradNorms, divergedAt: null, divergence: null };
}

/** Mean squared error of `model` on a batch (forward only). */
export function evaluateRegression(model: SequenceModel, batch: RegressionBatch): number {
  model.forward({ T: batch.T, B: batch.B, inputs: batch.inputs });
  return model.loss({ values: batch.values, mask: batch.mask }).loss;
}
