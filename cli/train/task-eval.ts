import { existsSync } from "node:fs";
import type { AnyFitTask, TaskRunInfo } from "../../src/fit/checkpoint.js";
import type { TaskEvaluation } from "../../src/fit/task.js";
import type { FitTaskName } from "../../src/fit/tasks.js";
import { Rng } from "../../src/random.js";
import { UserError } from "../errors.js";
import type { MemoryBudget } from "../../src/model/memory-budget.js";
import { loadTaskRun } from "./task-checkpoint.js";
import { refuseTaskInferenceOverBudget } from "./task-memory.js";
import { readTaskData } from "./task-run.js";
import { evaluationLines, type Headline, headline } from "./task-summary.js";

// `rnnlab eval RUN [--data FILE]` on a task run: the task's metrics and baselines on the run's own
// validation split (its data file read again and split with the stored fraction and seed) or on
// the whole of FILE, read with the run's task options.

export interface TaskEvalResult extends TaskEvaluation {
  checkpoint: string;
  task: FitTaskName;
  data: string;
  headline: Headline;
}

export function taskEvalCommand(
  arg: string,
  dataPath: string | undefined,
  budget: MemoryBudget,
): TaskEvalResult {
  let data: unknown;
  let source = "";
  // The data is read, and the evaluation's memory estimated, before the learner is built.
  const { path, task, learner, info } = loadTaskRun(arg, (header) => {
    ({ data, source } = evaluationData(header.task, header.info, dataPath));
    refuseTaskInferenceOverBudget(header.task, header.state, data, budget);
  });
  const evaluation = task.evaluate(learner, data);
  return {
    checkpoint: path,
    task: info.task,
    data: source,
    ...evaluation,
    headline: headline(info.task, evaluation),
  };
}

/** FILE read with the run's task options, or the run's validation split of its own data. */
function evaluationData(
  task: AnyFitTask,
  info: TaskRunInfo,
  dataPath: string | undefined,
): { data: unknown; source: string } {
  if (dataPath !== undefined) return { data: readTaskData(task, dataPath, info.options), source: dataPath };
  if (!existsSync(info.data)) {
    throw new UserError(`the run's data '${info.data}' is gone: give the file to evaluate with --data FILE`);
  }
  const all = readTaskData(task, info.data, info.options);
  const data = task.split(all, info.valFraction, new Rng(info.seed)).validation;
  return { data, source: `${info.data} (the run's validation split)` };
}

export function printTaskEval(result: TaskEvalResult): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  out(`${result.checkpoint} (${result.task}) on ${result.data}:`);
  for (const line of evaluationLines(result.task, result)) out(`  ${line}`);
}
