import { dot } from "../../src/kernels/elementwise.js";
import { directionsOf, outputWidthOf, type RecurrentConfig, stateWidthOf } from "../../src/model/config.js";
import type { Params } from "../../src/model/params.js";
import type { RecurrentStack } from "../../src/model/stack.js";
import type { Rng } from "../../src/random.js";
import type { Buf } from "../../src/tensor.js";

/** Central differences (f(v + ε) − f(v − ε)) / 2ε for every entry of `values`, restored after. */
export function numericGradient(
  loss: () => number,
  values: Buf,
  eps = 1e-6,
  indices?: number[],
): Float64Array {
  const grad = new Float64Array(values.length);
  for (const i of indices ?? values.keys()) {
    const saved = values[i];
    values[i] = saved + eps;
    const plus = loss();
    values[i] = saved - eps;
    const minus = loss();
    values[i] = saved;
    grad[i] = (plus - minus) / (2 * eps);
  }
  return grad;
}

/** max |a − n| / max(max |n|, max |a|, 1e-8): the error relative to the gradient's size. */
export function relativeError(analytic: ArrayLike<number>, numeric: ArrayLike<number>): number {
  let maxDiff = 0;
  let scale = 1e-8;
  for (let i = 0; i < numeric.length; i++) {
    maxDiff = Math.max(maxDiff, Math.abs(analytic[i] - numeric[i]));
    scale = Math.max(scale, Math.abs(numeric[i]), Math.abs(analytic[i]));
  }
  return maxDiff / scale;
}

export function randomBuffer(size: number, next: () => number): Float64Array {
  return Float64Array.from({ length: size }, next);
}

export function maxAbsOf(values: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < values.length; i++) max = Math.max(max, Math.abs(values[i]));
  return max;
}

/**
 * A random weighted loss over everything a recurrent stack returns, for gradient checks:
 * L = Σ output ⊙ wOut + Σ h_n ⊙ wH (+ Σ c_n ⊙ wC for an LSTM), with x ~ N(0, 1) [T·B×I], h0 and c0
 * ~ N(0, 1/4) [L·D·B×H_out] and [L·D·B×H], and the weights ~ N(0, 1), drawn from `rng` in that order.
 * `backward` runs the forward pass, zeroes the parameter gradients and returns dL/dx.
 */
export function weightedStackLoss(
  stack: RecurrentStack,
  params: Params,
  config: RecurrentConfig,
  shape: { I: number; T: number; B: number },
  rng: Rng,
  lengths: Int32Array | null,
) {
  const { I, T, B } = shape;
  const H = config.hiddenSize;
  const P = stateWidthOf(config);
  const states = config.layers * directionsOf(config) * B;
  const x = randomBuffer(T * B * I, () => rng.normal());
  const h0 = randomBuffer(states * P, () => rng.normal() * 0.5);
  const c0 = randomBuffer(states * H, () => rng.normal() * 0.5);
  const wOut = randomBuffer(T * B * outputWidthOf(config), () => rng.normal());
  const wH = randomBuffer(states * P, () => rng.normal());
  const wC = randomBuffer(states * H, () => rng.normal());
  const lstm = config.cell === "lstm";
  const loss = () => {
    const out = stack.forward(params, x, T, B, { h: h0, c: lstm ? c0 : undefined }, lengths);
    const final = stack.finalState();
    return dot(out, wOut) + dot(final.h, wH) + (lstm ? dot(final.c, wC) : 0);
  };
  const backward = () => {
    loss();
    params.zeroGrad();
    return stack.backward(params, wOut, { h: wH, c: lstm ? wC : undefined }, true);
  };
  return { x, h0, c0, loss, backward, lstm };
}
