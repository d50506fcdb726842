import { existsSync } from "node:fs";
import { dirname } from "node:path";
import { NumericError } from "../../src/errors.js";
import { unigramLoss, decodeCorpus } from "../../src/data/corpus.js";
import { Tokenizer } from "../../src/data/tokenizer.js";
import { sequentialBatches } from "../../src/data/windows.js";
import { fromCheckpoint, type TrainingState } from "../../src/io/model-checkpoint.js";
import { formatNumber } from "../../src/report/format.js";
import { fitToMinutes, measurePace } from "../../src/run/fitted-schedule.js";
import type { MetricRecord, RunRecord, TrainRecord } from "../../src/train/metrics.js";
import {
  DEFAULT_DIVERGENCE_FACTOR,
  type Divergence,
  DivergenceGuard,
} from "../../src/train/divergence-guard.js";
import type { Optimizer } from "../../src/train/optimizers.js";
import { needsFitting, type Pace } from "../../src/train/schedule-fit.js";
import { gpuPace } from "../../src/gpu/gpu-evaluate.js";
import type { GpuContext } from "../../src/gpu/context.js";
import { acquireGpu, type Device } from "../device.js";
import { cpuEngine, gpuEngine, refuseGpuRun, type StepEngine } from "./engine.js";
import { makeLrSchedule } from "../../src/train/schedules.js";
import {
  corpusFromText,
  freshRun,
  runCheckpoint,
  runModelConfig,
  runSample,
  shortPart,
  type TextCorpus,
} from "../../src/run/text-run.js";
import { type StepFigures, Trainer } from "../../src/train/trainer.js";
import { UserError } from "../errors.js";
import { memoryBudget, refuseOverBudget } from "../memory-budget.js";
import type { MemoryBudget } from "../../src/model/memory-budget.js";
import { trainingMemory } from "../../src/train/training-memory.js";
import { loadCheckpointFile, readFileOrFail } from "../files.js";
import { createProgress, type Progress } from "../progress.js";
import { writeTrainingReport } from "./report.js";
import { appendMetric, readMetrics, runPaths, saveCheckpoint, writeMetrics } from "./run-files.js";
import { type StopSignals, signalExitCode, watchStopSignals } from "./run-lock.js";
import type { TrainSpec } from "./spec.js";
import { dataParallel, defaultThreads } from "../../node/index.js";
import type { DataParallel } from "../../src/parallel/data-parallel.js";

export interface TrainResult {
  /** The final validation loss, over the whole validation split (valTokens tokens); the periodic
   *  ones are over its first valBatches batches only. */
  valLoss: number;
  valTokens: number;
  unigramLoss: number;
  /** valLoss > unigramLoss: the model predicts worse than the text's letter (word) frequencies. */
  worseThanUnigram: boolean;
  steps: number;
  tokensPerSecond: number;
  /** Threads the teacher-forced steps ran on (1 on a GPU). */
  threads: number;
  /** What the steps ran on: "2 thread(s)", or "WebGPU (adapter)". */
  device: string;
  seconds: number;
  checkpoint: string;
  report: string;
  metrics: string;
}

/** Reads --data and tokenizes it (corpusFromText); the vocabulary comes from the training part
 *  (or the checkpoint). */
export function loadCorpus(spec: TrainSpec, stored: Tokenizer | null): TextCorpus {
  const text = decodeCorpus(readFileOrFail(spec.data, "--data"), `--data '${spec.data}'`);
  const corpus = corpusFromText(spec, text, stored);
  const short = shortPart(corpus, spec.seqLen);
  if (short) {
    throw new UserError(
      `--seq-len ${spec.seqLen} is longer than the ${short.part} part of --data '${spec.data}' (${short.tokens} tokens): use a shorter --seq-len or more text`,
    );
  }
  return corpus;
}

/** A UserError (exit 2) when the run's estimate (trainingMemory) is over the budget, with the
 *  largest --batch (else --seq-len) that fits. */
