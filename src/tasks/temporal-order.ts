// The temporal-order problem (Hochreiter & Schmidhuber 1997, experiment 6a), scaled to length T:
// a sequence of random distractor symbols (a, b, c, d) in which two relevant symbols, each X or Y,
// appear at t1 in [T/10, T/5) and t2 in [T/2, T/2 + T/10); the class is their order XX, XY, YX or YY,
// asked at the last step. Guessing scores ln 4 nats and 25% accuracy: beating it needs the symbol at
// t1 carried across more than 0.8·T steps. Inputs are one-hot vectors of the 6 symbols. Pure.

import { ConfigError } from "../errors.js";
import type { Rng } from "../random.js";

export const TEMPORAL_ORDER_SYMBOLS = ["a", "b", "c", "d", "X", "Y"] as const;
export const TEMPORAL_ORDER_CLASSES = ["XX", "XY", "YX", "YY"] as const;

export interface ClassificationBatch {
  T: number;
  B: number;
  /** [T·B×6] one-hot symbols, time-major. */
  inputs: Float64Array;
  /** [T·B]: the class at the last step, −1 (no target) elsewhere. */
  classes: Int32Array;
}

export function temporalOrderBatch(rng: Rng, T: number, B: number): ClassificationBatch {
  if (!Number.isInteger(T) || T < 10) {
    throw new ConfigError(
      `the temporal-order problem needs an integer T >= 10, got ${T}: pass a longer sequence`,
    );
  }
  const S = TEMPORAL_ORDER_SYMBOLS.length;
  const inputs = new Float64Array(T * B * S);
  const classes = new Int32Array(T * B).fill(-1);
  const lo1 = Math.floor(T / 10);
  const hi1 = Math.max(lo1 + 1, Math.floor(T / 5));
  const lo2 = Math.floor(T / 2);
  const hi2 = Math.max(lo2 + 1, lo2 + Math.floor(T / 10));
  for (let b = 0; b < B; b++) {
    const t1 = lo1 + rng.int(hi1 - lo1);
    const t2 = lo2 + rng.int(hi2 - lo2);
    const first = rng.int(2);
    const second = rng.int(2);
    for (let t = 0; t < T; t++) {
      const symbol = t === t1 ? 4 + first : t === t2 ? 4 + second : rng.int(4);
      inputs[(t * B + b) * S + symbol] = 1;
    }
    classes[(T - 1) * B + b] = 2 * first + second;
  }
  return { T, B, inputs, classes };
}
