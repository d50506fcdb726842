import { unigramLoss } from "../data/corpus.js";
import { Tokenizer } from "../data/tokenizer.js";
import { sequentialBatches, type TokenBatch } from "../data/windows.js";
import type { Batch, SequenceModel, Targets } from "../model/sequence-model.js";
import { fitToMinutes, measurePace } from "../run/fitted-schedule.js";
import { needsFitting, type Pace } from "../train/schedule-fit.js";
import { ConfigError, NumericError } from "../errors.js";
import { decodeCheckpoint, encodeCheckpoint } from "../io/checkpoint.js";
import { fromCheckpoint, type TrainingState } from "../io/model-checkpoint.js";
import { kernelPath } from "../kernels/kernel-path.js";
import type { Rng } from "../random.js";
import { DataParallel, type SpawnShard } from "../parallel/data-parallel.js";
import type { Optimizer } from "../train/optimizers.js";
import { DivergenceGuard } from "../train/divergence-guard.js";
import type { RunConfig } from "../train/run-config.js";
import {
  type Corpus,
  corpusFromText,
  corpusFromTokens,
  freshRun,
  runCheckpoint,
  storedThreadCount,
  runSample,
  shortPart,
} from "../run/text-run.js";
import { evaluate, type StepFigures, Trainer } from "../train/trainer.js";
import { checkedRunConfig, resolveTrainingConfig } from "./config.js";
import { refuseOverBrowserBudget } from "./memory.js";
import type { Run } from "./run.js";
import { RunPace } from "./pace.js";
import { now } from "./scope.js";
import { RecurrentNormTracker } from "./recurrent-bound.js";
import type { EvalInfo, ProgressInfo, StartedInfo, StartOptions, TrainingConfig } from "./protocol.js";

/** Where threads come from in this worker: a spawner (null where none can start) and, when threads
 *  are unavailable, why. */
export interface ThreadSource {
  spawn: SpawnShard | null;
  maxThreads: number;
  unavailable: string | null;
}

/** How fast the device that will run the steps is (for a run whose schedule is fitted to minutes):
 *  measurePace's figures for the model on the first validation batches. */
export type PaceProbe = (model: SequenceModel, valSet: readonly TokenBatch[]) => Promise<Pace>;

/** One training run inside a worker, built from a TrainingConfig as `rnnlab train` builds one from
 *  its flags: the same seed and config give the same steps as the CLI on one thread. */
export class TrainingSession implements Run {
  /** The first valBatches validation batches, which evaluate() scores. */
  readonly valSet: TokenBatch[];
  /** The learning rate, the time the steps took and the budget. */
  readonly pace: RunPace;
  private readonly recurrentNorm: RecurrentNormTracker | null;
  /** `rnnlab train`'s guard at its default factor: a diverged run stops with a NumericError. */
  private readonly guard: DivergenceGuard;
  private current: Trainer;
  /** Why a run that asked for WebGPU trains on the CPU, or null. */
  deviceNote: string | null = null;

  private constructor(
    public spec: RunConfig,
    readonly corpus: Corpus,
    readonly state: TrainingState & { optimizer: Optimizer },
    readonly parallel: DataParallel | null,
    readonly threadNote: string | null,
  ) {
    this.valSet = sequentialBatches(corpus.val, spec.seqLen, spec.batch, spec.valBatches);
    this.pace = new RunPace(spec);
    this.recurrentNorm = RecurrentNormTracker.of(state.model);
    // The reference loss as rnnlab train's: ln V (a fresh model's) or the unigram loss, the larger.
    const V = corpus.vocabSize;
    this.guard = new DivergenceGuard({ reference: Math.max(Math.log(V), unigramLoss(corpus.val, V)) });
    this.current = this.makeTrainer(state.step, state.rng);
  }

