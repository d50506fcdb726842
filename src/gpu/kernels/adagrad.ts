import type { ResolvedAdagradConfig } from "../../train/optim/types.js";
import { type BufferRef, type KernelSource, linearGroups, type Plan, type Uniforms } from "../context.js";
import { checkStep, OPTIMIZER_WG as WG, stepMain } from "./optim.js";

// Adagrad on the GPU, as train/optim/adagrad.ts (torch.optim.Adagrad 1.13, dense gradients) in
// float32, one element-wise dispatch a step; its state is the CPU optimizer's `sum`. Recorded once
// (encodeAdagrad); before each run plan.setUniforms(index, adagradUniforms(o, lr, step)).

/** encodeAdagrad's buffers, each a flat [n] at its offset; params and sum each their own buffer. */
export interface AdagradStep {
  config: ResolvedAdagradConfig;
  n: number;
  params: BufferRef;
  grad: BufferRef;
  /** sum, S: starts at config.initialAccumulatorValue (the CPU optimizer's state does). */
  sum: BufferRef;
}

function adagradKernel(weightDecay: boolean): KernelSource {
  return {
    label: "adagrad step",
    code: /* wgsl */ `
struct U { n: u32, pOffset: u32, gOffset: u32, sumOffset: u32, lrStep: f32, eps: f32, weightDecay: f32 }
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> sum: array<f32>;
// g = g + wd·p;  S = S + g²;  p = p − lr_k·g / (√S + ε), lr_k = lr / (1 + (k − 1)·lrDecay).
${stepMain(
  weightDecay,
  `let si = sum[u.sumOffset + i] + g * g;
  sum[u.sumOffset + i] = si;
  params[u.pOffset + i] = p - (u.lrStep * g) / (sqrt(si) + u.eps);`,
)}`,
  };
}

/** params [n] ← one Adagrad step from grad [n], updating sum [n]; the first run uses o.config.lr at
 *  step 1. Returns the dispatch's index in the plan: before each later run,
 *  plan.setUniforms(index, adagradUniforms(o, lr, step)). */
export function encodeAdagrad(plan: Plan, o: AdagradStep): number {
  const index = plan.length;
  const buffers = [o.params.buffer, o.grad.buffer, o.sum.buffer];
  const uniforms = adagradUniforms(o, o.config.lr, 1);
  plan.dispatch(adagradKernel(o.config.weightDecay !== 0), buffers, uniforms, linearGroups(o.n, WG));
  return index;
}

/** encodeAdagrad's uniforms for the update numbered `step` (from 1) at learning rate `lr`: the
 *  decayed rate lr / (1 + (step − 1)·lrDecay) computed here in float64. */
export function adagradUniforms(o: AdagradStep, lr: number, step: number): Uniforms {
  checkStep(step);
  const { lrDecay, eps, weightDecay } = o.config;
  return {
    u32: [o.n, o.params.offset, o.grad.offset, o.sum.offset],
    f32: [lr / (1 + (step - 1) * lrDecay), eps, weightDecay],
  };
}
