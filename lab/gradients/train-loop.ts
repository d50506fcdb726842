// The lab's training loop for dense-input tasks (the library's Trainer is for tokens): lossAndGrad,
// a clipping rule, optimizer.step. A loss or gradient that stops being finite ends the run as
// diverged (the library signals it with NumericError; it is caught here).

import {
  type Batch,
  type Buf,
  clipGradNorm,
  clipGradValue,
  gradNorm,
  NumericError,
  type Optimizer,
  type SequenceModel,
  type Targets,
} from "../../src/index.js";
import type { RegressionBatch } from "../../src/tasks/index.js";
import type { ClassificationBatch } from "../../src/tasks/index.js";

/** How gradients are clipped before each step. */
export type ClipRule =
  | { kind: "none" }
  | { kind: "norm"; threshold: number }
  | { kind: "value"; threshold: number };

export interface LoopResult {
  /** Training loss at every step (until divergence). */
  losses: number[];
  /** The step at which the loss or the gradient stopped being finite, or null. */
  divergedAt: number | null;
}

/** Applies `rule` to the gradients in place; a non-finite gradient throws NumericError. */
export function applyClip(grads: Buf, rule: ClipRule): void {
  if (rule.kind === "norm") {
    clipGradNorm([grads], rule.threshold);
    return;
  }
  const norm = gradNorm([grads]);
  if (!Number.isFinite(norm)) throw new NumericError(`gradient norm is ${norm}`);
  if (rule.kind === "value") clipGradValue([grads], rule.threshold);
}

/** Trains `model` for `steps` steps on the batches of `nextBatch` (inputs and targets in one). */
export function trainLoop(
  model: SequenceModel,
  optimizer: Optimizer,
  rule: ClipRule,
  steps: number,
  nextBatch: (step: number) => Batch & Targets,
): LoopResult {
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const batch = nextBatch(step);
    try {
      const result = model.lossAndGrad(batch, batch);
      applyClip(model.params.grad, rule);
      optimizer.step(model.params.data, model.params.grad);
      losses.push(result.loss);
    } catch (error) {
      if (error instanceof NumericError) return { losses, divergedAt: step };
      throw error;
    }
  }
  return { losses, divergedAt: null };
}

/** Mean squared error of `model` on a batch (forward only). */
export function evaluateRegression(model: SequenceModel, batch: RegressionBatch): number {
  model.forward(batch);
  return model.loss(batch).loss;
}

/** Accuracy of the class predicted at the last step (argmax of the logits). */
export function accuracy(model: SequenceModel, batch: ClassificationBatch): number {
  const { T, B } = batch;
  const O = model.config.outputSize;
  const logits = model.forward(batch);
  let correct = 0;
  for (let b = 0; b < B; b++) {
    const row = ((T - 1) * B + b) * O;
    let best = 0;
    for (let c = 1; c < O; c++) if (logits[row + c] > logits[row + best]) best = c;
    if (best === batch.classes[(T - 1) * B + b]) correct++;
  }
  return correct / B;
}
