// The seed's step Jacobian and product formula for h_{t+1} = σ(z_{t+1}), z_{t+1} = U x_{t+1} + W h_t,
// written as data (which factor multiplies W, in which order the products are taken) and evaluated
// against the library's BPTT.

import { sigmoid } from "../../src/kernels/index.js";
import { type Flow, type RnnSpec, rowOf } from "./flow.js";
import { matTVec, matVec } from "./linalg.js";

/** The pointwise factor the formula puts in front of W:
 *  - "dsigma*(1-dsigma)": σ'(z)(1 − σ'(z)), the seed's literal expression (σ' used as if it were σ);
 *  - "sigma*(1-sigma)": σ(z)(1 − σ(z)) = σ'(z), the sigmoid's derivative. */
export type SigmoidFactor = "dsigma*(1-dsigma)" | "sigma*(1-sigma)";

export const SIGMOID_FACTORS: readonly SigmoidFactor[] = ["dsigma*(1-dsigma)", "sigma*(1-sigma)"];

export function sigmoidFactor(factor: SigmoidFactor, z: number): number {
  const s = sigmoid(z);
  const ds = s * (1 - s);
  return factor === "sigma*(1-sigma)" ? ds : ds * (1 - ds);
}

/** How "dL/dh_{t+1} × factor × W" is multiplied out for vectors:
 *  - "gradient-first": the gradient as a row vector, g_tᵀ = g_{t+1}ᵀ diag(f) W, i.e. g_t = Wᵀ diag(f) g_{t+1};
 *  - "weight-first": g_t = W diag(f) g_{t+1} (W instead of Wᵀ). */
export type StepOrder = "gradient-first" | "weight-first";

/** How the product over T steps is multiplied out for vectors:
 *  - "ordered": g_0 = Wᵀ D_1 Wᵀ D_2 ⋯ Wᵀ D_T g_T, with D_i = diag(f(z_i)): the step rule applied T times;
 *  - "factors-then-power": g_0ᵀ = g_Tᵀ diag(∏_i f(z_i)) W^T, all factors first and then W to the power T
 *    (the seed's ∏ [·] W^T read with W^T as a power, as its W² for T = 2 suggests). */
export type ProductForm = "ordered" | "factors-then-power";

/** One step back: the formula's g_t from g_{t+1} and z_{t+1}. */
export function stepBack(
  W: Float64Array,
  H: number,
  gNext: Float64Array,
  zNext: Float64Array,
  factor: SigmoidFactor,
  order: StepOrder,
): Float64Array {
  const scaled = new Float64Array(H);
  for (let i = 0; i < H; i++) scaled[i] = sigmoidFactor(factor, zNext[i]) * gNext[i];
  return order === "gradient-first" ? matTVec(W, scaled, H) : matVec(W, scaled, H);
}

/** The formula's g_0 from g_T and z_1..z_T of sequence b of a flow. */
export function productBack(
  spec: RnnSpec,
  flow: Flow,
  b: number,
  factor: SigmoidFactor,
  form: ProductForm,
): Float64Array {
  const { T, B, H } = flow;
  let g: Float64Array = Float64Array.from(rowOf(flow.grads, T, b, B, H));
  if (form === "ordered") {
    for (let t = T; t >= 1; t--)
      g = stepBack(spec.W, H, g, rowOf(flow.pre, t, b, B, H), factor, "gradient-first");
    return g;
  }
  // g_Tᵀ diag(∏ f) W^T  =  ((Wᵀ)^T diag(∏ f) g_T)ᵀ
  for (let i = 0; i < H; i++) {
    let prod = 1;
    for (let t = 1; t <= T; t++) prod *= sigmoidFactor(factor, flow.pre[(t * B + b) * H + i]);
    g[i] *= prod;
  }
  for (let t = 0; t < T; t++) g = matTVec(spec.W, g, H);
  return g;
}
