import { checkWindow, emptyBatch, sampleWindows, type TokenBatch } from "../data/windows.js";
import { ConfigError } from "../errors.js";
import { type SamplingOptions, sampleSequences } from "../eval/sampling.js";
import { directionsOf, stateWidthOf } from "../model/config.js";
import { inEvalMode } from "../model/dropout.js";
import { normsOverTime } from "../model/grad-flow.js";
import type { Batch, SequenceModel, Targets } from "../model/sequence-model.js";
import type { Params } from "../model/params.js";
import type { DataParallel } from "../parallel/data-parallel.js";
import { Rng } from "../random.js";
import { clipGradNorm, clipGradValue, gradNorm, type NormType } from "../train/clip.js";
import { epsAt, type FeedCounts, type FeedMode, makeFeeder } from "./feeding.js";
import type { TrainRecord } from "./metrics.js";
import type { Optimizer } from "./optimizers.js";
import { constantLr, type LrSchedule } from "./schedules.js";

export type ClipSpec =
  | { kind: "norm"; maxNorm: number; normType?: NormType }
  | { kind: "value"; value: number }
  | null;

export interface TrainerOptions {
  model: SequenceModel;
  optimizer: Optimizer;
  /** The training token stream; windows of seqLen + 1 tokens are drawn from it at random. */
  data: Int32Array;
  seqLen: number;
  batch: number;
  /** What is fed at each step; default teacher forcing. */
  feed?: FeedMode;
  /** Default none. */
  clip?: ClipSpec;
  /** The learning rate of each update; default the optimizer's own lr, held constant. */
  lrSchedule?: LrSchedule;
  /** The source of all randomness; default a generator seeded with `seed` (default 0). */
  rng?: Rng;
  seed?: number;
  /** Updates already taken (a resumed run); default 0. */
  step?: number;
  /** Runs teacher-forced steps over several threads (it must wrap the trainer's model); steps
   *  that feed the model's own samples stay on the calling thread. */
  parallel?: DataParallel | null;
}

/** One optimizer step's figures: a TrainRecord without the timing the caller adds, plus
 *  ‖dL/dh_t‖ for t = 0..T of the top layer. The object and the buffer are the trainer's, reused by
 *  the next step (so a step allocates nothing): copy what you keep. */
export type StepFigures = Omit<TrainRecord, "type" | "tokensPerSecond" | "elapsed"> & {
  hiddenGradNorms: Float64Array;
};

/** Next-token training on a token stream: random (T, B) windows, fed as the mode says, mean
 *  cross-entropy, BPTT, clipping, an optimizer step. All randomness (windows, scheduled-sampling
 *  coins and samples) comes from `rng`, so a run restored with its step, parameters, optimizer
 *  state and rng state continues exactly as if it had never stopped. */
export class Trainer {
  readonly model: SequenceModel;
  readonly optimizer: Optimizer;
  readonly data: Int32Array;
  readonly rng: Rng;
  readonly feed: FeedMode;
  readonly clip: ClipSpec;
  readonly lrSchedule: LrSchedule;
  readonly parallel: DataParallel | null;
  step: number;
  private readonly batch: TokenBatch;
  private readonly fed: Int32Array;
  private readonly norms: Float64Array;
  private readonly counts: FeedCounts = { groundTruth: 0, total: 0 };
  /** Reused every step: the batch and targets handed to the model, and the figures returned. */
  private readonly stepBatch: Batch = { T: 0, B: 0 };
  private readonly stepTargets: Targets = {};
  private readonly figures: StepFigures;

  constructor(options: TrainerOptions) {
    const { model, optimizer, data, seqLen, batch } = options;
    if (model.config.input.kind === "dense" || model.config.loss !== "cross-entropy") {
      throw new ConfigError(
        "next-token training needs a token model (embedding or one-hot input) with cross-entropy loss",
      );
    }
    checkCount("seqLen", seqLen);
    checkCount("batch", batch);
    checkWindow(data.length, seqLen, "training data");
    if (options.parallel && options.parallel.model !== model) {
      throw new ConfigError("options.parallel must wrap the trainer's model");
    }
    this.model = model;
    this.optimizer = optimizer;
    this.data = data;
    this.rng = options.rng ?? new Rng(options.seed ?? 0);
    this.feed = options.feed ?? { kind: "teacher-forcing" };
    this.clip = options.clip ?? null;
    this.lrSchedule = options.lrSchedule ?? constantLr(optimizer.lr);
    this.parallel = options.parallel ?? null;
    this.step = options.step ?? 0;
    this.batch = emptyBatch(seqLen, batch);
    this.fed = new Int32Array(seqLen * batch);
    this.norms = new Float64Array(seqLen + 1);
    this.figures = {
      step: 0,
      loss: 0,
      gradNorm: 0,
      gradNormClipped: 0,
      lr: 0,
      eps: 0,
      groundTruthFraction: 1,
      hiddenGradNorms: this.norms,
    };
  }

