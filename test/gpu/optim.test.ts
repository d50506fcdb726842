import { describe, expect, it } from "vitest";
import type { BufferRef, GpuContext } from "../../src/gpu/context.js";
import { encodeClipByNorm, encodeClipByValue } from "../../src/gpu/kernels/clip.js";
import { type AdagradStep, adagradUniforms, encodeAdagrad } from "../../src/gpu/kernels/adagrad.js";
import {
  type AdamStep,
  adamUniforms,
  encodeAdam,
  encodeSgd,
  type SgdStep,
  sgdUniforms,
} from "../../src/gpu/kernels/optim.js";
import { encodeRmsprop, type RmspropStep, rmspropUniforms } from "../../src/gpu/kernels/rmsprop.js";
import { clipGradNorm, clipGradValue } from "../../src/train/clip.js";
import { resolveOptimizerConfig } from "../../src/train/optim/config.js";
import type {
  AdagradConfig,
  AdamConfig,
  Optimizer,
  OptimizerConfig,
  RmspropConfig,
  SgdConfig,
} from "../../src/train/optim/types.js";
import { createOptimizer } from "../../src/train/optimizers.js";
import { gpuContext, skipGpuTests } from "../helpers/gpu.js";
import { randomFloats, worstError } from "../helpers/gpu-compare.js";

// The GPU optimizers against the CPU's (Adam, Sgd, Rmsprop, Adagrad) on Float64Array copies of the
// same float32 values, over 5 steps with a learning rate that changes every step and new gradients
// each step; the clips against clipGradNorm / clipGradValue. Tolerance: |gpu − cpu| ≤
// 1e-5·|cpu| + 1e-7 on parameters, and on every state buffer with 1e-7 times its largest |element|
// (at least 1e-7).

const REL = 1e-5;
const ABS = 1e-7;
/** 1037 parameters: 5 workgroups of 256, the last one partly used. */
const N = 1037;
const LEARNING_RATES = [0.01, 0.03, 0.002, 0.05, 0.02];

/** A [N] slice of a fresh buffer, at a nonzero offset so the kernels' offsets are exercised. */
function slice(gpu: GpuContext, label: string, data?: Float32Array): BufferRef {
  const offset = 7;
  const buffer = gpu.buffer(offset + N + 3, label);
  if (data) gpu.write(buffer, data, offset);
  return { buffer, offset };
}

async function read(gpu: GpuContext, ref: BufferRef): Promise<Float32Array> {
  return gpu.read(ref.buffer, N, ref.offset);
}

/** The GPU side of a run: records the step once, then per step writes the gradient, sets the
 *  uniforms for (lr, step) and runs. */
interface GpuOptimizer {
  params: BufferRef;
  grad: BufferRef;
  /** The state buffers by the CPU state's names. */
  state: Record<string, BufferRef>;
  uniforms(lr: number, step: number): ReturnType<typeof adamUniforms>;
  index: number;
}

function gpuAdam(gpu: GpuContext, plan: ReturnType<GpuContext["plan"]>, config: AdamConfig): GpuOptimizer {
  const resolved = resolveOptimizerConfig(config);
  const o: AdamStep = {
    config: resolved,
    n: N,
    params: slice(gpu, "params"),
    grad: slice(gpu, "grad"),
    expAvg: slice(gpu, "exp_avg"),
    expAvgSq: slice(gpu, "exp_avg_sq"),
    maxExpAvgSq: resolved.amsgrad ? slice(gpu, "max_exp_avg_sq") : null,
  };
  const state: Record<string, BufferRef> = { exp_avg: o.expAvg, exp_avg_sq: o.expAvgSq };
  if (o.maxExpAvgSq) state.max_exp_avg_sq = o.maxExpAvgSq;
  const index = encodeAdam(plan, o);
  return { params: o.params, grad: o.grad, state, uniforms: (lr, step) => adamUniforms(o, lr, step), index };
}

function gpuSgd(gpu: GpuContext, plan: ReturnType<GpuContext["plan"]>, config: SgdConfig): GpuOptimizer {
  const resolved = resolveOptimizerConfig(config);
  const o: SgdStep = {
    config: resolved,
    n: N,
    params: slice(gpu, "params"),
    grad: slice(gpu, "grad"),
    momentumBuffer: resolved.momentum !== 0 ? slice(gpu, "momentum_buffer") : null,
  };
  const state: Record<string, BufferRef> = o.momentumBuffer ? { momentum_buffer: o.momentumBuffer } : {};
  const index = encodeSgd(plan, o);
  return { params: o.params, grad: o.grad, state, uniforms: (lr, step) => sgdUniforms(o, lr, step), index };
}