function refuseTrainingOverBudget(spec: TrainSpec, V: number, threads: number, budget: MemoryBudget): void {
  const config = runModelConfig(spec, V);
  const at = ([batch, seqLen]: readonly number[]) =>
    trainingMemory(config, { seqLen, batch, optimizer: spec.optimizer }, Math.min(threads, batch));
  const knobs = [
    { flag: "--batch", value: spec.batch },
    { flag: "--seq-len", value: spec.seqLen },
  ];
  refuseOverBudget(at, knobs, budget);
}

/** Exit status of a run stopped by the divergence guard (2 is a wrong option or input). */
export const DIVERGED_EXIT_CODE = 3;

/** Trains until the budget is spent, evaluating, sampling and checkpointing every evalEvery steps;
 *  teacher-forced steps run on `threads` threads ("auto": defaultThreads of the batch). The caller
 *  holds the folder's lock (lockRunFolder). A divergence guard (DivergenceGuard, off when
 *  divergenceFactor is null) stops a diverged run with a UserError of exit status 3, keeping the
 *  last sane checkpoint; SIGINT or SIGTERM stops it between steps with status 130 or 143. */
export async function runTraining(
  spec: TrainSpec,
  out: string,
  resume: boolean,
  threads: number | "auto" = 1,
  divergenceFactor: number | null = DEFAULT_DIVERGENCE_FACTOR,
  budget: MemoryBudget = memoryBudget(undefined),
  device: Device = "cpu",
  onRecord: ((record: MetricRecord) => void) | null = null,
): Promise<TrainResult> {
  const paths = runPaths(out);
  const started = Date.now();
  const stored = resume ? loadCheckpointFile(paths.checkpoint) : null;
  const storedTokenizer = stored
    ? Tokenizer.fromJSON((stored.extra as { tokenizer?: unknown } | undefined)?.tokenizer)
    : null;
  const corpus = loadCorpus(spec, storedTokenizer);
  const V = corpus.tokenizer.size;
  const threadCount = threads === "auto" ? defaultThreads(spec.batch) : threads;
  refuseTrainingOverBudget(spec, V, threadCount, budget); // before the model is built
  const state: TrainingState = stored ? fromCheckpoint(stored, { seed: spec.seed }) : freshRun(spec, V);
  const optimizer = state.optimizer as Optimizer;
  if (device === "webgpu") refuseGpuRun(spec, state.model, optimizer);
  const gpu = device === "webgpu" ? await acquireGpu("training") : null;
  const parallel = dataParallel(state.model, gpu ? 1 : threadCount);
  const signals = watchStopSignals();
  try {
    await parallel.ready();
    const valSet = validationSet(corpus, spec);
    const pace =
      gpu && needsFitting(spec)
        ? await gpuPace(gpu.context, state.model.config, state.model.params, valSet, now)
        : null;
    const fitted = fitToMinutes(
      spec,
      () => (spec.minutes as number) * 60_000 - (Date.now() - started),
      () => pace ?? measurePace(state.model, (b, t) => parallel.lossAndGrad(b, t), valSet, now),
      true,
    );
    const run = {
      spec: fitted.spec,
      paths,
      started,
      corpus,
      state,
      optimizer,
      parallel,
      gpu,
      resumed: Boolean(stored),
      onRecord,
    };
    return await trainLoop(run, divergenceFactor, signals, fitted.pace);
  } finally {
    signals.dispose();
    parallel.close();
    gpu?.context.destroy();
  }
}

interface Run {
  spec: TrainSpec;
  paths: ReturnType<typeof runPaths>;
  started: number;
  corpus: TextCorpus;
  state: TrainingState;
  optimizer: Optimizer;
  parallel: DataParallel;
  /** A WebGPU context (--device webgpu) the steps and evaluations run on, or null for the CPU. */
  gpu: { context: GpuContext; adapter: string } | null;
  resumed: boolean;
  /** Each metric record as it is written (the run store's). */
  onRecord: ((record: MetricRecord) => void) | null;
}

