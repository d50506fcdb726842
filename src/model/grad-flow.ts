import { wasmPointwiseEnabled } from "../kernels/pointwise-wasm.js";
import { blockSumSquaresWasm } from "../kernels/rows-wasm.js";
import type { Buf } from "../tensor.js";

/** ‖dL/dh_t‖₂ over the batch and units for t = 0..T, from a [(T+1)·B×H] buffer of BPTT
 *  (StepResult.hiddenGrads[layer] or .cellGrads[layer]): the gradient's flow back through time.
 *  float64 gradients are scaled by the largest entry first, so norms near 1e-160 (vanishing
 *  gradients) do not underflow to 0 when squared. Writes `norms` [T+1] when given. */
export function normsOverTime(
  grads: Buf,
  T: number,
  B: number,
  H: number,
  norms: Float64Array = new Float64Array(T + 1),
): Float64Array {
  const row = B * H;
  if (grads instanceof Float32Array) {
    // A float32 value squared in float64 neither overflows nor underflows (1.4e−45 ≤ |g| ≤ 3.4e38),
    // so one unscaled pass is exact to float64 rounding (and much faster: this runs every step).
    if (wasmPointwiseEnabled()) {
      blockSumSquaresWasm(norms, grads, T + 1, row);
      for (let t = 0; t <= T; t++) norms[t] = Math.sqrt(norms[t]);
      return norms;
    }
    for (let t = 0; t <= T; t++) {
      let sum = 0;
      for (let i = t * row; i < (t + 1) * row; i++) {
        const g = grads[i];
        sum += g * g;
      }
      norms[t] = Math.sqrt(sum);
    }
    return norms;
  }
  for (let t = 0; t <= T; t++) {
    let max = 0;
    for (let i = t * row; i < (t + 1) * row; i++) max = Math.max(max, Math.abs(grads[i]));
    if (max === 0 || !Number.isFinite(max)) {
      norms[t] = max;
      continue;
    }
    let sum = 0;
    for (let i = t * row; i < (t + 1) * row; i++) sum += (grads[i] / max) ** 2;
    norms[t] = max * Math.sqrt(sum);
  }
  return norms;
}
