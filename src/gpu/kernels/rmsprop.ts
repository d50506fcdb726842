import { ConfigError } from "../../errors.js";
import type { ResolvedRmspropConfig } from "../../train/optim/types.js";
import { type BufferRef, type KernelSource, linearGroups, type Plan, type Uniforms } from "../context.js";
import { checkStep, OPTIMIZER_WG as WG, stepMain } from "./optim.js";

// RMSprop on the GPU, as train/optim/rmsprop.ts (torch.optim.RMSprop 1.13) in float32, one
// element-wise dispatch a step; state buffers square_avg, momentum_buffer (momentum > 0) and
// grad_avg (centered), the CPU optimizer's. Recorded once (encodeRmsprop); before each run
// plan.setUniforms(index, rmspropUniforms(o, lr)).

/** encodeRmsprop's buffers, each a flat [n] at its offset; every written one its own buffer. */
export interface RmspropStep {
  config: ResolvedRmspropConfig;
  n: number;
  params: BufferRef;
  grad: BufferRef;
  /** square_avg, s. */
  squareAvg: BufferRef;
  /** momentum_buffer, b: required when config.momentum > 0. */
  momentumBuffer?: BufferRef | null;
  /** grad_avg, ḡ: required when config.centered. */
  gradAvg?: BufferRef | null;
}

function rmspropKernel(momentum: boolean, centered: boolean, weightDecay: boolean): KernelSource {
  const bindings = [
    momentum ? "@group(0) @binding(4) var<storage, read_write> buf: array<f32>;" : "",
    centered ? `@group(0) @binding(${momentum ? 5 : 4}) var<storage, read_write> gAvg: array<f32>;` : "",
  ].join("\n");
  const variance = centered
    ? `let ga = u.alpha * gAvg[u.gAvgOffset + i] + u.oneMinusAlpha * g;
  gAvg[u.gAvgOffset + i] = ga;
  let d = sqrt(si - ga * ga) + u.eps;`
    : "let d = sqrt(si) + u.eps;";
  const update = momentum
    ? `let b = u.momentum * buf[u.bufOffset + i] + g / d;
  buf[u.bufOffset + i] = b;
  params[u.pOffset + i] = p - u.lr * b;`
    : "params[u.pOffset + i] = p - (u.lr * g) / d;";
  return {
    label: `rmsprop${momentum ? " momentum" : ""}${centered ? " centered" : ""} step`,
    code: /* wgsl */ `
struct U {
  n: u32, pOffset: u32, gOffset: u32, sOffset: u32, bufOffset: u32, gAvgOffset: u32,
  lr: f32, alpha: f32, oneMinusAlpha: f32, eps: f32, weightDecay: f32, momentum: f32,
}
@group(0) @binding(0) var<uniform> u: U;
@group(0) @binding(1) var<storage, read_write> params: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> s: array<f32>;
${bindings}
// g = g + wd·p;  s = α·s + (1 − α)·g²;  d = √(s − ḡ²) + ε (centered, ḡ = α·ḡ + (1 − α)·g) or √s + ε;
// p = p − lr·b with b = μ·b + g/d (momentum), else p = p − lr·g/d.
${stepMain(
  weightDecay,
  `let si = u.alpha * s[u.sOffset + i] + u.oneMinusAlpha * g * g;
  s[u.sOffset + i] = si;
  ${variance}
  ${update}`,
)}`,
  };
}

/** params [n] ← one RMSprop step from grad [n], updating the state buffers; the first run uses
 *  o.config.lr. Returns the dispatch's index in the plan: before each later run,
 *  plan.setUniforms(index, rmspropUniforms(o, lr)). */
export function encodeRmsprop(plan: Plan, o: RmspropStep): number {
  const { config } = o;
  const momentum = config.momentum > 0;
  if (momentum && !o.momentumBuffer)
    throw new ConfigError("rmsprop with momentum needs the momentumBuffer buffer");
  if (config.centered && !o.gradAvg) throw new ConfigError("rmsprop centered needs the gradAvg buffer");
  const buffers = [o.params.buffer, o.grad.buffer, o.squareAvg.buffer];
  if (momentum && o.momentumBuffer) buffers.push(o.momentumBuffer.buffer);
  if (config.centered && o.gradAvg) buffers.push(o.gradAvg.buffer);
  const kernel = rmspropKernel(momentum, config.centered, config.weightDecay !== 0);
  const index = plan.length;
  plan.dispatch(kernel, buffers, rmspropUniforms(o, config.lr, 1), linearGroups(o.n, WG));
  return index;
}

/** encodeRmsprop's uniforms at learning rate `lr` for the update numbered `step` (from 1; RMSprop's
 *  rule does not depend on it, checked only). */
export function rmspropUniforms(o: RmspropStep, lr: number, step: number): Uniforms {
  checkStep(step);
  const { alpha, eps, weightDecay, momentum } = o.config;
  const offsets = [o.n, o.params.offset, o.grad.offset, o.squareAvg.offset];
  return {
    u32: [...offsets, o.momentumBuffer?.offset ?? 0, o.gradAvg?.offset ?? 0],
    f32: [lr, alpha, 1 - alpha, eps, weightDecay, momentum],
  };
}
