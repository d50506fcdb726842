import { ConfigError } from "../errors.js";
import { Rng } from "../random.js";
import type { Buf } from "../tensor.js";
import { createOptimizer, type Optimizer, type OptimizerConfig } from "../train/optimizers.js";
import { type LrScheduleSpec, makeLrSchedule } from "../train/schedules.js";
import { type ClipSpec, clipAndUpdate } from "../train/trainer.js";
import type { Learner, Monitor } from "./learner.js";
import type { Metrics } from "./metrics.js";
import { isImprovement, type PlateauOptions, ReduceLrOnPlateau } from "./plateau.js";

// fit: epochs of shuffled mini-batches of a task's examples, each step a Learner's loss and
// gradient, then clipAndUpdate (the Trainer's clipping and optimizer step); validation every
// `evalEvery` steps, with early stopping, the best parameters kept, and reduce-on-plateau.

/** One update's figures, handed to onStep. */
export interface FitStepRecord {
  step: number;
  epoch: number;
  loss: number;
  gradNorm: number;
  gradNormClipped: number;
  lr: number;
}

/** One validation, handed to onEvaluate (and onEpochEnd when it ends an epoch). */
export interface FitEvaluation {
  step: number;
  epoch: number;
  metrics: Metrics;
  /** Whether this is the best so far on the monitored metric. */
  best: boolean;
  /** The lr from now on (after reduce-on-plateau). */
  lr: number;
}

/** The end of an epoch: its mean training loss and, when it was evaluated, the validation. */
export interface FitEpochRecord {
  epoch: number;
  step: number;
  trainLoss: number;
  validation: FitEvaluation | null;
}

/** The best evaluation so far; `params` is a copy of the parameters then (a checkpoint's). */
export interface FitBest {
  step: number;
  epoch: number;
  value: number;
  metrics: Metrics;
  params: Buf;
}

export interface FitOptions<Example> {
  /** An optimizer config (default { name: "adam", lr: 1e-3 }) or an optimizer over learner.params. */
  optimizer?: OptimizerConfig | Optimizer;
  /** The lr of each update from the optimizer's lr (default constant). */
  lrSchedule?: LrScheduleSpec;
  clip?: ClipSpec;
  /** Passes over the data (default 10 unless `steps` is given); training ends at either limit. */
  epochs?: number;
  steps?: number;
  /** Examples per update (default 32; the last batch of an epoch may be smaller). */
  batchSize?: number;
  /** The source of the shuffles; default a generator seeded with `seed` (default 0). */
  rng?: Rng;
  seed?: number;
  /** Held-out examples, evaluated every `evalEvery` steps (default: at the end of each epoch). */
  validation?: readonly Example[];
  evalEvery?: number;
  /** The validation metric to watch (default the learner's monitor). */
  monitor?: Monitor;
  /** Stop after this many evaluations in a row without improvement (needs validation). */
  patience?: number;
  /** An improvement must beat the best by more than this (absolute; default 0). */
  minDelta?: number;
  /** Restore the best parameters at the end (default true with validation). */
  keepBest?: boolean;
  /** Cut the lr when the monitored metric stalls (PyTorch's ReduceLROnPlateau; mode from the monitor). */
  reduceOnPlateau?: Omit<PlateauOptions, "mode">;
  /** Checked after every step: training stops once aborted (an AbortSignal works). A callback
   *  (onStep, onEvaluate, onEpochEnd) that returns "stop" ends training after the current step. */
  signal?: { readonly aborted: boolean };
  onStep?: (record: FitStepRecord) => unknown;
  onEvaluate?: (evaluation: FitEvaluation) => unknown;
  onEpochEnd?: (record: FitEpochRecord) => unknown;
  /** A new best: the CLI writes its best checkpoint here (best.params is a copy, not reused). */
  onBest?: (best: FitBest) => void;
}

export type FitStopReason = "done" | "early-stopping" | "callback" | "signal";

