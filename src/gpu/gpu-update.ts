import { ConfigError } from "../errors.js";
import type { Optimizer, OptimizerState, ResolvedOptimizerConfig } from "../train/optim/types.js";
import type { NormType } from "../train/clip.js";
import type { ClipSpec } from "../train/trainer.js";
import type { BufferRef, GpuContext, Plan } from "./context.js";
import { encodeClipByNorm, encodeClipByValue } from "./kernels/clip.js";
import { adagradUniforms, encodeAdagrad } from "./kernels/adagrad.js";
import { adamUniforms, encodeAdam, encodeSgd, sgdUniforms } from "./kernels/optim.js";
import { encodeRmsprop, rmspropUniforms } from "./kernels/rmsprop.js";
import { encodeMaxAbs, encodeSumOfSquares, reduceScratchSize } from "./kernels/reduce.js";

/** The update after BPTT, on the GPU: ‖g‖² into figures[normSlot], clipping (by the 2-norm, by the
 *  infinity norm max |g|, or by value), ‖g‖² again into figures[normSlot + 1] when clipped, then one
 *  optimizer step; the optimizer's state lives in GPU buffers named as the CPU optimizer's (so
 *  state() round-trips through a checkpoint). */
export class GpuUpdate {
  readonly plan: Plan;
  private readonly context: GpuContext;
  private readonly state: Record<string, GPUBuffer> = {};
  private readonly optimizerName: string;
  private readonly scratch: GPUBuffer;
  /** Σg² before clipping, in the figures buffer. */
  private readonly norm2: BufferRef;
  /** max |g| before clipping, for a clip by the infinity norm (else null). */
  private infNorm: GPUBuffer | null = null;
  private readonly setStep: (lr: number, step: number) => void;

  constructor(
    context: GpuContext,
    optimizer: Optimizer,
    clip: ClipSpec,
    params: GPUBuffer,
    grad: GPUBuffer,
    n: number,
    figures: GPUBuffer,
    normSlot: number,
  ) {
    this.context = context;
    const saved = optimizer.state();
    this.optimizerName = saved.name;
    for (const [name, values] of Object.entries(saved.buffers)) {
      this.state[name] = context.upload(values as Float32Array, `optimizer ${name}`);
    }
    const plan = context.plan("update");
    this.plan = plan;
    const scratch = context.buffer(reduceScratchSize(n), "norm scratch");
    this.scratch = scratch;
    const g = { buffer: grad, offset: 0 };
    const norm2 = { buffer: figures, offset: normSlot };
    this.norm2 = norm2;
    // The figures' gradNorm is the 2-norm whatever the clip, as Trainer reports it.
    encodeSumOfSquares(plan, { n, src: g, dst: norm2, scratch });
    if (clip?.kind === "norm") this.encodeClipByNorm(clip, n, g, norm2);
    if (clip?.kind === "value") encodeClipByValue(plan, { n, grad: g, value: clip.value });
    if (clip)
      encodeSumOfSquares(plan, { n, src: g, dst: { buffer: figures, offset: normSlot + 1 }, scratch });
    const at = (name: string) => (this.state[name] ? { buffer: this.state[name], offset: 0 } : null);
    this.setStep = encodeOptimizerStep(plan, optimizer.config, n, { buffer: params, offset: 0 }, g, at);
  }

  /** clip_grad_norm_ on g: by √Σg² (already in norm2), or by max |g| (into a buffer of its own). */
  private encodeClipByNorm(
    clip: { maxNorm: number; normType?: NormType },
    n: number,
    g: BufferRef,
    norm2: BufferRef,
  ): void {
    const normType = clip.normType ?? 2;
    const { plan, scratch } = this;
    if (normType === 2) {
      encodeClipByNorm(plan, { n, grad: g, norm2, maxNorm: clip.maxNorm });
      return;
    }
    if (normType !== "inf")
      throw new ConfigError(`clip normType must be 2 or "inf", got ${JSON.stringify(normType)}`);
    this.infNorm = this.context.buffer(1, "gradient inf-norm");
    const norm = { buffer: this.infNorm, offset: 0 };
    encodeMaxAbs(plan, { n, src: g, dst: norm, scratch });
    encodeClipByNorm(plan, { n, grad: g, norm, maxNorm: clip.maxNorm });
  }

  /** Frees the optimizer's state and the plan. */
  destroy(): void {
    for (const buffer of Object.values(this.state)) buffer.destroy();
    this.scratch.destroy();
    this.infNorm?.destroy();
    this.plan.destroy();
  }

  /** Sets the next run's learning rate and step count (from 1, this update included). */
  prepare(lr: number, step: number): void {
    this.setStep(lr, step);
  }

  /** The last run's gradient norm before clipping in the clip's norm type (what clip_grad_norm_
   *  returns): max |g| for normType inf, else ‖g‖₂. */
  async readClipNorm(): Promise<number> {
    if (this.infNorm) return (await this.context.read(this.infNorm, 1))[0];
    return Math.sqrt((await this.context.read(this.norm2.buffer, 1, this.norm2.offset))[0]);
  }

  /** The optimizer's state as the CPU optimizer holds it, after `steps` updates. */
  async read(steps: number): Promise<OptimizerState> {
    const buffers: Record<string, Float32Array> = {};
    for (const [name, buffer] of Object.entries(this.state)) {
      buffers[name] = await this.context.read(buffer, buffer.size / 4);
    }
    return { name: this.optimizerName, step: steps, buffers } as OptimizerState;
  }
}

/** Records one step of the optimizer `config` names on params from grad, its state buffers found by
 *  the CPU state's names (null where the config keeps none); returns what sets the next run's
 *  learning rate and step count. Every optimizer of train/optim has its kernel. */
function encodeOptimizerStep(
  plan: Plan,
  config: ResolvedOptimizerConfig,
  n: number,
  params: BufferRef,
  grad: BufferRef,
  at: (name: string) => BufferRef | null,
): (lr: number, step: number) => void {
  const required = (name: string): BufferRef => {
    const ref = at(name);
    if (!ref) throw new ConfigError(`${config.name}'s state has no ${name} buffer`);
    return ref;
  };
  const base = { n, params, grad };
  switch (config.name) {
    case "adam":
    case "adamw": {
      const o = { ...base, config, expAvg: required("exp_avg"), expAvgSq: required("exp_avg_sq") };
      const step = { ...o, maxExpAvgSq: at("max_exp_avg_sq") };
      const index = encodeAdam(plan, step);
      return (lr, k) => plan.setUniforms(index, adamUniforms(step, lr, k));
    }
    case "sgd": {
      const step = { ...base, config, momentumBuffer: at("momentum_buffer") };
      const index = encodeSgd(plan, step);
      return (lr, k) => plan.setUniforms(index, sgdUniforms(step, lr, k));
    }
    case "rmsprop": {
      const o = { ...base, config, squareAvg: required("square_avg") };
      const step = { ...o, momentumBuffer: at("momentum_buffer"), gradAvg: at("grad_avg") };
      const index = encodeRmsprop(plan, step);
      return (lr, k) => plan.setUniforms(index, rmspropUniforms(step, lr, k));
    }
    case "adagrad": {
      const step = { ...base, config, sum: required("sum") };
      const index = encodeAdagrad(plan, step);
      return (lr, k) => plan.setUniforms(index, adagradUniforms(step, lr, k));
    }
  }
}