function gpuRmsprop(
  gpu: GpuContext,
  plan: ReturnType<GpuContext["plan"]>,
  config: RmspropConfig,
): GpuOptimizer {
  const resolved = resolveOptimizerConfig(config);
  const o: RmspropStep = {
    config: resolved,
    n: N,
    params: slice(gpu, "params"),
    grad: slice(gpu, "grad"),
    squareAvg: slice(gpu, "square_avg"),
    momentumBuffer: resolved.momentum > 0 ? slice(gpu, "momentum_buffer") : null,
    gradAvg: resolved.centered ? slice(gpu, "grad_avg") : null,
  };
  const state: Record<string, BufferRef> = { square_avg: o.squareAvg };
  if (o.momentumBuffer) state.momentum_buffer = o.momentumBuffer;
  if (o.gradAvg) state.grad_avg = o.gradAvg;
  const index = encodeRmsprop(plan, o);
  return {
    params: o.params,
    grad: o.grad,
    state,
    uniforms: (lr, step) => rmspropUniforms(o, lr, step),
    index,
  };
}

function gpuAdagrad(
  gpu: GpuContext,
  plan: ReturnType<GpuContext["plan"]>,
  config: AdagradConfig,
): GpuOptimizer {
  const o: AdagradStep = {
    config: resolveOptimizerConfig(config),
    n: N,
    params: slice(gpu, "params"),
    grad: slice(gpu, "grad"),
    sum: slice(gpu, "sum"),
  };
  const index = encodeAdagrad(plan, o);
  const uniforms = (lr: number, step: number) => adagradUniforms(o, lr, step);
  return { params: o.params, grad: o.grad, state: { sum: o.sum }, uniforms, index };
}

function gpuOptimizer(
  gpu: GpuContext,
  plan: ReturnType<GpuContext["plan"]>,
  config: OptimizerConfig,
): GpuOptimizer {
  switch (config.name) {
    case "sgd":
      return gpuSgd(gpu, plan, config);
    case "rmsprop":
      return gpuRmsprop(gpu, plan, config);
    case "adagrad":
      return gpuAdagrad(gpu, plan, config);
    default:
      return gpuAdam(gpu, plan, config);
  }
}

function cpuOptimizer(config: OptimizerConfig): Optimizer {
  return createOptimizer(config, new Float64Array(N));
}

/** Steps `fromStep`..5 on both, from the CPU optimizer's current state (uploaded first), and
 *  returns the worst error over parameters and state buffers. */
async function compareSteps(
  gpu: GpuContext,
  config: OptimizerConfig,
  cpu: Optimizer,
  values: Float64Array,
  seed: number,
): Promise<number> {
  const plan = gpu.plan(config.name);
  const g = await gpu.checked(() => gpuOptimizer(gpu, plan, config));
  gpu.write(g.params.buffer, Float32Array.from(values), g.params.offset);
  for (const [name, buffer] of Object.entries(cpu.state().buffers)) {
    gpu.write(g.state[name].buffer, Float32Array.from(buffer), g.state[name].offset);
  }
  for (let step = cpu.stepCount + 1; step <= LEARNING_RATES.length; step++) {
    const lr = LEARNING_RATES[step - 1];
    const grad = Float32Array.from(randomFloats(N, seed + step, 0.5, "lcg"));
    gpu.write(g.grad.buffer, grad, g.grad.offset);
    plan.setUniforms(g.index, g.uniforms(lr, step));
    gpu.run(plan);
    cpu.lr = lr;
    cpu.step(values, Float64Array.from(grad));
  }
  let worst = worstError(await read(gpu, g.params), values, REL, ABS);
  const state = cpu.state().buffers;
  expect(Object.keys(g.state).sort()).toEqual(Object.keys(state).sort());
  for (const [name, buffer] of Object.entries(state)) {
    // A buffer summed from terms larger than itself (RMSprop's b = μ·b + g/d, with |g/d| up to
    // 1/√(1 − α)) carries their rounding: the absolute floor scales with its largest element.
    const floor = ABS * Math.max(1, ...Array.from(buffer, Math.abs));
    worst = Math.max(worst, worstError(await read(gpu, g.state[name]), buffer, REL, floor));
  }
  return worst;
}