export interface FitResult {
  steps: number;
  epochs: number;
  stoppedBy: FitStopReason;
  /** The best evaluation (its parameters restored when keepBest), or null without validation. */
  best: FitBest | null;
  evaluations: FitEvaluation[];
  lr: number;
}

/** Trains `learner` on `data`; see FitOptions. The learner ends in evaluation mode. */
export function fit<Example>(
  learner: Learner<Example>,
  data: readonly Example[],
  options: FitOptions<Example> = {},
): FitResult {
  const run = new FitRun(learner, data, options);
  return run.run();
}

class FitRun<Example> {
  private readonly optimizer: Optimizer;
  private readonly schedule: (step: number) => number;
  private readonly plateau: ReduceLrOnPlateau | null;
  private readonly monitor: Monitor;
  private readonly rng: Rng;
  private readonly batchSize: number;
  private readonly maxEpochs: number;
  private readonly maxSteps: number;
  private readonly evalEvery: number;
  private readonly keepBest: boolean;
  private step = 0;
  private epoch = 0;
  private stale = 0;
  private best: FitBest | null = null;
  private stopped: FitStopReason | null = null;
  private lastEvaluated = -1;
  private readonly evaluations: FitEvaluation[] = [];

  constructor(
    private readonly learner: Learner<Example>,
    private readonly data: readonly Example[],
    private readonly options: FitOptions<Example>,
  ) {
    checkOptions(data, options);
    const given = options.optimizer ?? { name: "adam", lr: 1e-3 };
    this.optimizer = "step" in given ? given : createOptimizer(given, learner.params);
    this.schedule = makeLrSchedule(options.lrSchedule ?? { kind: "constant" }, this.optimizer.lr);
    this.monitor = options.monitor ?? learner.monitor;
    this.plateau = options.reduceOnPlateau
      ? new ReduceLrOnPlateau(this.optimizer.lr, { ...options.reduceOnPlateau, mode: this.monitor.mode })
      : null;
    this.rng = options.rng ?? new Rng(options.seed ?? 0);
    this.batchSize = options.batchSize ?? 32;
    const perEpoch = Math.ceil(data.length / this.batchSize);
    this.maxSteps = options.steps ?? Number.POSITIVE_INFINITY;
    this.maxEpochs = options.epochs ?? (options.steps === undefined ? 10 : Number.POSITIVE_INFINITY);
    this.evalEvery = options.evalEvery ?? perEpoch;
    this.keepBest = options.keepBest ?? options.validation !== undefined;
  }

  run(): FitResult {
    const { learner } = this;
    while (!this.stopped && this.epoch < this.maxEpochs && this.step < this.maxSteps) {
      this.runEpoch();
    }
    this.stopped ??= "done";
    if (this.options.validation && this.lastEvaluated !== this.step && this.stopped !== "signal") {
      this.evaluate();
    }
    learner.setTraining(false);
    if (this.keepBest && this.best) learner.params.data.set(this.best.params);
    return {
      steps: this.step,
      epochs: this.epoch,
      stoppedBy: this.stopped ?? "done",
      best: this.best,
      evaluations: this.evaluations,
      lr: this.currentLr(),
    };
  }

  private runEpoch(): void {
    const order = shuffled(this.data.length, this.rng);
    this.epoch++;
    let lossSum = 0;
    let batches = 0;
    let validation: FitEvaluation | null = null;
    for (
      let start = 0;
      start < order.length && !this.stopped && this.step < this.maxSteps;
      start += this.batchSize
    ) {
      const batch = Array.from(order.subarray(start, start + this.batchSize), (i) => this.data[i]);
      lossSum += this.trainStep(batch);
      batches++;
      validation = null;
      if (this.options.validation && this.step % this.evalEvery === 0) validation = this.evaluate();
    }
    const control = this.options.onEpochEnd?.({
      epoch: this.epoch,
      step: this.step,
      trainLoss: lossSum / Math.max(batches, 1),
      validation,
    });
    if (control === "stop") this.stopped ??= "callback";
  }

