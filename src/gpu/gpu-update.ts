import { ConfigError } from "../errors.js";
import type {
  Optimizer,
  OptimizerState,
  ResolvedAdamConfig,
  ResolvedSgdConfig,
} from "../train/optim/types.js";
import type { NormType } from "../train/clip.js";
import type { ClipSpec } from "../train/trainer.js";
import type { BufferRef, GpuContext, Plan } from "./context.js";
import { encodeClipByNorm, encodeClipByValue } from "./kernels/clip.js";
import { adamUniforms, encodeAdam, encodeSgd, sgdUniforms } from "./kernels/optim.js";
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
    const p = { buffer: params, offset: 0 };
    const at = (name: string) => ({ buffer: this.state[name], offset: 0 });
    const config = optimizer.config;
    if (config.name === "adam" || config.name === "adamw") {
      const step = {
        config: config as ResolvedAdamConfig,
        n,
        params: p,
        grad: g,
        expAvg: at("exp_avg"),
        expAvgSq: at("exp_avg_sq"),
        maxExpAvgSq: this.state.max_exp_avg_sq ? at("max_exp_avg_sq") : null,
      };
      const index = encodeAdam(plan, step);
      this.setStep = (lr, k) => plan.setUniforms(index, adamUniforms(step, lr, k));
    } else if (config.name === "sgd") {
      const step = {
        config: config as ResolvedSgdConfig,
        n,
        params: p,
        grad: g,
        momentumBuffer: this.state.momentum_buffer ? at("momentum_buffer") : null,
      };
      const index = encodeSgd(plan, step);
      this.setStep = (lr, k) => plan.setUniforms(index, sgdUniforms(step, lr, k));
    } else {
      throw new ConfigError(`the WebGPU backend runs Adam, AdamW and SGD, not ${config.name}`);
    }
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
