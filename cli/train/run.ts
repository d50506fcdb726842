import { existsSync } from "node:fs";
import { unigramLoss, decodeCorpus } from "../../src/data/corpus.js";
import { Tokenizer } from "../../src/data/tokenizer.js";
import { NGramModel } from "../../src/eval/ngram.js";
import { sequentialBatches } from "../../src/data/windows.js";
import { fromCheckpoint, toCheckpoint, type TrainingState } from "../../src/io/model-checkpoint.js";
import { SequenceModel } from "../../src/model/sequence-model.js";
import { Rng } from "../../src/random.js";
import { formatNumber } from "../../src/report/format.js";
import type { MetricRecord, RunRecord, TrainRecord } from "../../src/train/metrics.js";
import { createOptimizer, type Optimizer } from "../../src/train/optimizers.js";
import { makeLrSchedule } from "../../src/train/schedules.js";
import { evaluate, sampleText, Trainer } from "../../src/train/trainer.js";
import { UserError } from "../errors.js";
import { loadCheckpointFile, readFileOrFail } from "../files.js";
import { createProgress } from "../progress.js";
import { writeTrainingReport } from "./report.js";
import { appendMetric, readMetrics, runPaths, saveCheckpoint, writeMetrics } from "./run-files.js";
import { modelConfig, type TrainSpec } from "./spec.js";
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

export interface Corpus {
  tokenizer: Tokenizer;
  train: Int32Array;
  val: Int32Array;
  /** The n-gram that generated train and val, when the run uses one. */
  oracle: NGramModel | null;
}

/** Reads --data and tokenizes it; the vocabulary comes from the training part (or the checkpoint).
 *  With an oracle, the text the model sees is the oracle's: an n-gram fitted to all of --data
 *  generates as many tokens, seeded, so a resumed run regenerates the same text. */
export function loadCorpus(spec: TrainSpec, stored: Tokenizer | null): Corpus {
  const text = decodeCorpus(readFileOrFail(spec.data, "--data"), `--data '${spec.data}'`);
  const chars = Array.from(text);
  const cut = Math.round(chars.length * (1 - spec.valFraction));
  let corpus: Corpus;
  if (spec.oracle) {
    const tokenizer = stored ?? Tokenizer.fromText(spec.tokenizer, text, spec.maxVocab);
    const real = tokenizer.encode(text);
    const oracle = NGramModel.fit(real, spec.oracle, tokenizer.size);
    const stream = oracle.sample(real.length, new Rng(spec.seed + 104729), real.subarray(0, spec.oracle - 1));
    const split = Math.round(stream.length * (1 - spec.valFraction));
    corpus = { tokenizer, train: stream.subarray(0, split), val: stream.subarray(split), oracle };
  } else {
    const trainText = chars.slice(0, cut).join("");
    const tokenizer = stored ?? Tokenizer.fromText(spec.tokenizer, trainText, spec.maxVocab);
    corpus = {
      tokenizer,
      train: tokenizer.encode(trainText),
      val: tokenizer.encode(chars.slice(cut).join("")),
      oracle: null,
    };
  }
  for (const [part, tokens] of [
    ["training", corpus.train],
    ["validation", corpus.val],
  ] as const) {
    if (tokens.length < spec.seqLen + 1) {
      throw new UserError(
        `--seq-len ${spec.seqLen} is longer than the ${part} part of --data '${spec.data}' (${tokens.length} tokens): use a shorter --seq-len or more text`,
      );
    }
  }
  return corpus;
}

/** Trains until the budget is spent, evaluating, sampling and checkpointing every evalEvery steps;
 *  teacher-forced steps run on `threads` threads ("auto": defaultThreads of the batch). */
export function runTraining(
  spec: TrainSpec,
  out: string,
  resume: boolean,
  threads: number | "auto" = 1,
): TrainResult {
  const paths = runPaths(out);
  const started = Date.now();
  const stored = resume ? loadCheckpointFile(paths.checkpoint) : null;
  const storedTokenizer = stored
    ? Tokenizer.fromJSON((stored.extra as { tokenizer?: unknown } | undefined)?.tokenizer)
    : null;
  const corpus = loadCorpus(spec, storedTokenizer);
  const V = corpus.tokenizer.size;
  const state: TrainingState = stored ? fromCheckpoint(stored) : freshState(spec, V);
  const optimizer = state.optimizer as Optimizer;
  const threadCount = threads === "auto" ? defaultThreads(spec.batch) : threads;
  const parallel = dataParallel(state.model, threadCount);
  try {
    return trainLoop(spec, paths, started, corpus, state, optimizer, parallel, Boolean(stored));
  } finally {
    parallel.close();
  }
}

function trainLoop(
  spec: TrainSpec,
  paths: ReturnType<typeof runPaths>,
  started: number,
  corpus: Corpus,
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
    const extra = { tokenizer: corpus.tokenizer.toJSON(), train: spec, unigramLoss: baseline };
    saveCheckpoint(
      paths.checkpoint,
      toCheckpoint({ model: state.model, optimizer, rng: trainer.rng, step: trainer.step, extra }),
    );
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
      const sample = sampleFrom(state.model, corpus, spec, trainer.step);
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

function freshState(spec: TrainSpec, V: number): TrainingState {
  const rng = new Rng(spec.seed);
  const model = new SequenceModel(modelConfig(spec, V), { rng });
  const optimizer = createOptimizer(spec.optimizer, model);
  return { model, optimizer, rng, step: 0 };
}

/** A fresh metrics file, or (resuming) the old one cut back to the checkpoint's step. */
function startMetrics(
  path: string,
  spec: TrainSpec,
  corpus: Corpus,
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

/** A free-running sample primed with the start of the validation text; its own generator, so
 *  evaluation never shifts the training stream. */
function sampleFrom(model: SequenceModel, corpus: Corpus, spec: TrainSpec, step: number): string {
  if (spec.sampleLength === 0) return "";
  const prime = corpus.val.subarray(0, Math.min(8, corpus.val.length));
  const tokens = sampleText(model, prime, spec.sampleLength, new Rng(spec.seed * 7919 + step));
  return corpus.tokenizer.decode(tokens);
}

/** The tokens a loss over these batches is the mean of. */
function tokensIn(batches: readonly { T: number; B: number }[]): number {
  return batches.reduce((sum, batch) => sum + batch.T * batch.B, 0);
}
