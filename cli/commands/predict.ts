import type { Command } from "commander";
import type { ClassifyLearner, ClassifyPrediction } from "../../src/fit/classify.js";
import type { ClassifyData } from "../../src/fit/classify-data.js";
import { type ForecastLearner, forecast } from "../../src/fit/forecast.js";
import type { ForecastData } from "../../src/fit/forecast-data.js";
import type { TagData } from "../../src/fit/tag.js";
import type { TaskCheckpointHeader } from "../../src/fit/checkpoint.js";
import type { FitTaskName } from "../../src/fit/tasks.js";
import { UserError } from "../errors.js";
import { MAX_MEMORY_HELP, memoryBudget } from "../memory-budget.js";
import { readFileOrFail } from "../files.js";
import {
  checkpointPath,
  type LoadedTaskRun,
  loadTaskRun,
  taskOfCheckpoint,
} from "../train/task-checkpoint.js";
import { refuseTaskInferenceOverBudget } from "../train/task-memory.js";
import { readTaskData } from "../train/task-run.js";
import { integer } from "../train/spec.js";

// `rnnlab predict RUN --data FILE`: a task run's predictions for every line (classify, tag) or the
// next values after the series in FILE (forecast, its own predictions fed back).

interface PredictOptions {
  data: string;
  steps?: string;
  json?: boolean;
  maxMemory?: string;
}

export function register(program: Command): void {
  program
    .command("predict")
    .description("predictions of a task run (rnnlab train --task classify|tag|forecast) on a file")
    .argument("<checkpoint>", "checkpoint.safetensors or the run folder holding it")
    .requiredOption(
      "--data <file>",
      "classify, tag: JSONL lines (labels or tags not needed); forecast: a CSV series",
    )
    .option(
      "--steps <n>",
      "forecast: how many values to forecast after the series (default: the run's --horizon)",
    )
    .option("--json", "print one JSON object (classify: with each label's probability)")
    .option("--max-memory <size>", MAX_MEMORY_HELP)
    .action((checkpoint: string, options: PredictOptions) => {
      const result = predictCommand(checkpoint, options);
      if (options.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      else for (const line of predictionLines(result)) process.stdout.write(`${line}\n`);
    });
}

export type PredictResult =
  | {
      task: "classify";
      checkpoint: string;
      predictions: { line: number; label: string; probabilities: Record<string, number> }[];
    }
  | { task: "tag"; checkpoint: string; predictions: { line: number; tokens: string[]; tags: string[] }[] }
  | { task: "forecast"; checkpoint: string; target: string; steps: number; forecast: number[] };

export function predictCommand(arg: string, options: PredictOptions): PredictResult {
  const budget = memoryBudget(options.maxMemory);
  const path = checkpointPath(arg);
  const task: FitTaskName | null = taskOfCheckpoint(path);
  if (task === null) {
    readFileOrFail(path, "checkpoint"); // a missing or unreadable file says so
    throw new UserError(
      `'${path}' is not a task run: for a language model, use rnnlab sample ${arg} --prime TEXT`,
    );
  }
  if (options.steps !== undefined && task !== "forecast") {
    throw new UserError(`--steps is for a forecast run; '${path}' holds a ${task} run: drop it`);
  }
  let data: unknown;
  // The file is read, and the predictions' memory estimated, before the learner is built; a
  // forecast runs one window (a pass of one row).
  const run = loadTaskRun(arg, (header) => {
    data = predictionData(header, options);
    refuseTaskInferenceOverBudget(
      header.task,
      header.state,
      data,
      budget,
      task === "forecast" ? 1 : undefined,
    );
  });
  if (task === "classify") return classify(run, data as ClassifyData);
  if (task === "tag") return tag(run, data as TagData);
  return forecastNext(run, data as ForecastData, options);
}

/** The file, read with the run's task options; a forecast's with its columns only (a series to
 *  continue needs no horizon of its own). */
function predictionData(header: TaskCheckpointHeader, options: PredictOptions): unknown {
  if (header.info.task !== "forecast") return readTaskData(header.task, options.data, header.info.options);
  const { target, features } = header.info.options as { target?: string; features?: string[] };
  return readTaskData(header.task, options.data, { target, features, window: 1, horizon: 1 });
}

function classify(run: LoadedTaskRun, data: ClassifyData): PredictResult {
  const learner = run.learner as unknown as ClassifyLearner;
  const predicted = run.task.predict(learner, data) as ClassifyPrediction[];
  return {
    task: "classify",
    checkpoint: run.path,
    predictions: predicted.map((p, i) => ({
      line: data.examples[i].line,
      label: p.label,
      probabilities: Object.fromEntries(learner.labels.map((label, k) => [label, p.probabilities[k]])),
    })),
  };
}

function tag(run: LoadedTaskRun, data: TagData): PredictResult {
  const tags = run.task.predict(run.learner, data) as string[][];
  return {
    task: "tag",
    checkpoint: run.path,
    predictions: tags.map((t, i) => ({
      line: data.examples[i].line,
      tokens: data.examples[i].tokens,
      tags: t,
    })),
  };
}

/** The next `steps` values after the last `window` rows of the series. */
function forecastNext(run: LoadedTaskRun, data: ForecastData, options: PredictOptions): PredictResult {
  const learner = run.learner as unknown as ForecastLearner;
  const { window: W, horizon, columns } = learner.state;
  const steps = options.steps === undefined ? horizon : integer(options.steps, "--steps");
  learner.checkColumns(data);
  if (data.rows.length < W) {
    throw new UserError(
      `${options.data}: the series has ${data.rows.length} rows, but the model reads a window of ${W}: give at least ${W} rows`,
    );
  }
  const values = forecast(learner, data.rows.slice(-W), steps);
  return { task: "forecast", checkpoint: run.path, target: columns[0], steps, forecast: values };
}

function predictionLines(result: PredictResult): string[] {
  if (result.task === "classify") return result.predictions.map((p) => p.label);
  if (result.task === "tag") return result.predictions.map((p) => p.tags.join(" "));
  return result.forecast.map((v) => String(Number(v.toPrecision(6))));
}