  private trainStep(batch: Example[]): number {
    const { learner, options } = this;
    learner.setTraining(true);
    const loss = learner.lossAndGrad(batch);
    const lr = this.currentLr();
    const { before, after } = clipAndUpdate(learner, this.optimizer, options.clip ?? null, lr);
    this.step++;
    const record = { step: this.step, epoch: this.epoch, loss, gradNorm: before, gradNormClipped: after, lr };
    if (options.onStep?.(record) === "stop") this.stopped ??= "callback";
    if (options.signal?.aborted) this.stopped ??= "signal";
    return loss;
  }

  /** schedule(step) scaled by the plateau's cuts: lr_plateau / lr_0. */
  private currentLr(): number {
    const plateau = this.plateau;
    const scale = plateau && plateau.initialLr > 0 ? plateau.lr / plateau.initialLr : 1;
    return this.schedule(this.step) * scale;
  }

  private evaluate(): FitEvaluation {
    const { learner, options, monitor } = this;
    learner.setTraining(false);
    const metrics = learner.evaluate(options.validation ?? []);
    learner.setTraining(true);
    this.lastEvaluated = this.step;
    const value = metrics[monitor.metric];
    if (typeof value !== "number") {
      throw new ConfigError(
        `fit: the monitored metric "${monitor.metric}" is not among the learner's metrics (${Object.keys(metrics).join(", ")}): pick one of those`,
      );
    }
    const improved =
      this.best === null || isImprovement(value, this.best.value, monitor.mode, options.minDelta ?? 0, "abs");
    if (improved) this.recordBest(value, metrics);
    else this.stale++;
    this.plateau?.step(value);
    const evaluation = { step: this.step, epoch: this.epoch, metrics, best: improved, lr: this.currentLr() };
    this.evaluations.push(evaluation);
    if (options.patience !== undefined && this.stale >= options.patience) this.stopped ??= "early-stopping";
    if (options.onEvaluate?.(evaluation) === "stop") this.stopped ??= "callback";
    return evaluation;
  }

  private recordBest(value: number, metrics: Metrics): void {
    this.stale = 0;
    const params = this.learner.params.data.slice();
    this.best = { step: this.step, epoch: this.epoch, value, metrics, params };
    this.options.onBest?.(this.best);
  }
}

/** A random permutation of 0..n−1 (Fisher–Yates, from rng). */
function shuffled(n: number, rng: Rng): Int32Array {
  const order = Int32Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const swap = order[i];
    order[i] = order[j];
    order[j] = swap;
  }
  return order;
}

function checkOptions<Example>(data: readonly Example[], options: FitOptions<Example>): void {
  if (data.length === 0) throw new ConfigError("fit: the training data is empty; give at least one example");
  const counts: [string, number | undefined, number][] = [
    ["epochs", options.epochs, 1],
    ["steps", options.steps, 1],
    ["batchSize", options.batchSize, 1],
    ["evalEvery", options.evalEvery, 1],
    ["patience", options.patience, 1],
  ];
  for (const [name, value, min] of counts) {
    if (value !== undefined && (!Number.isInteger(value) || value < min)) {
      throw new ConfigError(`fit: ${name} must be an integer >= ${min}, got ${value}`);
    }
  }
  const needsValidation = (["patience", "reduceOnPlateau", "evalEvery"] as const).find(
    (key) => options[key] !== undefined,
  );
  if (needsValidation && !options.validation) {
    throw new ConfigError(
      `fit: ${needsValidation} watches a validation metric; give validation examples too`,
    );
  }
  if (options.validation && options.validation.length === 0) {
    throw new ConfigError("fit: the validation data is empty; give at least one example or none at all");
  }
  const minDelta = options.minDelta ?? 0;
  if (!(minDelta >= 0) || !Number.isFinite(minDelta)) {
    throw new ConfigError(`fit: minDelta must be a finite number >= 0, got ${minDelta}`);
  }
}
