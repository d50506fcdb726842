import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { FitTaskName } from "../../src/fit/tasks.js";
import type { MemoryBudget } from "../../src/model/memory-budget.js";
import { UserError } from "../errors.js";
import type { MetricValue } from "../../node/store/types.js";
import { flattenConfig } from "../../src/run/config-diff.js";
import { RunRecorder, type StoreOptions } from "../store-record.js";
import { readMetrics, runPaths } from "./run-files.js";
import { lockRunFolder } from "./run-lock.js";
import { type TaskFlagValues, taskSpecFromOptions } from "./task-options.js";
import { prepareTaskRun, runTaskTraining } from "./task-run.js";
import { evaluationLines, headline } from "./task-summary.js";
import type { TrainOptions } from "./spec.js";

// `rnnlab train --task classify|tag|forecast`: the flags checked, the run, its summary printed.

/** Each task's bundled data set (data/README.md). */
const BUNDLED: Record<FitTaskName, string> = {
  classify: "digits.jsonl",
  tag: "truecase.jsonl",
  forecast: "sunspots.csv",
};

export function bundledData(task: FitTaskName): string {
  return fileURLToPath(new URL(`../../../data/${BUNDLED[task]}`, import.meta.url));
}

export type TaskCommandOptions = TrainOptions &
  TaskFlagValues & { out: string; force?: boolean; json?: boolean } & StoreOptions;

/** A summary's numbers, strings and flags, nested objects flattened ("headline.value",
 *  "metrics.mae"): the run store's final metrics, each one a sweep's possible metric. */
function scalars(summary: Record<string, unknown>): Record<string, MetricValue> {
  const scalar = (v: unknown) => v === null || ["number", "string", "boolean"].includes(typeof v);
  return Object.fromEntries(flattenConfig(summary).filter(([, v]) => scalar(v))) as Record<
    string,
    MetricValue
  >;
}

export function runTaskCommand(
  options: TaskCommandOptions,
  explicit: (name: string) => boolean,
  budget: MemoryBudget,
): void {
  const spec = taskSpecFromOptions(options, explicit, bundledData);
  const out = explicit("out") ? options.out : `runs/${spec.task}`;
  if (!options.force && existsSync(runPaths(out).checkpoint)) {
    throw new UserError(`${out} already holds a run: pass --force or another --out`);
  }
  const prepared = prepareTaskRun(spec, budget);
  const lock = lockRunFolder(out);
  let result: ReturnType<typeof runTaskTraining>;
  const recorder = RunRecorder.start(options, {
    kind: "train",
    name: out,
    config: spec,
    artefacts: { dir: out },
  });
  try {
    result = runTaskTraining(prepared, out);
  } catch (error) {
    recorder?.fail(error);
    throw error;
  } finally {
    lock.release();
  }
  const h = headline(spec.task, result.evaluation);
  if (recorder) {
    // A task run's records are in its metrics.jsonl once it ends (it trains in one synchronous call).
    for (const record of readMetrics(runPaths(out).metrics)) recorder.record(record);
    const { evaluation, ...rest } = result;
    recorder.finish("finished", scalars({ ...rest, ...evaluation, headline: h }));
  }
  const best = result.best ? `, best at step ${result.best.step} (epoch ${result.best.epoch})` : "";
  process.stderr.write(
    `${result.steps} steps, ${result.epochs} epoch(s), stopped: ${result.stoppedBy}${best}, ${result.seconds.toFixed(1)} s\n`,
  );
  const out_ = (line: string) => process.stdout.write(`${line}\n`);
  out_(`validation (${result.validationExamples} examples of ${spec.data}):`);
  for (const line of evaluationLines(spec.task, result.evaluation)) out_(`  ${line}`);
  out_(`report: ${result.report}`);
  if (options.json) {
    const { evaluation, ...rest } = result;
    out_(JSON.stringify({ ...rest, ...evaluation, headline: h }));
  }
}
