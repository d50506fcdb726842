// The adding problem (Hochreiter & Schmidhuber 1997, experiment 4, in the form of Le, Jaitly &
// Hinton 2015): a long-range regression task for recurrent networks. Each step feeds two numbers: a
// value drawn uniformly from [0, 1) and a marker, 1 at exactly two steps (one in the first half of
// the sequence, one in the second) and 0 elsewhere. At the last step the network must output the
// sum of the two marked values; nothing else is scored. Predicting the mean (1) scores
// Var(X1 + X2) = 1/6, so a network only beats that by carrying the first marked value across at
// least T/2 steps. Pure: all randomness comes from the generator passed in.

import { ConfigError } from "../errors.js";
import type { Rng } from "../random.js";

export interface RegressionBatch {
  T: number;
  B: number;
  /** [T·B×2] time-major: row t·B + b = (value, marker) of sequence b at step t + 1. */
  inputs: Float64Array;
  /** [T·B×1]: the target at the last step of each sequence, 0 elsewhere (masked). */
  values: Float64Array;
  /** [T·B]: 1 at the last step only (the one scored position). */
  mask: Uint8Array;
}

/** The variance of X1 + X2 for X uniform on [0, 1): the mean predictor's expected squared error. */
export const ADDING_BASELINE_MSE = 1 / 6;

/** B sequences of length T >= 4 of the adding problem. */
export function addingBatch(rng: Rng, T: number, B: number): RegressionBatch {
  if (!Number.isInteger(T) || T < 4)
    throw new ConfigError(`the adding problem needs an integer T >= 4, got ${T}: pass a longer sequence`);
  const inputs = new Float64Array(T * B * 2);
  const values = new Float64Array(T * B);
  const mask = new Uint8Array(T * B);
  const half = Math.floor(T / 2);
  for (let b = 0; b < B; b++) {
    const first = rng.int(half);
    const second = half + rng.int(T - half);
    let sum = 0;
    for (let t = 0; t < T; t++) {
      const v = rng.uniform();
      const row = (t * B + b) * 2;
      inputs[row] = v;
      if (t === first || t === second) {
        inputs[row + 1] = 1;
        sum += v;
      }
    }
    values[(T - 1) * B + b] = sum;
    mask[(T - 1) * B + b] = 1;
  }
  return { T, B, inputs, values, mask };
}