const now = () => performance.now();
const duration = (ms: number) =>
  ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms >= 10 ? Math.round(ms) : ms.toFixed(2)} ms`;
const validationSet = (corpus: TextCorpus, spec: TrainSpec) =>
  sequentialBatches(corpus.val, spec.seqLen, spec.batch, spec.valBatches);

async function trainLoop(
  run: Run,
  divergenceFactor: number | null,
  signals: StopSignals,
  pace: Pace | null,
): Promise<TrainResult> {
  const engine = stepEngine(run);
  try {
    return await trainSteps(run, engine, divergenceFactor, signals, pace);
  } finally {
    engine.close();
  }
}

/** The engine of the run's steps: a Trainer on the CPU's threads, or the same on the GPU. */
function stepEngine(run: Run): StepEngine {
  const { spec, corpus, state, optimizer, parallel, gpu } = run;
  const options = {
    model: state.model,
    optimizer,
    data: corpus.train,
    seqLen: spec.seqLen,
    batch: spec.batch,
    clip: spec.clip,
    lrSchedule: makeLrSchedule(spec.lrSchedule, spec.optimizer.lr),
    rng: state.rng,
    step: state.step,
  };
  if (gpu) return gpuEngine(gpu.context, gpu.adapter, options);
  return cpuEngine(new Trainer({ ...options, feed: spec.feed, parallel }), parallel.threads);
}

async function trainSteps(
  run: Run,
  trainer: StepEngine,
  divergenceFactor: number | null,
  signals: StopSignals,
  pace: Pace | null,
): Promise<TrainResult> {
  const { spec, paths, started, corpus, state, optimizer, parallel } = run;
  const V = corpus.tokenizer.size;
  const baseline = unigramLoss(corpus.val, V);
  const valSet = validationSet(corpus, spec);
  const valSetTokens = tokensIn(valSet);
  const records = startMetrics(paths.metrics, spec, corpus, baseline, run.resumed ? state.step : null);
  const log = (record: MetricRecord) => {
    records.push(record);
    appendMetric(paths.metrics, record);
    run.onRecord?.(record);
  };
  // The reference loss: ln V (a fresh model's, near uniform) or the unigram loss, whichever is larger.
  const guard =
    divergenceFactor === null
      ? null
      : new DivergenceGuard({ reference: Math.max(Math.log(V), baseline), factor: divergenceFactor });
  const params = state.model.params;
  let savedStep: number | null = run.resumed ? state.step : null;
  const saveCheckpointNow = async () => {
    await trainer.sync();
    const now = { model: state.model, optimizer, rng: trainer.rng, step: trainer.step };
    saveCheckpoint(paths.checkpoint, runCheckpoint(now, corpus, spec, run.gpu ? null : parallel.threads));
    savedStep = trainer.step;
  };
  const diverged = (d: Divergence) => {
    writeTrainingReport(paths.report, records);
    return divergedError(d, savedStep, paths.checkpoint, divergenceFactor as number);
  };
  /** The checkpoint and report, when the guard finds the state sane: insane weights end the run; a
   *  loss streak under way keeps the previous checkpoint until it clears or fires. */
  const saveAll = async (progress: Progress) => {
    await trainer.sync();
    const insane = guard?.checkWeights(trainer.step, params);
    if (insane) throw diverged(insane);
    if (guard?.suspicious) {
      progress.log(
        `step ${trainer.step}: checkpoint not saved while the loss is above ${guard.threshold.toFixed(2)} nats; ${savedStep === null ? "none saved yet" : `step ${savedStep}'s is kept`}`,
      );
    } else await saveCheckpointNow();
    writeTrainingReport(paths.report, records);
  };
  // A fresh run's starting point is its first checkpoint: a run that diverges before its first
  // evaluation still leaves sane weights to resume from (with another --lr, say).
  if (!run.resumed) await saveCheckpointNow();

  // The bar counts steps; under --minutes alone, its share done is the share of the time spent. A
  // schedule fitted to the minutes set the steps too: the run stops at whichever comes first.
  const budgetMs = spec.minutes === null ? Number.POSITIVE_INFINITY : spec.minutes * 60_000;
  const budgetSteps = spec.steps ?? Number.POSITIVE_INFINITY;
  const progress = createProgress({
    unit: "steps",
    total: spec.steps,
    fields: ["loss", "val", "gnorm", "tok/s"],
  });
  if (pace) {
    const { kind, totalSteps } = spec.lrSchedule as { kind: string; totalSteps: number };
    progress.log(
      `${kind} lr schedule over ${formatNumber(totalSteps)} steps: what --minutes ${spec.minutes} holds here (a step ${duration(pace.msPerStep)}, an evaluation ${duration(pace.msPerEval)}); --steps ${totalSteps} repeats this run`,
    );
  }
  const tokensPerStep = spec.seqLen * spec.batch;
  let trainMs = 0;
  let stepsRun = 0;
  let lastVal = Number.NaN;
  let lastYield = performance.now();
  const done = () => trainer.step >= budgetSteps || Date.now() - started >= budgetMs;
  try {
    while (!done()) {
      // Let a SIGINT or SIGTERM handler run (every 50 ms: a yield costs microseconds).
      if (performance.now() - lastYield > 50) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      if (signals.signal) throw interrupted(signals.signal, trainer.step, savedStep, paths.checkpoint);
      const t0 = performance.now();
      const figures = await guardedStep(trainer, guard !== null);
      if ("reason" in figures) throw diverged(figures);
      trainMs += performance.now() - t0;
      stepsRun++;
      const tokensPerSecond = (stepsRun * tokensPerStep) / (trainMs / 1000);
      const { hiddenGradNorms, ...rest } = figures;
      log({
        type: "train",
        ...rest,
        tokensPerSecond,
        elapsed: (Date.now() - started) / 1000,
      } satisfies TrainRecord);
      if (guard && trainer.step % guard.weightCheckEvery === 0) await trainer.syncParams();
      const verdict = guard?.afterStep(trainer.step, figures.loss, figures.gradNormClipped, params);
      if (verdict) throw diverged(verdict);
      if (trainer.step % spec.evalEvery === 0) {
        lastVal = await trainer.evaluate(valSet);
        if (guard && !Number.isFinite(lastVal))
          throw diverged({ step: trainer.step, reason: `the validation loss is ${lastVal}` });
        await trainer.syncParams();
        const sample = runSample(state.model, corpus, spec, trainer.step).text ?? "";
        log({ type: "val", step: trainer.step, valLoss: lastVal, valTokens: valSetTokens, sample });
        log({
          type: "gradflow",
          step: trainer.step,
          layer: spec.model.layers - 1,
          norms: Array.from(hiddenGradNorms),
        });
        progress.log(
          `step ${trainer.step}: val (${valSet.length} batches, ${formatNumber(valSetTokens)} tokens) ${lastVal.toFixed(3)} | ${JSON.stringify(sample.slice(0, 60))}`,
        );
        await saveAll(progress);
      }
      const timeShare = spec.steps === null ? (Date.now() - started) / budgetMs : undefined;
      const values = {
        loss: figures.loss.toFixed(3),
        val: Number.isNaN(lastVal) ? "-" : lastVal.toFixed(3),
        gnorm: figures.gradNorm.toFixed(2),
        "tok/s": Math.round(tokensPerSecond),
      };
      progress.update(trainer.step, values, timeShare);
    }
  } finally {
    progress.stop();
  }
  const atEnd = guard?.atEnd(trainer.step);
  if (atEnd) throw diverged(atEnd);
  const fullSplit = sequentialBatches(corpus.val, spec.seqLen, spec.batch);
  const valLoss = await trainer.evaluate(fullSplit);
  if (guard && !Number.isFinite(valLoss))
    throw diverged({ step: trainer.step, reason: `the final validation loss is ${valLoss}` });
  const valTokens = tokensIn(fullSplit);
  const tokensPerSecond = stepsRun > 0 ? (stepsRun * tokensPerStep) / (trainMs / 1000) : 0;
  const seconds = (Date.now() - started) / 1000;
  log({
    type: "done",
    step: trainer.step,
    valLoss,
    valTokens,
    unigramLoss: baseline,
    tokensPerSecond,
    seconds,
  });
  await saveAll(progress);
  return {
    valLoss,
    valTokens,
    unigramLoss: baseline,
    worseThanUnigram: valLoss > baseline,
    steps: trainer.step,
    tokensPerSecond,
    threads: parallel.threads,
    device: trainer.on,
    seconds,
    checkpoint: paths.checkpoint,
    report: paths.report,
    metrics: paths.metrics,
  };
}

/** One training step; with the guard on, a NumericError (a NaN loss, a non-finite norm that
 *  clipping refuses) is a divergence at the step it would have been, not a crash. */
async function guardedStep(trainer: StepEngine, guarded: boolean): Promise<StepFigures | Divergence> {
  try {
    return await trainer.trainStep();
  } catch (error) {
    if (!guarded || !(error instanceof NumericError)) throw error;
    return { step: trainer.step + 1, reason: `the ${error.message.split(":")[0]}` };
  }
}

function divergedError(
  d: Divergence,
  savedStep: number | null,
  checkpoint: string,
  factor: number,
): UserError {
  const kept =
    savedStep === null
      ? "no checkpoint was saved"
      : `${checkpoint} keeps step ${savedStep}, the last sane one (--resume ${dirname(checkpoint)} continues from it)`;
  return new UserError(
    `the run diverged at step ${d.step}: ${d.reason}; ${kept}; lower --lr or clip (--clip-norm), or change --divergence-factor (${factor}) or pass --no-divergence-guard`,
    DIVERGED_EXIT_CODE,
  );
}

function interrupted(
  signal: NodeJS.Signals,
  step: number,
  savedStep: number | null,
  checkpoint: string,
): UserError {
  const kept =
    savedStep === null
      ? "no checkpoint was saved"
      : `${checkpoint} keeps step ${savedStep}; --resume ${dirname(checkpoint)} continues from it`;
  return new UserError(`interrupted by ${signal} after step ${step}: ${kept}`, signalExitCode(signal));
}

/** A fresh metrics file, or (resuming) the old one cut back to the checkpoint's step. */
function startMetrics(
  path: string,
  spec: TrainSpec,
  corpus: TextCorpus,
  baseline: number,
  resumedAt: number | null,
): MetricRecord[] {
  if (resumedAt !== null && existsSync(path)) {
    const kept = readMetrics(path).filter(
      (r) => r.type === "run" || (r.type !== "done" && r.step <= resumedAt),
    );
    writeMetrics(path, kept);
    return kept;
  }
  const run: RunRecord = {
    type: "run",
    config: spec as unknown as Record<string, unknown>,
    data: {
      path: spec.data,
      tokenizer: spec.tokenizer,
      vocabSize: corpus.tokenizer.size,
      trainTokens: corpus.train.length,
      valTokens: corpus.val.length,
    },
    unigramLoss: baseline,
    startedAt: new Date().toISOString(),
  };
  writeMetrics(path, [run]);
  return [run];
}

/** The tokens a loss over these batches is the mean of. */
function tokensIn(batches: readonly { T: number; B: number }[]): number {
  return batches.reduce((sum, batch) => sum + batch.T * batch.B, 0);
}
