// Log-softmax of one row of logits and KL(p || q) against it: what every comparison of a model's
// next-token distribution with a known one is made of (exposure bias, the lab's oracle checks).

import { ShapeError } from "../errors.js";

/** out[0..V) = log softmax(logits[offset..offset + V)), in float64. The row's maximum is subtracted
 *  before exp, so large logits cannot overflow. Returns `out`. */
export function logSoftmax(
  logits: ArrayLike<number>,
  offset: number,
  V: number,
  out: Float64Array,
): Float64Array {
  let max = Number.NEGATIVE_INFINITY;
  for (let v = 0; v < V; v++) max = Math.max(max, logits[offset + v]);
  let sum = 0;
  for (let v = 0; v < V; v++) sum += Math.exp(logits[offset + v] - max);
  const shift = max + Math.log(sum);
  for (let v = 0; v < V; v++) out[v] = logits[offset + v] - shift;
  return out;
}

/** KL(p || q) = Σ_v p_v (log p_v − log q_v) in nats, q given as log q (from logSoftmax). A term with
 *  p_v = 0 is 0 (the limit of p·log p, even where q_v = 0 too); round-off below 0 is clamped to 0. */
export function klDivergence(p: ArrayLike<number>, logq: ArrayLike<number>): number {
  const V = logq.length;
  if (p.length !== V)
    throw new ShapeError(`p has ${p.length} entries but log q has ${V}: give both over the same vocabulary`);
  let kl = 0;
  for (let v = 0; v < V; v++) if (p[v] > 0) kl += p[v] * (Math.log(p[v]) - logq[v]);
  return Math.max(0, kl);
}
