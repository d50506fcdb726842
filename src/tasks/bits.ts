import type { Rng } from "../random.js";
import type { TaskBatch } from "./task.js";

// The seed's bit tasks (its questions 1 and 5) and parity, each scored at every step:
//   alternating sum  y_t = x_t − y_{t−1} = Σ_{i≤t} (−1)^{t−i} x_i,  x uniform on [−1, 1]   (mse)
//   all ones         y_t = 1 iff x_1 … x_t are all 1                                      (bce)
//   equal so far     y_t = 1 iff a_i = b_i for every i ≤ t                                  (bce)
//   parity           y_t = x_1 ⊕ … ⊕ x_t                                                  (bce)
// A sequence of the two "so far" tasks keeps its property until a break drawn uniformly from
// [0, 2T), then has random bits: about half the sequences keep it to the end, so both answers
// stay common at every t.

function empty(T: number, B: number, width: number): TaskBatch {
  return { T, B, inputs: new Float64Array(T * B * width), values: new Float64Array(T * B) };
}

export function alternatingSumBatch(rng: Rng, T: number, B: number): TaskBatch {
  const batch = empty(T, B, 1);
  for (let b = 0; b < B; b++) {
    let y = 0;
    for (let t = 0; t < T; t++) {
      const x = 2 * rng.uniform() - 1;
      y = x - y;
      batch.inputs[t * B + b] = x;
      batch.values![t * B + b] = y;
    }
  }
  return batch;
}

export function allOnesBatch(rng: Rng, T: number, B: number): TaskBatch {
  const batch = empty(T, B, 1);
  for (let b = 0; b < B; b++) {
    const broken = rng.int(2 * T);
    let all = true;
    for (let t = 0; t < T; t++) {
      const x = t < broken ? 1 : rng.int(2);
      all &&= x === 1;
      batch.inputs[t * B + b] = x;
      batch.values![t * B + b] = all ? 1 : 0;
    }
  }
  return batch;
}

export function equalSoFarBatch(rng: Rng, T: number, B: number): TaskBatch {
  const batch = empty(T, B, 2);
  for (let b = 0; b < B; b++) {
    const broken = rng.int(2 * T);
    let equal = true;
    for (let t = 0; t < T; t++) {
      const a = rng.int(2);
      const other = t < broken ? a : rng.int(2);
      equal &&= a === other;
      batch.inputs[(t * B + b) * 2] = a;
      batch.inputs[(t * B + b) * 2 + 1] = other;
      batch.values![t * B + b] = equal ? 1 : 0;
    }
  }
  return batch;
}

export function parityBatch(rng: Rng, T: number, B: number): TaskBatch {
  const batch = empty(T, B, 1);
  for (let b = 0; b < B; b++) {
    let parity = 0;
    for (let t = 0; t < T; t++) {
      const x = rng.int(2);
      parity ^= x;
      batch.inputs[t * B + b] = x;
      batch.values![t * B + b] = parity;
    }
  }
  return batch;
}