  /** `probe`: the pace of the device that runs the steps, when it is not this worker's CPU. */
  static async create(
    config: TrainingConfig,
    options: StartOptions,
    threads: ThreadSource,
    probe: PaceProbe | null = null,
  ) {
    const { spec, data, task } = resolveTrainingConfig(config);
    if (data === null)
      throw new ConfigError(`TrainingSession trains on text; task ${task} is a TaskSession's`);
    const stored = options.resume ? decodeCheckpoint(options.resume) : null;
    const storedTokenizer = stored?.extra?.tokenizer ? Tokenizer.fromJSON(stored.extra.tokenizer) : null;
    const corpus =
      "text" in data
        ? corpusFromText(spec, data.text, storedTokenizer)
        : corpusFromTokens(spec, data.tokens, data.vocabSize);
    const short = shortPart(corpus, spec.seqLen);
    if (short) {
      throw new ConfigError(
        `seqLen ${spec.seqLen} is longer than the ${short.part} part of the data (${short.tokens} tokens): use a shorter seqLen or more data`,
      );
    }
    const asked = stored ? resumedThreadRequest(storedThreadCount(stored), options.threads) : options.threads;
    const { count, note } = threadCount(asked ?? "auto", spec.batch, threads);
    refuseOverBrowserBudget(spec, corpus.vocabSize, count); // before the model is built
    const fresh = freshRun(spec, corpus.vocabSize);
    const state = stored ? resumedState(fromCheckpoint(stored, { seed: spec.seed }), fresh) : fresh;
    const optimizer = state.optimizer as Optimizer;
    const parallel = count > 1 ? await DataParallel.create(state.model, threads.spawn!, count) : null;
    // The minutes pay for the steps only here (RunPace): the schedule spans what they hold.
    const lossAndGrad = (b: Batch, t: Targets) => (parallel ?? state.model).lossAndGrad(b, t);
    const measureSet = () => sequentialBatches(corpus.val, spec.seqLen, spec.batch, spec.valBatches);
    const measure = () => measurePace(state.model, lossAndGrad, measureSet(), now);
    const probed = probe && needsFitting(spec) ? await probe(state.model, measureSet()) : null;
    const fitted = fitToMinutes(
      spec,
      () => (spec.minutes as number) * 60_000,
      () => probed ?? measure(),
      false,
    );
    return new TrainingSession(fitted.spec, corpus, { ...state, optimizer }, parallel, note);
  }

  /** Optimizer steps taken. */
  steps(): number {
    return this.current.step;
  }

  /** The trainer: the run's model, optimizer and data, fed and clipped as `spec` says. */
  get trainer(): Trainer {
    return this.current;
  }

  private makeTrainer(step: number, rng: Rng): Trainer {
    const { spec, corpus, state } = this;
    return new Trainer({
      model: state.model,
      optimizer: state.optimizer,
      data: corpus.train,
      seqLen: spec.seqLen,
      batch: spec.batch,
      feed: spec.feed,
      clip: spec.clip,
      lrSchedule: (at) => this.pace.lr(at),
      parallel: this.parallel,
      rng,
      step,
    });
  }

  /** Feeds and clips as `options` say from the next step on (the rest of the run unchanged). */
  setOptions(options: Pick<Partial<RunConfig>, "clip" | "feed">): void {
    const { clip, feed } = options;
    const spec = checkedRunConfig({
      ...this.spec,
      ...(clip === undefined ? {} : { clip }),
      ...(feed === undefined ? {} : { feed }),
    });
    this.spec = spec;
    this.current = this.makeTrainer(this.current.step, this.current.rng);
  }

  info(): StartedInfo {
    const { corpus, state } = this;
    return {
      threads: this.parallel?.threads ?? 1,
      threadNote: this.threadNote,
      device: "cpu",
      deviceNote: this.deviceNote,
      kernels: kernelPath(),
      vocabSize: corpus.vocabSize,
      trainTokens: corpus.train.length,
      valTokens: corpus.val.length,
      parameters: state.model.params.data.length,
      unigramLoss: unigramLoss(corpus.val, corpus.vocabSize),
      task: "text",
      step: this.trainer.step,
      config: this.spec,
    };
  }

  finished(): boolean {
    return this.pace.finished(this.spec, this.trainer.step);
  }

  /** One optimizer step; its figures are the caller's (hiddenGradNorms is a copy). Throws a
   *  NumericError saying why when the run has diverged (the worker stops it and tells the page). */
  step(): ProgressInfo {
    return this.report(this.pace.timed(() => this.guardedStep()));
  }

  /** A step's figures as progress, once the divergence guard has passed them (it scans the
   *  model's weights every weightCheckEvery steps: a GPU run syncs them before those). */
  report(stepFigures: StepFigures): ProgressInfo {
    const { hiddenGradNorms, ...figures } = stepFigures;
    const { step, loss, gradNormClipped } = figures;
    const diverged = this.guard.afterStep(step, loss, gradNormClipped, this.state.model.params);
    if (diverged) throw divergedError(diverged.step, diverged.reason);
    return {
      ...figures,
      tokensPerSecond: this.tokensPerSecond(),
      hiddenGradNorms: hiddenGradNorms.slice(),
      recurrentBound: this.recurrentNorm?.measure() ?? null,
    };
  }

  /** Whether the guard scans the weights after step `step`. */
  weightCheckDue(step: number): boolean {
    return step % this.guard.weightCheckEvery === 0;
  }

  /** Counts steps taken elsewhere (a GPU run's, from the same generator): finished(), evalDue(),
   *  samples and checkpoints read this count. */
  advanceTo(step: number): void {
    this.current.step = step;
  }

