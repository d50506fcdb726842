import { appendFileSync } from "node:fs";
import { decodeCorpus } from "../../src/data/corpus.js";
import { type FitResult, fit as runFit } from "../../src/fit/fit.js";
import type { Learner } from "../../src/fit/learner.js";
import type { Metrics } from "../../src/fit/metrics.js";
import type { TaskEvaluation, TaskModelOptions } from "../../src/fit/task.js";
import { Rng } from "../../src/random.js";
import type { Buf } from "../../src/tensor.js";
import type { LrScheduleSpec } from "../../src/train/schedules.js";
import { readFileOrFail, writeFileAtomic } from "../files.js";
import { createProgress, type Progress } from "../progress.js";
import { runPaths } from "./run-files.js";
import {
  type AnyFitTask,
  encodeTaskCheckpoint,
  type TaskRunInfo,
  taskNamed,
} from "../../src/fit/checkpoint.js";
import type { MemoryBudget } from "../../src/model/memory-budget.js";
import { refuseTaskTrainingOverBudget } from "./task-memory.js";
import type { TaskSpec } from "./task-options.js";
import { writeTaskReport } from "./task-report.js";
import { metricsText } from "./task-summary.js";

// One `rnnlab train --task classify|tag|forecast` run: read and check everything first (data,
// split, vocabulary, labels: any error leaves --out untouched), then fit with a progress bar,
// metrics.jsonl (one line per step and per validation), the best parameters saved to
// checkpoint.safetensors at each new best (atomically), and report.html at the end.

/** A task run's data, learner and examples, all checked: nothing is written yet. */
export interface PreparedTaskRun {
  spec: TaskSpec;
  task: AnyFitTask;
  train: unknown;
  validation: unknown;
  learner: Learner<unknown>;
  trainExamples: unknown[];
  validationExamples: unknown[];
  model: TaskModelOptions;
  totalSteps: number;
  lrSchedule: LrScheduleSpec;
}

/** The text of a task's data file, parsed with its options (the error names the file and line). */
export function readTaskData(task: AnyFitTask, path: string, options: Record<string, unknown>): unknown {
  const text = decodeCorpus(readFileOrFail(path, "--data"), `--data '${path}'`);
  return task.parse(text, path, options);
}

/** Reads, splits and checks the run's data and refuses a run over `budget` (before the learner is
 *  built), then builds the learner and its examples. */
export function prepareTaskRun(spec: TaskSpec, budget: MemoryBudget): PreparedTaskRun {
  const task = taskNamed(spec.task);
  const data = readTaskData(task, spec.data, spec.taskOptions);
  const { train, validation } = task.split(data, spec.valFraction, new Rng(spec.seed));
  const model = { ...task.suggestModel(train), ...spec.model } as TaskModelOptions;
  const state = task.initialState(train, model);
  const run = { batch: spec.batchSize, optimizer: spec.optimizer };
  refuseTaskTrainingOverBudget(task, state, { train, validation }, run, budget);
  const learner = task.fromJSON(state, { seed: spec.seed });
  const trainExamples = task.examples(learner, train) as unknown[];
  const validationExamples = task.examples(learner, validation) as unknown[];
  const perEpoch = Math.ceil(trainExamples.length / spec.batchSize);
  const totalSteps = Math.min(spec.steps ?? Number.POSITIVE_INFINITY, spec.epochs * perEpoch);
  const lrSchedule = spec.lrSchedule(totalSteps);
  return {
    spec,
    task,
    train,
    validation,
    learner,
    trainExamples,
    validationExamples,
    model,
    totalSteps,
    lrSchedule,
  };
}

export interface TaskRunResult {
  task: string;
  evaluation: TaskEvaluation;
  steps: number;
  epochs: number;
  stoppedBy: FitResult["stoppedBy"];
  best: { step: number; epoch: number; metrics: Metrics } | null;
  trainExamples: number;
  validationExamples: number;
  seconds: number;
  checkpoint: string;
  report: string;
  metricsFile: string;
}

