// Training a classifier on the temporal-order problem (cross-entropy at the last step), with the
// same loop shape as train-loop.ts: lossAndGrad, clipGradNorm, optimizer.step.

import { NumericError } from "../../errors.js";
import type { SequenceModel } from "../../model/sequence-model.js";
import type { Optimizer } from "../../train/optimizers.js";
import type { ClassificationBatch } from "../tasks/temporal-order.js";
import { applyClip, type ClipRule } from "./train-loop.js";

export interface ClassifyResult {
  losses: number[];
  divergedAt: number | null;
}

export function trainClassifier(
  model: SequenceModel,
  optimizer: Optimizer,
  rule: ClipRule,
  steps: number,
  nextBatch: (step: number) => ClassificationBatch,
): ClassifyResult {
  const losses: number[] = [];
  for (let step = 0; step < steps; step++) {
    const batch = nextBatch(step);
    try {
      const result = model.lossAndGrad(
        { T: batch.T, B: batch.B, inputs: batch.inputs },
        { classes: batch.classes },
      );
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

/** Accuracy of the class predicted at the last step (argmax of the logits). */
export function accuracy(model: SequenceModel, batch: ClassificationBatch): number {
  const { T, B } = batch;
  const O = model.config.outputSize;
  const logits = model.forward({ T, B, inputs: batch.inputs });
  let correct = 0;
  for (let b = 0; b < B; b++) {
    const row = ((T - 1) * B + b) * O;
    let best = 0;
    for (let c = 1; c < O; c++) if (logits[row + c] > logits[row + best]) best = c;
    if (best === batch.classes[(T - 1) * B + b]) correct++;
  }
  return correct / B;
}