  /** A NumericError of the step itself (a NaN loss that clipping refuses) is a divergence too. */
  private guardedStep(): ReturnType<Trainer["trainStep"]> {
    try {
      return this.trainer.trainStep();
    } catch (error) {
      if (!(error instanceof NumericError)) throw error;
      throw divergedError(this.trainer.step + 1, `the ${error.message.split(":")[0]}`);
    }
  }

  tokensPerSecond(): number {
    return this.pace.tokensPerSecond(this.spec);
  }

  trainSeconds(): number {
    return this.pace.seconds();
  }

  evalDue(): boolean {
    return this.trainer.step % this.spec.evalEvery === 0;
  }

  /** The loss over the first valBatches validation batches, and a sample. */
  evaluate(): EvalInfo {
    return this.evalInfo(evaluate(this.state.model, this.valSet));
  }

  /** An evaluation's report: its loss (measured here or on the GPU), and a sample of the model. */
  evalInfo(valLoss: number): EvalInfo {
    const sample = runSample(this.state.model, this.corpus, this.spec, this.trainer.step);
    return { step: this.trainer.step, valLoss, sample: sample.text, sampleTokens: sample.tokens };
  }

  /** The loss over the whole validation split. */
  finalLoss(): number {
    const { corpus, spec } = this;
    return evaluate(this.state.model, sequentialBatches(corpus.val, spec.seqLen, spec.batch));
  }

  sample(length: number, temperature: number, topP = 1): { text: string | null; tokens: Int32Array } {
    if (!Number.isInteger(length) || length < 0) {
      throw new ConfigError(`sample length must be an integer >= 0, got ${length}`);
    }
    if (!(temperature > 0)) throw new ConfigError(`temperature must be > 0, got ${temperature}`);
    if (!(topP > 0 && topP <= 1)) throw new ConfigError(`top-p must be in (0, 1], got ${topP}`);
    const options = { length, temperature, topP };
    return runSample(this.state.model, this.corpus, this.spec, this.trainer.step, options);
  }

  setLearningRate(lr: number): void {
    this.spec = this.pace.setLearningRate(this.spec, lr);
  }

  /** The run as `rnnlab train` saves it: a checkpoint the CLI samples from, evaluates and resumes.
   *  `threads`: the count its steps' rounding depends on (null for a GPU run's, as the CLI's). */
  checkpoint(threads: number | null = this.parallel?.threads ?? 1): Uint8Array {
    const { model, optimizer } = this.state;
    const now = { model, optimizer, rng: this.trainer.rng, step: this.trainer.step };
    return encodeCheckpoint(runCheckpoint(now, this.corpus, this.spec, threads));
  }

  close(): void {
    this.parallel?.close();
  }
}

/** A checkpoint's state, checked against the config's fresh model; without optimizer state, the
 *  config's fresh optimizer. */
export function resumedState(stored: TrainingState, fresh: TrainingState): TrainingState {
  const want = JSON.stringify(fresh.model.config);
  const got = JSON.stringify(stored.model.config);
  if (want !== got) {
    throw new ConfigError(
      `the checkpoint's model (${got}) is not the config's (${want}): resume with the same model options`,
    );
  }
  return { ...stored, optimizer: stored.optimizer ?? fresh.optimizer };
}

export function divergedError(step: number, reason: string): NumericError {
  return new NumericError(
    `the run diverged at step ${step}: ${reason}; it has stopped with its weights as they are: lower the learning rate or clip the gradient norm, and start again`,
  );
}

/** Threads to train on, and why fewer than asked, if so. */
/** The threads a resumed run asks for: the count its checkpoint was trained on (a step's float
 *  sums depend on it), unless `asked` names another, which is refused; any for an older checkpoint. */
function resumedThreadRequest(stored: number | null, asked: number | "auto" | undefined) {
  if (stored === null || asked === undefined || asked === "auto" || asked === stored) return stored ?? asked;
  throw new ConfigError(
    `the checkpoint's run trains on ${stored} thread(s), and a step's gradient rounding depends on their number: threads ${asked} would not continue it as an unbroken run would; give threads "auto" or ${stored}`,
  );
}

export function threadCount(
  asked: number | "auto",
  batch: number,
  source: ThreadSource,
): { count: number; note: string | null } {
  if (asked !== "auto" && !(Number.isInteger(asked) && asked >= 1)) {
    throw new ConfigError(`threads must be "auto" or an integer >= 1, got ${String(asked)}`);
  }
  const wanted = asked === "auto" ? Math.max(1, Math.min(source.maxThreads, Math.floor(batch / 8))) : asked;
  if (wanted > 1 && source.unavailable !== null) return { count: 1, note: source.unavailable };
  return { count: wanted, note: null };
}
