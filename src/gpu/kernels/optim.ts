import { ConfigError } from "../../errors.js";
import type { ResolvedAdamConfig, ResolvedSgdConfig } from "../../train/optim/types.js";
import { type BufferRef, type KernelSource, linearGroups, type Plan, type Uniforms } from "../context.js";

// Adam, AdamW and SGD on the GPU (RMSprop and Adagrad: rmsprop.ts, adagrad.ts): one element-wise
// dispatch per step over a flat parameter buffer,
// the update rules of train/optim/adam.ts and sgd.ts in float32. The state buffers are the CPU
// optimizer's (exp_avg, exp_avg_sq, max_exp_avg_sq; momentum_buffer), element for element, so a
// checkpoint's OptimizerState uploads and reads back as it is.
//
// Per-step values (the learning rate and what the step count gives: bias corrections, SGD's first
// step) are f32 uniforms. encodeAdam / encodeSgd record the dispatch once and return its index in
// the plan; before each run, plan.setUniforms(index, adamUniforms(o, lr, step)) (or sgdUniforms)
// with the same `o`. Those return every field, u32 included, since setUniforms rewrites the slot.
// The options that change the code (amsgrad, AdamW, nesterov, momentum, weight decay ≠ 0) select a
// kernel variant at record time: every binding a variant declares is one it uses.

/** Threads per workgroup of every optimizer kernel (this file's, rmsprop.ts's, adagrad.ts's). */
export const OPTIMIZER_WG = 256;
const WG = OPTIMIZER_WG;

/** encodeAdam's buffers, each a flat [n] at its offset; params, expAvg, expAvgSq and maxExpAvgSq
 *  are written, so each must be its own buffer (grad may share none of theirs). */
export interface AdamStep {
  config: ResolvedAdamConfig;
  n: number;
  params: BufferRef;
  grad: BufferRef;
  /** exp_avg, m. */
  expAvg: BufferRef;
  /** exp_avg_sq, v. */
  expAvgSq: BufferRef;
  /** max_exp_avg_sq, v̂: required with config.amsgrad, unused without. */
  maxExpAvgSq?: BufferRef | null;
}

/** encodeSgd's buffers, each a flat [n]; momentumBuffer (momentum_buffer) is required when
 *  config.momentum ≠ 0, and must be a buffer of its own, as params. */
export interface SgdStep {
  config: ResolvedSgdConfig;
  n: number;
  params: BufferRef;
  grad: BufferRef;
  momentumBuffer?: BufferRef | null;
}

function adamKernel(decoupled: boolean, weightDecay: boolean, amsgrad: boolean): KernelSource {
  // AdamW decays p; Adam with weight decay adds wd·p to the gradient instead.
  const decay = decoupled ? "p = p * u.decay;" : weightDecay ? "g = g + u.weightDecay * p;" : "";
  const vMaxBinding = amsgrad ? "@group(0) @binding(5) var<storage, read_write> vMax: array<f32>;" : "";
  const vHat = amsgrad
    ? `let vm = max(vMax[u.vMaxOffset + i], vi);
  vMax[u.vMaxOffset + i] = vm;`
    : "let vm = vi;";
  return {
    label: `${decoupled ? "adamw" : "adam"}${amsgrad ? " amsgrad" : ""} step`,
    code: /* wgsl */ `
struct U {
  n: u32, pOffset: u32, gOffset: u32, mOffset: u32, vOffset: u32, vMaxOffset: u32,
  beta1: f32, oneMinusBeta1: f32, beta2: f32, oneMinusBeta2: f32, eps: f32, weightDecay: f32,
  decay: f32, stepSize: f32, biasCorrection2Sqrt: f32,
}
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> m: array<f32>;
@group(0) @binding(4) var<storage, read_write> v: array<f32>;
${vMaxBinding}
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= u.n) { return; }
  var p = params[u.pOffset + i];
  var g = grad[u.gOffset + i];
  ${decay}
  let mi = u.beta1 * m[u.mOffset + i] + u.oneMinusBeta1 * g;
  let vi = u.beta2 * v[u.vOffset + i] + u.oneMinusBeta2 * g * g;
  m[u.mOffset + i] = mi;
  v[u.vOffset + i] = vi;
  ${vHat}
  // p −= (lr / (1 − β1^t)) · m / (√v̂ / √(1 − β2^t) + ε)
  params[u.pOffset + i] = p - (u.stepSize * mi) / (sqrt(vm) / u.biasCorrection2Sqrt + u.eps);
}`,
  };
}

/** The main function of every element-wise step but Adam's (AdamW decays p itself): thread i of
 *  u.n reads p = params[i] and g = grad[i], adds wd·p to g when `weightDecay` (PyTorch's L2 decay),
 *  then runs `body`. The kernel declares u (with n, pOffset, gOffset), params and grad. */
export function stepMain(weightDecay: boolean, body: string): string {
  return /* wgsl */ `
@compute @workgroup_size(${WG})
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) nwg: vec3u) {
  let i = gid.x + gid.y * nwg.x * ${WG}u;
  if (i >= u.n) { return; }
  let p = params[u.pOffset + i];
  var g = grad[u.gOffset + i];
  ${weightDecay ? "g = g + u.weightDecay * p;" : ""}
  ${body}
}`;
}

