import { existsSync, statSync } from "node:fs";
import { Tokenizer } from "../src/data/tokenizer.js";
import { ConfigError } from "../src/errors.js";
import { fromCheckpoint, type TrainingState } from "../src/io/model-checkpoint.js";
import { parseStoredRunConfig } from "../src/train/run-config.js";
import { UserError } from "./errors.js";
import { loadCheckpointFile } from "./files.js";
import { runPaths } from "./train/run-files.js";
import { taskOfCheckpoint } from "./train/task-checkpoint.js";
import type { TrainSpec } from "./train/spec.js";

export interface TrainedModel extends TrainingState {
  path: string;
  tokenizer: Tokenizer;
  spec: TrainSpec | null;
}

/** A checkpoint given as a file or as a run folder, with the tokenizer a text model needs. */
export function loadTrainedModel(arg: string): TrainedModel {
  const path = existsSync(arg) && statSync(arg).isDirectory() ? runPaths(arg).checkpoint : arg;
  if (!existsSync(path))
    throw new UserError(`no checkpoint at '${path}': give a checkpoint file or a run folder of rnnlab train`);
  const task = taskOfCheckpoint(path);
  if (task !== null) {
    throw new UserError(
      `'${path}' holds a ${task} run (rnnlab train --task ${task}), not a language model: use rnnlab eval or rnnlab predict on it`,
    );
  }
  const ckpt = loadCheckpointFile(path);
  const extra = (ckpt.extra ?? {}) as { tokenizer?: unknown; train?: unknown };
  if (extra.tokenizer === undefined) {
    throw new UserError(
      `checkpoint '${path}' has no tokenizer (it was not written by rnnlab train), so it cannot read or write text`,
    );
  }
  return {
    ...fromCheckpoint(ckpt),
    path,
    tokenizer: Tokenizer.fromJSON(extra.tokenizer),
    spec: extra.train === undefined ? null : storedRunConfig(extra.train, path),
  };
}

function storedRunConfig(stored: unknown, path: string): TrainSpec {
  try {
    return parseStoredRunConfig(stored);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new UserError(`checkpoint '${path}' holds an invalid run config (${error.message}); retrain it`);
  }
}
