import { existsSync } from "node:fs";
import { unigramLoss, decodeCorpus } from "../../src/data/corpus.js";
import { Tokenizer } from "../../src/data/tokenizer.js";
import { sequentialBatches } from "../../src/data/windows.js";
import { fromCheckpoint, type TrainingState } from "../../src/io/model-checkpoint.js";
import { formatNumber } from "../../src/report/format.js";
import type { MetricRecord, RunRecord, TrainRecord } from "../../src/train/metrics.js";
import type { Optimizer } from "../../src/train/optimizers.js";
import { makeLrSchedule } from "../../src/train/schedules.js";
import {
  corpusFromText,
  freshRun,
  runCheckpoint,
  runSample,
  shortPart,
  type TextCorpus,
} from "../../src/run/text-run.js";
import { evaluate, Trainer } from "../../src/train/trainer.js";
import { UserError } from "../errors.js";
import { loadCheckpointFile, readFileOrFail } from "../files.js";
import { createProgress } from "../progress.js";
import { writeTrainingReport } from "./report.js";
import { appendMetric, readMetrics, runPaths, saveCheckpoint, writeMetrics } from "./run-files.js";
import type { TrainSpec } from "./spec.js";
import { dataParallel, defaultThreads } from "../../node/index.js";
import type { DataParallel } from "../../src/parallel/data-parallel.js";

export interface TrainResult {
  /** The final validation loss, over the whole validation split (valTokens tokens); the periodic
   *  ones are over its first valBatches batches only. */
  valLoss: number;
  valTokens: number;
  unigramLoss: number;
  steps: number;
  tokensPerSecond: number;
  /** Threads the teacher-forced steps ran on. */
  threads: number;
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

/** Trains until the budget is spent, evaluating, sampling and checkpointing every evalEvery steps;
 *  teacher-forced steps run on `threads` threads ("auto": defaultThreads of the batch). */
export async function runTraining(
  spec: TrainSpec,
  out: string,
  resume: boolean,
  threads: number | "auto" = 1,
): Promise<TrainResult> {
  const paths = runPaths(out);
  const started = Date.now();
  const stored = resume ? loadCheckpointFile(paths.checkpoint) : null;
  const storedTokenizer = stored
    ? Tokenizer.fromJSON((stored.extra as { tokenizer?: unknown } | undefined)?.tokenizer)
    : null;
  const corpus = loadCorpus(spec, storedTokenizer);
  const V = corpus.tokenizer.size;
  const state: TrainingState = stored ? fromCheckpoint(stored) : freshRun(spec, V);
  const optimizer = state.optimizer as Optimizer;
  const threadCount = threads === "auto" ? defaultThreads(spec.batch) : threads;
  const parallel = dataParallel(state.model, threadCount);
  try {
    await parallel.ready();
    return trainLoop(spec, paths, started, corpus, state, optimizer, parallel, Boolean(stored));
  } finally {
    parallel.close();
  }
}

function trainLoop(
  spec: TrainSpec,
  paths: ReturnType<typeof runPaths>,
  started: number,
  corpus: TextCorpus,
  state: TrainingState,
  optimizer: Optimizer,
  parallel: DataParallel,
  resumed: boolean,
): TrainResult {
  const V = corpus.tokenizer.size;
  const trainer = new Trainer({
    model: state.model,
    optimizer,
    data: corpus.train,
    seqLen: spec.seqLen,
    batch: spec.batch,
    feed: spec.feed,
    clip: spec.clip,
    lrSchedule: makeLrSchedule(spec.lrSchedule, spec.optimizer.lr),
    parallel,
    rng: state.rng,
    step: state.step,
  });
  const baseline = unigramLoss(corpus.val, V);
  const valSet = sequentialBatches(corpus.val, spec.seqLen, spec.batch, spec.valBatches);
  const valSetTokens = tokensIn(valSet);
  const records = startMetrics(paths.metrics, spec, corpus, baseline, resumed ? state.step : null);
  const log = (record: MetricRecord) => {
    records.push(record);
    appendMetric(paths.metrics, record);
  };
  const saveAll = () => {
    const now = { model: state.model, optimizer, rng: trainer.rng, step: trainer.step };
    saveCheckpoint(paths.checkpoint, runCheckpoint(now, corpus, spec));
    writeTrainingReport(paths.report, records);
  };

  // The bar counts steps; under --minutes, its share done is the share of the time spent.
  const budgetMs = spec.steps === null ? (spec.minutes as number) * 60_000 : Number.POSITIVE_INFINITY;
  const budgetSteps = spec.steps ?? Number.POSITIVE_INFINITY;
  const progress = createProgress({
    unit: "steps",
    total: spec.steps,
    fields: ["loss", "val", "gnorm", "tok/s"],
  });
  const tokensPerStep = spec.seqLen * spec.batch;
  let trainMs = 0;
  let stepsRun = 0;
  let lastVal = Number.NaN;
  const done = () => trainer.step >= budgetSteps || Date.now() - started >= budgetMs;
  while (!done()) {
    const t0 = performance.now();
    const figures = trainer.trainStep();
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
    if (trainer.step % spec.evalEvery === 0) {
      lastVal = evaluate(state.model, valSet);
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
      saveAll();
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
  progress.stop();
  const fullSplit = sequentialBatches(corpus.val, spec.seqLen, spec.batch);
  const valLoss = evaluate(state.model, fullSplit);
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
  saveAll();
  return {
    valLoss,
    valTokens,
    unigramLoss: baseline,
    steps: trainer.step,
    tokensPerSecond,
    threads: parallel.threads,
    seconds,
    checkpoint: paths.checkpoint,
    report: paths.report,
    metrics: paths.metrics,
  };
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
