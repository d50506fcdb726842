import type { Buf } from "../tensor.js";

/** ‖dL/dh_t‖₂ over the batch and units for t = 0..T, from a [(T+1)·B×H] buffer of BPTT
 *  (StepResult.hiddenGrads[layer] or .cellGrads[layer]): the gradient's flow back through time. */
export function normsOverTime(grads: Buf, T: number, B: number, H: number): Float64Array {
  const norms = new Float64Array(T + 1);
  const row = B * H;
  for (let t = 0; t <= T; t++) {
    let sum = 0;
    for (let i = t * row; i < (t + 1) * row; i++) sum += grads[i] * grads[i];
    norms[t] = Math.sqrt(sum);
  }
  return norms;
}
