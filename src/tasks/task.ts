import type { LossName } from "../model/config.js";
import type { Rng } from "../random.js";

/** A batch of a synthetic task, time-major (row t·B + b): dense inputs [T·B×inputSize] and the
 *  targets its loss takes (classes for cross-entropy, values for bce and mse), mask 0 where a
 *  step is not scored. */
export interface TaskBatch {
  T: number;
  B: number;
  inputs: Float64Array;
  classes?: Int32Array;
  values?: Float64Array;
  mask?: Uint8Array;
}

/** A sequence task a recurrent network learns from generated data. */
export interface SequenceTask {
  title: string;
  inputSize: number;
  /** Output units: the classes for cross-entropy, one value for bce and mse. */
  outputSize: number;
  loss: LossName;
  /** The shortest sequence the task is defined for. */
  minLength: number;
  /** B sequences of length T; all randomness from `rng`. */
  batch(rng: Rng, T: number, B: number): TaskBatch;
}
