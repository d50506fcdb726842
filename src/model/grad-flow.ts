import type { Buf } from "../tensor.js";

/** ‖dL/dh_t‖₂ over the batch and units for t = 0..T, from a [(T+1)·B×H] buffer of BPTT
 *  (StepResult.hiddenGrads[layer] or .cellGrads[layer]): the gradient's flow back through time.
 *  Scaled by the largest entry first, so norms near 1e-160 (vanishing gradients) do not underflow
 *  to 0 when squared. Writes `norms` [T+1] when given. */
export function normsOverTime(
  grads: Buf,
  T: number,
  B: number,
  H: number,
  norms: Float64Array = new Float64Array(T + 1),
): Float64Array {
  const row = B * H;
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