  /** eps_i of the step about to run (1 under teacher forcing, 0 under free running). */
  eps(): number {
    const feed = this.feed;
    if (feed.kind === "scheduled-sampling") return epsAt(feed.schedule, this.step);
    return feed.kind === "teacher-forcing" ? 1 : 0;
  }

  /** One step, in training mode (dropout on) whatever the model's mode, which it restores after. */
  trainStep(): StepFigures {
    const model = this.model;
    const was = model.training;
    model.train(true);
    try {
      return this.trainingStep();
    } finally {
      model.train(was);
    }
  }

  private trainingStep(): StepFigures {
    const { model, optimizer, feed, parallel } = this;
    // Step k draws dropout masks of pass k: a resumed run draws what an unbroken one would.
    model.masks.pass = this.step;
    const { T, B } = this.batch;
    const batch = sampleWindows(this.data, this.rng, this.batch);
    const stepBatch = this.stepBatch;
    stepBatch.T = T;
    stepBatch.B = B;
    stepBatch.tokens = batch.tokens;
    this.stepTargets.classes = batch.classes;
    const eps = this.eps();
    const counts = this.counts;
    counts.groundTruth = counts.total = 0;
    let loss: number;
    let hiddenGradNorms: Float64Array;
    const teacherForced = feed.kind === "teacher-forcing" || (feed.kind === "scheduled-sampling" && eps >= 1);
    if (teacherForced && parallel) {
      ({ loss, hiddenGradNorms } = parallel.lossAndGrad(stepBatch, this.stepTargets));
      counts.groundTruth = counts.total = (T - 1) * B;
    } else {
      model.params.zeroGrad();
      if (teacherForced) {
        // eps = 1 feeds only ground truth: the all-steps-at-once forward computes exactly that.
        model.forward(stepBatch);
        counts.groundTruth = counts.total = (T - 1) * B;
      } else {
        this.fed.set(batch.tokens.subarray(0, B));
        const V = model.config.outputSize;
        const feeder = makeFeeder(feed, eps, batch.tokens, B, V, this.rng, counts);
        model.forwardFeedback({ T, B, tokens: this.fed }, feeder);
      }
      const result = model.backward(this.stepTargets);
      loss = result.loss;
      // The top layer's (forward direction's) dL/dh_t, H_out wide (projSize, else H).
      const top = (model.config.layers - 1) * directionsOf(model.config);
      const H = stateWidthOf(model.config);
      hiddenGradNorms = normsOverTime(result.hiddenGrads[top], T, B, H, this.norms);
    }
    const lr = this.lrSchedule(this.step);
    const { before, after } = clipAndUpdate(model, optimizer, this.clip, lr);
    this.step++;
    const figures = this.figures;
    figures.step = this.step;
    figures.loss = loss;
    figures.gradNorm = before;
    figures.gradNormClipped = after;
    figures.lr = lr;
    figures.eps = eps;
    figures.groundTruthFraction = counts.total > 0 ? counts.groundTruth / counts.total : 1;
    figures.hiddenGradNorms = hiddenGradNorms;
    return figures;
  }
}

/** Mean teacher-forced cross-entropy (nats per token) over the given batches, weighted by tokens. */
export function evaluate(model: SequenceModel, batches: readonly TokenBatch[]): number {
  return inEvalMode(model, () => evaluateLoss(model, batches));
}

function evaluateLoss(model: SequenceModel, batches: readonly TokenBatch[]): number {
  let sum = 0;
  let count = 0;
  for (const batch of batches) {
    model.forward({ T: batch.T, B: batch.B, tokens: batch.tokens });
    const { loss, count: n } = model.loss({ classes: batch.classes });
    sum += loss * n;
    count += n;
  }
  return sum / count;
}

/** Free-running generation for B = 1: feeds `prime`, then each drawn token back in
 *  (sampleSequences with one generator; options as there). */
export function sampleText(
  model: SequenceModel,
  prime: Int32Array,
  length: number,
  rng: Rng,
  options: SamplingOptions = {},
): Int32Array {
  return sampleSequences(model, prime, length, [rng], options)[0];
}

/** The update after a backward pass (of a model, or anything holding params): model.params.grad
 *  clipped as `clip` says, then one optimizer step at `lr`; returns the gradient's 2-norm before
 *  and after clipping. */
export function clipAndUpdate(
  model: { readonly params: Params },
  optimizer: Optimizer,
  clip: ClipSpec,
  lr: number,
): { before: number; after: number } {
  const grads = model.params.gradViews();
  const before = gradNorm(grads, 2);
  if (clip?.kind === "norm") clipGradNorm(grads, clip.maxNorm, clip.normType ?? 2);
  if (clip?.kind === "value") clipGradValue(grads, clip.value);
  const after = clip ? gradNorm(grads, 2) : before;
  optimizer.lr = lr;
  optimizer.step(model.params.data, model.params.grad);
  return { before, after };
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(`Trainer: ${name} must be an integer >= 1, got ${value}`);
  }
}
