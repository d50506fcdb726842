import { existsSync, statSync } from "node:fs";
import { FormatError } from "../../src/errors.js";
import type { Learner } from "../../src/fit/learner.js";
import type { Metrics } from "../../src/fit/metrics.js";
import type { FitTask } from "../../src/fit/task.js";
import { type FitTaskName, fitTaskNames, fitTasks } from "../../src/fit/tasks.js";
import { checkFinite } from "../../src/io/checkpoint-checks.js";
import { decodeSafetensors, decodeSafetensorsMetadata, encodeSafetensors } from "../../src/io/safetensors.js";
import { type Buf, shapeSize, Tensor } from "../../src/tensor.js";
import { UserError } from "../errors.js";
import { readFileOrFail } from "../files.js";
import { runPaths } from "./run-files.js";

// A task run's checkpoint.safetensors: every parameter of the learner under its name (the model's
// PyTorch names, and a classifier's head.weight, head.bias), and in the metadata the task's state
// (task.toJSON: vocabulary, labels or normalisation, and the model config) and how the run was
// made (data file, task options, validation fraction, seed), so eval and predict need nothing else.
// Its own format marker: it is not a language-model checkpoint, which sample and eval would read.

export const TASK_CHECKPOINT_FORMAT = "rnnlab-task-checkpoint";
const FORMAT_VERSION = "1";

/** Every task's FitTask, seen alike by the CLI (the generic parameters differ per task). */
// biome-ignore lint/suspicious/noExplicitAny: the CLI treats the registry's tasks alike
export type AnyFitTask = FitTask<any, any, any, Learner<any>, any, any>;

export function taskNamed(name: FitTaskName): AnyFitTask {
  return fitTasks[name] as unknown as AnyFitTask;
}

/** How the run was made: what eval needs to rebuild its validation split. */
export interface TaskRunInfo {
  task: FitTaskName;
  /** --data as given (resolved against the directory the run was started in). */
  data: string;
  /** The task's parse options (tokens; target, features, horizon, window, season). */
  options: Record<string, unknown>;
  valFraction: number;
  seed: number;
  /** The step, epoch and validation metrics of the parameters stored. */
  step: number;
  epoch: number;
  metrics: Metrics;
}

export interface TaskCheckpoint {
  info: TaskRunInfo;
  state: unknown;
}

/** The bytes of a task checkpoint holding `params` (a flat buffer in learner.params' layout). */
export function encodeTaskCheckpoint(
  learner: Learner<unknown>,
  params: Buf,
  ckpt: TaskCheckpoint,
): Uint8Array {
  const tensors: Record<string, Tensor> = {};
  let offset = 0;
  for (const spec of learner.params.specs) {
    const size = shapeSize(spec.shape);
    tensors[spec.name] = new Tensor(params.slice(offset, offset + size), spec.shape);
    offset += size;
  }
  const metadata = {
    format: TASK_CHECKPOINT_FORMAT,
    format_version: FORMAT_VERSION,
    task: ckpt.info.task,
    state: JSON.stringify(ckpt.state),
    run: JSON.stringify(ckpt.info),
  };
  return encodeSafetensors(tensors, metadata, { checksum: true });
}

/** The checkpoint path of a run folder or file argument. */
export function checkpointPath(arg: string): string {
  return existsSync(arg) && statSync(arg).isDirectory() ? runPaths(arg).checkpoint : arg;
}

/** The task a checkpoint file holds, or null for any other file (a language model's). */
export function taskOfCheckpoint(path: string): FitTaskName | null {
  if (!existsSync(path) || statSync(path).isDirectory()) return null;
  try {
    const metadata = decodeSafetensorsMetadata(readFileOrFail(path, "checkpoint"));
    if (metadata.format !== TASK_CHECKPOINT_FORMAT) return null;
    return fitTaskNames.find((name) => name === metadata.task) ?? null;
  } catch (error) {
    if (error instanceof FormatError) return null;
    throw error;
  }
}

export interface LoadedTaskRun {
  path: string;
  task: AnyFitTask;
  learner: Learner<unknown>;
  info: TaskRunInfo;
}

/** A task run's learner with its stored parameters, from a checkpoint file or a run folder. */
export function loadTaskRun(arg: string): LoadedTaskRun {
  const path = checkpointPath(arg);
  const bytes = readFileOrFail(path, "checkpoint");
  const corrupt = (what: string) => new UserError(`checkpoint '${path}' is corrupt: ${what}; train it again`);
  let file: ReturnType<typeof decodeSafetensors>;
  try {
    file = decodeSafetensors(bytes);
  } catch (error) {
    if (error instanceof FormatError) throw corrupt(error.message);
    throw error;
  }
  const { tensors, metadata = {} } = file;
  if (metadata.format !== TASK_CHECKPOINT_FORMAT) {
    throw new UserError(`checkpoint '${path}' is not a task run of rnnlab train --task`);
  }
  const name = fitTaskNames.find((known) => known === metadata.task);
  if (name === undefined) throw corrupt(`unknown task ${JSON.stringify(metadata.task)}`);
  const task = taskNamed(name);
  let info: TaskRunInfo;
  let learner: Learner<unknown>;
  try {
    info = JSON.parse(metadata.run ?? "") as TaskRunInfo;
    learner = task.fromJSON(JSON.parse(metadata.state ?? ""));
  } catch (error) {
    throw corrupt((error as Error).message);
  }
  const expected = new Set(learner.params.specs.map((spec) => spec.name));
  const unknown = Object.keys(tensors).find((name) => !expected.has(name));
  if (unknown !== undefined)
    throw corrupt(`tensor ${JSON.stringify(unknown)} is not a parameter of this task's model`);
  for (const spec of learner.params.specs) {
    const tensor = tensors[spec.name];
    if (tensor === undefined || tensor.shape.join() !== spec.shape.join()) {
      throw corrupt(`parameter ${spec.name} [${spec.shape}] is missing or has another shape`);
    }
    try {
      checkFinite(`parameter ${spec.name}`, tensor.data);
    } catch (error) {
      throw corrupt((error as Error).message);
    }
    learner.params.value(spec.name).set(tensor.data);
  }
  learner.setTraining(false);
  return { path, task, learner, info };
}
