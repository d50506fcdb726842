import { directionsOf, type ModelConfig, stateWidthOf } from "../model/config.js";
import { estimateMemory, type MemoryEstimate } from "../model/memory.js";
import { inputWidth } from "../model/param-shapes.js";
import { EVAL_CHUNK } from "./learner.js";

// What a task run (fit on a task's learner, or its evaluation and predictions) allocates, from the
// learner's state and the data alone, before the learner is built: the model's buffers as
// estimateMemory counts them for padded batches of T = the longest example, plus what the task
// adds: a classifier's head (SequenceClassifier: its parameters, r, dr, logits, their gradient and
// dL/d(top outputs)), the batch's own arrays, fit's copy of the best parameters and the task
// checkpoint's copies. test/task-memory.test.ts checks it against the bytes a learner holds.

/** What sizes a task's passes over some data: each task's memoryShape gives it. */
export interface TaskShape {
  /** The learner's model (a classifier's without its head). */
  model: ModelConfig;
  /** A classifier head's classes (SequenceClassifier), or 0 where the model's readout scores. */
  classes: number;
  /** Steps of the longest example: no batch of this data is longer (padded to its longest). */
  longest: number;
  /** Examples in the data (forecast: its rows, a bound on its windows and origins). */
  examples: number;
  /** Batches padded to their longest example (lengths given): every layer keeps masked outputs. */
  padded: boolean;
  /** Targets with a mask the model copies (forecast's mse): one byte a step. */
  masked: boolean;
  /** Bytes a step of the batch's targets takes beside its inputs (tag's classes 4, forecast's
   *  values and mask 9). */
  targetBytes: number;
}

/** fit's training on `train` in batches of `batch` with `optimizerCopies` optimizer buffers,
 *  evaluated on `validation`; or inference (evaluate, predict) on `data`. */
export type TaskMemoryUse =
  | { kind: "training"; batch: number; optimizerCopies: number; train: TaskShape; validation: TaskShape }
  | { kind: "inference"; data: TaskShape };

interface Pass {
  T: number;
  B: number;
}

export function estimateTaskMemory(use: TaskMemoryUse): MemoryEstimate {
  const shape = use.kind === "training" ? use.train : use.data;
  const scored = use.kind === "training" ? use.validation : use.data;
  const evalPass = { T: scored.longest, B: Math.min(EVAL_CHUNK, scored.examples) };
  const trainPass =
    use.kind === "training" ? { T: shape.longest, B: Math.min(use.batch, shape.examples) } : null;
  const lengths = shape.padded;
  const model = shape.model;
  const base = trainPass
    ? estimateMemory(model, {
        kind: "training",
        ...trainPass,
        optimizerCopies: use.kind === "training" ? use.optimizerCopies : 0,
        validation: evalPass,
        lengths,
      })
    : estimateMemory(model, { kind: "inference", ...evalPass, lengths });
  const s = elementSize(model);
  const headCount = headParams(shape);
  const params = base.params + s * headCount;
  const copies = use.kind === "training" ? use.optimizerCopies : 0;
  const batches = Math.max(batchBytes(shape, evalPass), trainPass ? batchBytes(shape, trainPass) : 0);
  const activations = base.activations + headBytes(shape, trainPass, evalPass) + batches;
  // A checkpoint: its tensors' copies and the encoded file (on load: the file and decoded tensors);
  // training adds fit's copy of the best parameters.
  const checkpoint = (use.kind === "training" ? 3 : 2) * params;
  const estimate = {
    ...base,
    params,
    grads: params,
    optimizer: copies * params,
    activations,
    checkpoint,
  };
  const total =
    estimate.params +
    estimate.grads +
    estimate.optimizer +
    estimate.activations +
    estimate.threads +
    estimate.kernels +
    estimate.checkpoint +
    estimate.generated;
  const count = params / s;
  const largest = count > base.largest.length ? { name: "parameters", length: count } : base.largest;
  return { ...estimate, total, largest };
}

/** head.weight [C×D·H_out] and head.bias [C]: a classifier's parameters beyond its model's. */
function headParams(shape: TaskShape): number {
  if (shape.classes === 0) return 0;
  return shape.classes * (readoutWidth(shape.model) + 1);
}

function readoutWidth(model: ModelConfig): number {
  return directionsOf(model) * stateWidthOf(model);
}

/** Bytes of one batch's own arrays (inputs or tokens, targets, lengths) and the model's copy of
 *  a target mask: made per batch, so the largest pass's count. */
function batchBytes(shape: TaskShape, { T, B }: Pass): number {
  const N = T * B;
  const model = shape.model;
  const inputs = model.input.kind === "dense" ? elementSize(model) * N * inputWidth(model) : 4 * N;
  return inputs + shape.targetBytes * N + (shape.padded ? 4 * B : 0) + (shape.masked ? N : 0);
}

/** A classifier's grow-only buffers: r, dr, logits and their gradient, the labels (rows of the
 *  larger pass), training's dL/d(top outputs) [T·B×R] and output dropout's mask on r. */
function headBytes(shape: TaskShape, train: Pass | null, evalPass: Pass): number {
  if (shape.classes === 0) return 0;
  const s = elementSize(shape.model);
  const R = readoutWidth(shape.model);
  const C = shape.classes;
  const rows = Math.max(train?.B ?? 0, evalPass.B);
  let bytes = s * (2 * rows * R + 2 * rows * C) + 4 * rows;
  if (train) bytes += s * train.T * train.B * R;
  if (train && (shape.model.outputDropout ?? 0) > 0) bytes += s * train.B * R;
  return bytes;
}

function elementSize(model: ModelConfig): number {
  return model.dtype === "float64" ? 8 : 4;
}
