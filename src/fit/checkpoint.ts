import { FormatError } from "../errors.js";
import { checkFinite } from "../io/checkpoint-checks.js";
import { decodeSafetensors, decodeSafetensorsMetadata, encodeSafetensors } from "../io/safetensors.js";
import type { ModelOptions } from "../model/config.js";
import { parseModelConfig } from "../model/config-schema.js";
import { type Buf, shapeSize, Tensor } from "../tensor.js";
import type { Learner } from "./learner.js";
import type { Metrics } from "./metrics.js";
import type { FitTask } from "./task.js";
import { type FitTaskName, fitTaskNames, fitTasks } from "./tasks.js";

// A task's checkpoint (rnnlab train --task, or fit() in a script): every parameter of the learner
// under its name (the model's PyTorch names, and a classifier's head.weight, head.bias), and in the
// metadata the task's state (task.toJSON: vocabulary, labels or normalisation, and the model config)
// and how the run was made (data file, task options, validation fraction, seed), so eval and
// predict need nothing else. Its own format marker: it is not a language-model checkpoint, which
// sample and eval would read. The tensor data carry CRC-32C checksums, checked on load.

export const TASK_CHECKPOINT_FORMAT = "rnnlab-task-checkpoint";
const FORMAT_VERSION = "1";

/** Every task's FitTask, seen alike (the generic parameters differ per task). */
// biome-ignore lint/suspicious/noExplicitAny: callers treat the registry's tasks alike
export type AnyFitTask = FitTask<any, any, any, Learner<any>, any, any>;

export function taskNamed(name: FitTaskName): AnyFitTask {
  return fitTasks[name] as unknown as AnyFitTask;
}

/** How the run was made: what eval needs to rebuild its validation split. */
export interface TaskRunInfo {
  task: FitTaskName;
  /** The data file as given (the CLI's --data, resolved against the directory the run started in). */
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

/** The task a file's bytes hold, or null for any other file (a language model's, or not safetensors). */
export function taskOfBytes(bytes: Uint8Array): FitTaskName | null {
  try {
    const metadata = decodeSafetensorsMetadata(bytes);
    if (metadata.format !== TASK_CHECKPOINT_FORMAT) return null;
    return fitTaskNames.find((name) => name === metadata.task) ?? null;
  } catch (error) {
    if (error instanceof FormatError) return null;
    throw error;
  }
}

/** Raised by decodeTaskCheckpoint for a valid file of another kind (a language model's checkpoint). */
export class NotATaskCheckpointError extends FormatError {}

export interface DecodedTaskCheckpoint {
  task: AnyFitTask;
  /** In evaluation mode, with the stored parameters. */
  learner: Learner<unknown>;
  info: TaskRunInfo;
}

/** What a task checkpoint holds besides its tensors: read before the learner is built. */
export interface TaskCheckpointHeader {
  task: AnyFitTask;
  info: TaskRunInfo;
  /** task.toJSON's state: the learner's model config, vocabulary, labels or normalisation. */
  state: unknown;
}

/** A task checkpoint's learner and run info. A FormatError names what is wrong: a damaged file, a
 *  checksum mismatch, an unknown task, a tensor the model lacks or one missing, non-finite values. */
export function decodeTaskCheckpoint(bytes: Uint8Array): DecodedTaskCheckpoint {
  const { tensors } = decodeSafetensors(bytes);
  const { task, info, state } = readTaskCheckpointHeader(bytes);
  let learner: Learner<unknown>;
  try {
    learner = task.fromJSON(state);
  } catch (error) {
    throw new FormatError((error as Error).message);
  }
  const expected = new Set(learner.params.specs.map((spec) => spec.name));
  const unknown = Object.keys(tensors).find((key) => !expected.has(key));
  if (unknown !== undefined)
    throw new FormatError(`tensor ${JSON.stringify(unknown)} is not a parameter of this task's model`);
  for (const spec of learner.params.specs) {
    const tensor = tensors[spec.name];
    if (tensor === undefined || tensor.shape.join() !== spec.shape.join()) {
      throw new FormatError(`parameter ${spec.name} [${spec.shape}] is missing or has another shape`);
    }
    try {
      checkFinite(`parameter ${spec.name}`, tensor.data);
    } catch (error) {
      throw new FormatError((error as Error).message);
    }
    learner.params.value(spec.name).set(tensor.data);
  }
  learner.setTraining(false);
  return { task, learner, info };
}

/** The task, run info and state of a task checkpoint, from its header alone (tensors and checksums
 *  unchecked; decodeTaskCheckpoint checks them): what to know before the learner is built.
 *  NotATaskCheckpointError for another kind of file, else FormatError. */
export function readTaskCheckpointHeader(bytes: Uint8Array): TaskCheckpointHeader {
  const metadata = decodeSafetensorsMetadata(bytes);
  if (metadata.format !== TASK_CHECKPOINT_FORMAT) {
    throw new NotATaskCheckpointError("not a task checkpoint (rnnlab train --task or fit() writes those)");
  }
  const name = fitTaskNames.find((known) => known === metadata.task);
  if (name === undefined) throw new FormatError(`unknown task ${JSON.stringify(metadata.task)}`);
  try {
    const info = JSON.parse(metadata.run ?? "") as TaskRunInfo;
    const state = JSON.parse(metadata.state ?? "") as { model?: unknown };
    // The model config checked here already: a memory estimate reads it before the learner is built.
    parseModelConfig(state.model as ModelOptions);
    return { task: taskNamed(name), info, state };
  } catch (error) {
    throw new FormatError((error as Error).message);
  }
}