/** 5 steps from fresh state on both sides. */
async function compareFromStart(gpu: GpuContext, config: OptimizerConfig, seed: number): Promise<number> {
  const values = randomFloats(N, seed, 1, "lcg").map(Math.fround);
  return compareSteps(gpu, config, cpuOptimizer(config), values, seed);
}

const ADAM_CONFIGS: AdamConfig[] = [
  { name: "adam", lr: 0.01 },
  { name: "adam", lr: 0.01, weightDecay: 0.1 },
  { name: "adam", lr: 0.01, amsgrad: true },
  { name: "adam", lr: 0.01, weightDecay: 0.05, amsgrad: true, beta1: 0.8, beta2: 0.95, eps: 1e-6 },
  { name: "adamw", lr: 0.01 },
  { name: "adamw", lr: 0.01, weightDecay: 0.2, amsgrad: true },
];

const SGD_CONFIGS: SgdConfig[] = [
  { name: "sgd", lr: 0.1 },
  { name: "sgd", lr: 0.1, weightDecay: 0.01 },
  { name: "sgd", lr: 0.1, momentum: 0.9 },
  { name: "sgd", lr: 0.1, momentum: 0.9, dampening: 0.3 },
  { name: "sgd", lr: 0.1, momentum: 0.8, nesterov: true },
  { name: "sgd", lr: 0.1, momentum: 0.7, nesterov: true, weightDecay: 0.05 },
];

const RMSPROP_CONFIGS: RmspropConfig[] = [
  { name: "rmsprop", lr: 0.01 },
  { name: "rmsprop", lr: 0.01, alpha: 0.9, weightDecay: 0.05, eps: 1e-6 },
  { name: "rmsprop", lr: 0.01, momentum: 0.9 },
  { name: "rmsprop", lr: 0.01, centered: true },
  { name: "rmsprop", lr: 0.01, momentum: 0.5, centered: true, weightDecay: 0.01 },
];

const ADAGRAD_CONFIGS: AdagradConfig[] = [
  { name: "adagrad", lr: 0.1 },
  { name: "adagrad", lr: 0.1, lrDecay: 0.2, weightDecay: 0.05, initialAccumulatorValue: 0.3, eps: 1e-6 },
];

