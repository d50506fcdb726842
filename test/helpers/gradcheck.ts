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