/** Trains the prepared run into `out`; see the file's comment. */
export function runTaskTraining(run: PreparedTaskRun, out: string): TaskRunResult {
  const { spec, task, learner } = run;
  const paths = runPaths(out);
  const started = Date.now();
  const info = (step: number, epoch: number, metrics: Metrics): TaskRunInfo => ({
    task: spec.task,
    data: spec.data,
    options: spec.taskOptions,
    valFraction: spec.valFraction,
    seed: spec.seed,
    step,
    epoch,
    metrics,
  });
  const state = task.toJSON(learner);
  const save = (params: Buf, step: number, epoch: number, m: Metrics) =>
    writeFileAtomic(
      paths.checkpoint,
      encodeTaskCheckpoint(learner, params, { info: info(step, epoch, m), state }),
    );
  const records: TaskRecord[] = [];
  const log = (record: TaskRecord) => {
    records.push(record);
    appendFileSync(paths.metrics, `${JSON.stringify(record)}\n`);
  };
  writeFileAtomic(paths.metrics, "");
  log({
    type: "run",
    task: spec.task,
    data: spec.data,
    options: spec.taskOptions,
    model: run.model,
    optimizer: spec.optimizer,
    lrSchedule: run.lrSchedule,
    trainExamples: run.trainExamples.length,
    validationExamples: run.validationExamples.length,
    startedAt: new Date().toISOString(),
  });
  const progress = createProgress({ unit: "steps", total: run.totalSteps, fields: ["loss", "val", "lr"] });
  const result = fitWithProgress(run, progress, log, (best) =>
    save(best.params, best.step, best.epoch, best.metrics),
  );
  progress.stop();
  if (result.best === null) save(learner.params.data, result.steps, result.epochs, {});
  const evaluation = task.evaluate(learner, run.validation);
  const seconds = (Date.now() - started) / 1000;
  log({
    type: "done",
    step: result.steps,
    epoch: result.epochs,
    stoppedBy: result.stoppedBy,
    ...evaluation,
    seconds,
  });
  writeTaskReport(paths.report, run, records, evaluation);
  const best = result.best && {
    step: result.best.step,
    epoch: result.best.epoch,
    metrics: result.best.metrics,
  };
  return {
    task: spec.task,
    evaluation,
    steps: result.steps,
    epochs: result.epochs,
    stoppedBy: result.stoppedBy,
    best,
    trainExamples: run.trainExamples.length,
    validationExamples: run.validationExamples.length,
    seconds,
    checkpoint: paths.checkpoint,
    report: paths.report,
    metricsFile: paths.metrics,
  };
}

/** A line of a task run's metrics.jsonl. */
export type TaskRecord =
  | { type: "run"; task: string; [key: string]: unknown }
  | { type: "train"; step: number; epoch: number; loss: number; gradNorm: number; lr: number }
  | { type: "val"; step: number; epoch: number; metrics: Metrics; best: boolean; lr: number }
  | ({ type: "done"; step: number; epoch: number; stoppedBy: string; seconds: number } & TaskEvaluation);

function fitWithProgress(
  run: PreparedTaskRun,
  progress: Progress,
  log: (record: TaskRecord) => void,
  onBest: NonNullable<Parameters<typeof runFit>[2]>["onBest"],
): FitResult {
  const { spec, learner } = run;
  const monitor = learner.monitor.metric;
  let lastVal = "-";
  return runFit(learner, run.trainExamples, {
    optimizer: spec.optimizer,
    lrSchedule: run.lrSchedule,
    clip: spec.clip,
    epochs: spec.epochs,
    ...(spec.steps === null ? {} : { steps: spec.steps }),
    batchSize: spec.batchSize,
    seed: spec.seed + 1,
    validation: run.validationExamples,
    ...(spec.evalEvery === null ? {} : { evalEvery: spec.evalEvery }),
    ...(spec.patience === null ? {} : { patience: spec.patience }),
    ...(spec.reduceOnPlateau === null ? {} : { reduceOnPlateau: spec.reduceOnPlateau }),
    onStep: ({ step, epoch, loss, gradNorm, lr }) => {
      log({ type: "train", step, epoch, loss, gradNorm, lr });
      progress.update(step, { loss: loss.toFixed(4), val: lastVal, lr: lr.toPrecision(3) });
    },
    onEvaluate: ({ step, epoch, metrics, best, lr }) => {
      log({ type: "val", step, epoch, metrics, best, lr });
      lastVal = `${monitor} ${metrics[monitor]?.toFixed(4)}`;
      progress.log(
        `epoch ${epoch}, step ${step}: validation ${metricsText(metrics)}${best ? " (best)" : ""}`,
      );
    },
    onBest,
  });
}