function sgdKernel(momentum: boolean, nesterov: boolean, weightDecay: boolean): KernelSource {
  const bufBinding = momentum ? "@group(0) @binding(3) var<storage, read_write> buf: array<f32>;" : "";
  // buf = g on the first step, else μ·buf + (1 − dampening)·g;  g = g + μ·buf (Nesterov) or buf.
  const momentumUpdate = momentum
    ? `let b = select(u.momentum * buf[u.bufOffset + i] + u.oneMinusDampening * g, g, u.firstStep != 0.0);
  buf[u.bufOffset + i] = b;
  g = ${nesterov ? "g + u.momentum * b" : "b"};`
    : "";
  return {
    label: `sgd${momentum ? " momentum" : ""}${nesterov ? " nesterov" : ""} step`,
    code: /* wgsl */ `
struct U {
  n: u32, pOffset: u32, gOffset: u32, bufOffset: u32,
  lr: f32, weightDecay: f32, momentum: f32, oneMinusDampening: f32, firstStep: f32,
}
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
${bufBinding}
${stepMain(
  weightDecay,
  `${momentumUpdate}
  params[u.pOffset + i] = p - u.lr * g;`,
)}`,
  };
}

/** params [n] ← one Adam/AdamW step (train/optim/adam.ts) from grad [n], updating expAvg,
 *  expAvgSq (and maxExpAvgSq with amsgrad) [n]; the first run uses o.config.lr at step 1. Returns
 *  the dispatch's index in the plan: before each later run,
 *  plan.setUniforms(index, adamUniforms(o, lr, step)). */
export function encodeAdam(plan: Plan, o: AdamStep): number {
  const { config } = o;
  if (config.amsgrad && !o.maxExpAvgSq) {
    throw new ConfigError(`${config.name} with amsgrad needs the maxExpAvgSq buffer`);
  }
  const buffers = [o.params.buffer, o.grad.buffer, o.expAvg.buffer, o.expAvgSq.buffer];
  if (config.amsgrad && o.maxExpAvgSq) buffers.push(o.maxExpAvgSq.buffer);
  const kernel = adamKernel(config.name === "adamw", config.weightDecay !== 0, config.amsgrad);
  const index = plan.length;
  plan.dispatch(kernel, buffers, adamUniforms(o, config.lr, 1), linearGroups(o.n, WG));
  return index;
}

/** encodeAdam's uniforms for the step numbered `step` (from 1, this update included, as the CPU's
 *  stepCount after it) at learning rate `lr`: bias corrections 1 − β^t computed here in float64. */
export function adamUniforms(o: AdamStep, lr: number, step: number): Uniforms {
  checkStep(step);
  const { beta1, beta2, eps, weightDecay } = o.config;
  const offsets = [o.n, o.params.offset, o.grad.offset, o.expAvg.offset, o.expAvgSq.offset];
  return {
    u32: [...offsets, o.maxExpAvgSq?.offset ?? 0],
    f32: [
      beta1,
      1 - beta1,
      beta2,
      1 - beta2,
      eps,
      weightDecay,
      1 - lr * weightDecay,
      lr / (1 - beta1 ** step),
      Math.sqrt(1 - beta2 ** step),
    ],
  };
}

/** params [n] ← one SGD step (train/optim/sgd.ts) from grad [n], updating momentumBuffer [n] when
 *  momentum ≠ 0; the first run uses o.config.lr at step 1. Returns the dispatch's index in the
 *  plan: before each later run, plan.setUniforms(index, sgdUniforms(o, lr, step)). */
export function encodeSgd(plan: Plan, o: SgdStep): number {
  const { config } = o;
  const momentum = config.momentum !== 0;
  if (momentum && !o.momentumBuffer)
    throw new ConfigError("sgd with momentum needs the momentumBuffer buffer");
  const buffers = [o.params.buffer, o.grad.buffer];
  if (momentum && o.momentumBuffer) buffers.push(o.momentumBuffer.buffer);
  const kernel = sgdKernel(momentum, momentum && config.nesterov, config.weightDecay !== 0);
  const index = plan.length;
  plan.dispatch(kernel, buffers, sgdUniforms(o, config.lr, 1), linearGroups(o.n, WG));
  return index;
}

/** encodeSgd's uniforms for the step numbered `step` (from 1: step 1 starts the momentum buffer
 *  at d) at learning rate `lr`. */
export function sgdUniforms(o: SgdStep, lr: number, step: number): Uniforms {
  checkStep(step);
  const { weightDecay, momentum, dampening } = o.config;
  return {
    u32: [o.n, o.params.offset, o.grad.offset, o.momentumBuffer?.offset ?? 0],
    f32: [lr, weightDecay, momentum, 1 - dampening, step === 1 ? 1 : 0],
  };
}

/** Throws unless `step` counts updates from 1. */
export function checkStep(step: number): void {
  if (!Number.isInteger(step) || step < 1) {
    throw new ConfigError(`optimizer step must be an integer >= 1 (the update's count), got ${step}`);
  }
}
