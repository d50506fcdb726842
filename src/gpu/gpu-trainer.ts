import { checkWindow, emptyBatch, sampleWindows, type TokenBatch } from "../data/windows.js";
import { ConfigError, NumericError } from "../errors.js";
import type { SequenceModel } from "../model/sequence-model.js";
import { Rng } from "../random.js";
import type { Optimizer } from "../train/optim/types.js";
import { constantLr, type LrSchedule } from "../train/schedules.js";
import type { ClipSpec, StepFigures } from "../train/trainer.js";
import type { GpuContext } from "./context.js";
import { evaluateOnGpu } from "./gpu-evaluate.js";
import { GpuModel } from "./gpu-model.js";
import { FIGURE, type GpuPass } from "./gpu-pass.js";
import { GpuUpdate } from "./gpu-update.js";

export interface GpuTrainerOptions {
  context: GpuContext;
  /** The CPU model: its config and parameters start the GPU's, and sync() copies them back. */
  model: SequenceModel;
  /** Adam, AdamW or SGD: its config and state start the GPU's, and sync() copies them back. */
  optimizer: Optimizer;
  data: Int32Array;
  seqLen: number;
  batch: number;
  clip?: ClipSpec;
  lrSchedule?: LrSchedule;
  rng?: Rng;
  seed?: number;
  step?: number;
  /** Read each step's figures back (loss, gradient norms, ‖dL/dh_t‖); default true. Off, a step
   *  waits for nothing and its figures are NaN. */
  figures?: boolean;
}

/** Trainer's teacher-forced steps on the GPU: the same windows from the same generator, the same
 *  clipping and update, in float32. Parameters, gradients and the optimizer's state stay on the
 *  GPU; a step uploads its tokens and reads back its figures only. */
export class GpuTrainer {
  readonly model: SequenceModel;
  readonly optimizer: Optimizer;
  readonly gpu: GpuModel;
  readonly rng: Rng;
  readonly lrSchedule: LrSchedule;
  step: number;
  private readonly context: GpuContext;
  private readonly data: Int32Array;
  private readonly batch: TokenBatch;
  private readonly pass: GpuPass;
  private readonly update: GpuUpdate;
  private readonly readFigures: boolean;
  private readonly norms: Float64Array;
  private readonly clipped: boolean;
  private readonly clipNorm: boolean;
  /** Updates run on the GPU since the CPU optimizer's state was last synced. */
  private stepsSinceSync = 0;

  constructor(options: GpuTrainerOptions) {
    const { context, model, optimizer, data, seqLen, batch } = options;
    for (const [name, value] of [
      ["seqLen", seqLen],
      ["batch", batch],
    ] as const) {
      if (!Number.isInteger(value) || value < 1)
        throw new ConfigError(`GpuTrainer: ${name} must be an integer >= 1, got ${value}`);
    }
    checkWindow(data.length, seqLen, "training data");
    if (optimizer.stepCount !== (options.step ?? optimizer.stepCount)) {
      throw new ConfigError(
        `the optimizer has taken ${optimizer.stepCount} steps, the trainer starts at ${options.step}`,
      );
    }
    this.context = context;
    this.model = model;
    this.optimizer = optimizer;
    this.data = data;
    this.rng = options.rng ?? new Rng(options.seed ?? 0);
    this.lrSchedule = options.lrSchedule ?? constantLr(optimizer.lr);
    this.step = options.step ?? 0;
    this.readFigures = options.figures ?? true;
    this.gpu = new GpuModel(context, model.config, model.params);
    this.batch = emptyBatch(seqLen, batch);
    this.pass = this.gpu.pass(seqLen, batch);
    this.norms = new Float64Array(seqLen + 1);
    const { params, grad, size } = this.gpu;
    const clip = options.clip ?? null;
    this.clipped = clip !== null;
    this.clipNorm = clip?.kind === "norm";
    try {
      this.update = new GpuUpdate(
        context,
        optimizer,
        clip,
        params,
        grad,
        size,
        this.pass.figures,
        FIGURE.gradNorm2,
      );
    } catch (error) {
      this.gpu.destroy(); // an optimizer or clip the GPU does not run: free what was uploaded
      throw error;
    }
  }

  /** One teacher-forced step: windows, forward, BPTT, clipping, update, in one submit. */
  async trainStep(): Promise<StepFigures> {
    const batch = sampleWindows(this.data, this.rng, this.batch);
    const pass = this.pass;
    pass.load(batch.tokens, batch.classes);
    const lr = this.lrSchedule(this.step);
    this.step++;
    this.update.prepare(lr, this.optimizer.stepCount + this.stepsSinceSync + 1);
    this.stepsSinceSync++;
    this.context.run(pass.trainPlan(), this.update.plan);
    const figures: StepFigures = {
      step: this.step,
      loss: Number.NaN,
      gradNorm: Number.NaN,
      gradNormClipped: Number.NaN,
      lr,
      eps: 1,
      groundTruthFraction: 1,
      hiddenGradNorms: this.norms,
    };
    if (!this.readFigures) return figures;
    const read = await this.context.read(pass.figures, FIGURE.hiddenNorms + pass.T + 1);
    figures.loss = read[FIGURE.lossSum] / pass.count;
    figures.gradNorm = Math.sqrt(read[FIGURE.gradNorm2]);
    figures.gradNormClipped = this.clipped ? Math.sqrt(read[FIGURE.clippedNorm2]) : figures.gradNorm;
    for (let t = 0; t <= pass.T; t++) this.norms[t] = read[FIGURE.hiddenNorms + t];
    // The CPU refuses these before updating; here the update is already done, so the weights
    // are suspect: the same errors, for the caller to stop at (the CLI keeps its last sane checkpoint).
    if (!Number.isFinite(figures.loss))
      throw new NumericError(
        `loss is ${figures.loss}: the model diverged; lower the learning rate or clip gradients`,
      );
    if (this.clipNorm && !Number.isFinite(figures.gradNorm))
      throw new NumericError(
        `gradient norm is ${figures.gradNorm}: the loss or the gradients overflowed; lower the learning rate or clip by value first`,
      );
    return figures;
  }

  /** Mean cross-entropy (nats per token) over the batches, weighted by tokens, on the GPU. */
  evaluate(batches: readonly TokenBatch[]): Promise<number> {
    return evaluateOnGpu(this.gpu, batches);
  }

  /** Frees the GPU's copy of the model and the optimizer's state (sync() first to keep them). */
  destroy(): void {
    this.update.destroy();
    this.gpu.destroy();
  }

  /** Copies the GPU's parameters into the CPU model (before a sample or a scan of the weights). */
  async syncParams(): Promise<void> {
    this.model.params.data.set(await this.gpu.readParams());
  }

  /** Copies the GPU's parameters and optimizer state into the CPU model and optimizer (before a
   *  checkpoint, or the end). */
  async sync(): Promise<void> {
    await this.syncParams();
    const steps = this.optimizer.stepCount + this.stepsSinceSync;
    this.optimizer.loadState(await this.update.read(steps));
    this.optimizer.lr = this.lrSchedule(Math.max(0, this.step - 1));
    this.stepsSinceSync = 0;
  }
}
