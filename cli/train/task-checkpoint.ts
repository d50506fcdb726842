import { existsSync, statSync } from "node:fs";
import { FormatError } from "../../src/errors.js";
import {
  type AnyFitTask,
  decodeTaskCheckpoint,
  NotATaskCheckpointError,
  readTaskCheckpointHeader,
  type TaskCheckpointHeader,
  type TaskRunInfo,
  taskOfBytes,
} from "../../src/fit/checkpoint.js";
import type { Learner } from "../../src/fit/learner.js";
import type { FitTaskName } from "../../src/fit/tasks.js";
import { UserError } from "../errors.js";
import { readFileOrFail } from "../files.js";
import { runPaths } from "./run-files.js";

// A task run's checkpoint file, as eval and predict find it: a run folder or a file argument. The
// format itself is the library's (src/fit/checkpoint.ts).

/** The checkpoint path of a run folder or file argument. */
export function checkpointPath(arg: string): string {
  return existsSync(arg) && statSync(arg).isDirectory() ? runPaths(arg).checkpoint : arg;
}

/** The task a checkpoint file holds, or null for any other file (a language model's). */
export function taskOfCheckpoint(path: string): FitTaskName | null {
  if (!existsSync(path) || statSync(path).isDirectory()) return null;
  return taskOfBytes(readFileOrFail(path, "checkpoint"));
}

export interface LoadedTaskRun {
  path: string;
  task: AnyFitTask;
  learner: Learner<unknown>;
  info: TaskRunInfo;
}

/** A task run's learner with its stored parameters, from a checkpoint file or a run folder;
 *  `beforeBuild` sees the stored task, run info and state before the learner is allocated. */
export function loadTaskRun(
  arg: string,
  beforeBuild?: (header: TaskCheckpointHeader) => void,
): LoadedTaskRun {
  const path = checkpointPath(arg);
  const bytes = readFileOrFail(path, "checkpoint");
  beforeBuild?.(decoded(path, () => readTaskCheckpointHeader(bytes)));
  return { path, ...decoded(path, () => decodeTaskCheckpoint(bytes)) };
}

/** decode(), its errors as one-line UserErrors naming the file. */
function decoded<T>(path: string, decode: () => T): T {
  try {
    return decode();
  } catch (error) {
    if (error instanceof NotATaskCheckpointError) {
      throw new UserError(`checkpoint '${path}' is not a task run of rnnlab train --task`);
    }
    if (error instanceof FormatError) {
      throw new UserError(`checkpoint '${path}' is corrupt: ${error.message}; train it again`);
    }
    throw error;
  }
}