describe.skipIf(skipGpuTests())("GPU optimizers and clipping", () => {
  it("encodeAdam + adamUniforms over 5 steps match Adam (adam, weight decay, amsgrad, adamw)", async () => {
    const gpu = await gpuContext();
    for (const [k, config] of ADAM_CONFIGS.entries()) {
      expect(await compareFromStart(gpu, config, 100 + k), JSON.stringify(config)).toBeLessThanOrEqual(1);
    }
  });

  it("encodeSgd + sgdUniforms over 5 steps match Sgd (plain, momentum, dampening, nesterov, decay)", async () => {
    const gpu = await gpuContext();
    for (const [k, config] of SGD_CONFIGS.entries()) {
      expect(await compareFromStart(gpu, config, 200 + k), JSON.stringify(config)).toBeLessThanOrEqual(1);
    }
  });

  it("encodeRmsprop + rmspropUniforms over 5 steps match Rmsprop (plain, decay, momentum, centered)", async () => {
    const gpu = await gpuContext();
    for (const [k, config] of RMSPROP_CONFIGS.entries()) {
      expect(await compareFromStart(gpu, config, 600 + k), JSON.stringify(config)).toBeLessThanOrEqual(1);
    }
  });

  it("encodeAdagrad + adagradUniforms over 5 steps match Adagrad (plain; lr decay, weight decay, start)", async () => {
    const gpu = await gpuContext();
    for (const [k, config] of ADAGRAD_CONFIGS.entries()) {
      expect(await compareFromStart(gpu, config, 700 + k), JSON.stringify(config)).toBeLessThanOrEqual(1);
    }
  });

  it("every optimizer's kernel continues a CPU optimizer's state from step 3", async () => {
    const gpu = await gpuContext();
    const configs: OptimizerConfig[] = [
      { name: "adam", lr: 0.01, amsgrad: true, weightDecay: 0.01 },
      { name: "sgd", lr: 0.1, momentum: 0.9, dampening: 0.1 },
      { name: "rmsprop", lr: 0.01, momentum: 0.5, centered: true },
      { name: "adagrad", lr: 0.1, lrDecay: 0.2 },
    ];
    for (const [k, config] of configs.entries()) {
      const cpu = cpuOptimizer(config);
      const values = randomFloats(N, 300 + k, 1, "lcg").map(Math.fround);
      for (let step = 1; step <= 2; step++) {
        cpu.lr = LEARNING_RATES[step - 1];
        cpu.step(values, randomFloats(N, 400 + step, 0.5, "lcg").map(Math.fround));
      }
      expect(await compareSteps(gpu, config, cpu, values, 500 + k), config.name).toBeLessThanOrEqual(1);
    }
  });

  it("encodeAdam without maxExpAvgSq under amsgrad, encodeRmsprop without its buffers, and a step 0, throw", async () => {
    const gpu = await gpuContext();
    const plan = gpu.plan();
    const ref = slice(gpu, "x");
    const config = resolveOptimizerConfig({ name: "adam", lr: 0.01, amsgrad: true });
    const o: AdamStep = { config, n: N, params: ref, grad: ref, expAvg: ref, expAvgSq: ref };
    expect(() => encodeAdam(plan, o)).toThrow(/maxExpAvgSq/);
    expect(() => adamUniforms(o, 0.01, 0)).toThrow(/step must be an integer >= 1/);
    const rmsprop = (config: RmspropConfig): RmspropStep => ({
      config: resolveOptimizerConfig(config),
      n: N,
      params: ref,
      grad: ref,
      squareAvg: ref,
    });
    expect(() => encodeRmsprop(plan, rmsprop({ name: "rmsprop", lr: 0.01, momentum: 0.9 }))).toThrow(
      /momentumBuffer/,
    );
    expect(() => encodeRmsprop(plan, rmsprop({ name: "rmsprop", lr: 0.01, centered: true }))).toThrow(
      /gradAvg/,
    );
    const adagrad = {
      config: resolveOptimizerConfig({ name: "adagrad", lr: 0.1 }),
      n: N,
      params: ref,
      grad: ref,
      sum: ref,
    };
    expect(() => adagradUniforms(adagrad, 0.1, 0)).toThrow(/step must be an integer >= 1/);
  });

  it("encodeClipByNorm scales as clipGradNorm when the norm is over maxNorm, and not when under", async () => {
    const gpu = await gpuContext();
    const grad = Float32Array.from(randomFloats(N, 42, 1, "lcg"));
    let sumOfSquares = 0;
    for (const g of grad) sumOfSquares += g * g;
    const norm = Math.sqrt(sumOfSquares);
    for (const maxNorm of [norm / 3, norm * 2]) {
      const cpu = Float64Array.from(grad);
      const result = clipGradNorm([cpu], maxNorm);
      expect(result.clipped).toBe(maxNorm < norm);
      const g = slice(gpu, "grad", grad);
      const norm2 = gpu.upload(Float32Array.from([0, sumOfSquares]), "norm2");
      const plan = gpu.plan();
      await gpu.checked(() =>
        encodeClipByNorm(plan, { n: N, grad: g, norm2: { buffer: norm2, offset: 1 }, maxNorm }),
      );
      gpu.run(plan);
      const actual = await read(gpu, g);
      expect(worstError(actual, cpu, REL, ABS), `maxNorm ${maxNorm}`).toBeLessThanOrEqual(1);
      if (!result.clipped) expect(actual).toEqual(grad);
    }
  });

  it("encodeClipByValue clamps as clipGradValue", async () => {
    const gpu = await gpuContext();
    const grad = Float32Array.from(randomFloats(N, 43, 1, "lcg"));
    const cpu = Float64Array.from(grad);
    clipGradValue([cpu], 0.25);
    const g = slice(gpu, "grad", grad);
    const plan = gpu.plan();
    await gpu.checked(() => encodeClipByValue(plan, { n: N, grad: g, value: 0.25 }));
    gpu.run(plan);
    const actual = await read(gpu, g);
    expect(worstError(actual, cpu, REL, ABS)).toBeLessThanOrEqual(1);
    expect(actual.some((x) => x === 0.25) && actual.some((x) => x === -0.25)).toBe(true);
  });
});
