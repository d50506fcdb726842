// The checks a checkpoint passes on its way in and out (encodeCheckpoint, decodeCheckpoint) beyond
// its layout: sizes bounded by the file before anything is built from them, finite numbers, steps
// that agree, and `extra`'s tokenizer and run config held to the model and to the run-config schema
// that `rnnlab train` uses. Each failure is one FormatError naming the field or tensor.

import { Tokenizer } from "../data/tokenizer.js";
import { ConfigError, FormatError, RnnlabError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";
import { alloc, type Buf, type DType } from "../tensor.js";
import { createOptimizer } from "../train/optimizers.js";
import type { OptimizerConfig } from "../train/optim/types.js";
import { parseStoredRunConfig, type RunConfig } from "../train/run-config.js";

/** Each layer has at least two parameter tensors (weight_ih, weight_hh), so a config may not claim
 *  more layers than the file has tensors: checked before the config's parameter list is built, so
 *  a config of 2^32 layers is refused at once rather than enumerated. */
export function checkLayersFit(config: ModelConfig, tensorCount: number): void {
  if (config.layers > tensorCount) {
    throw new FormatError(
      `checkpoint config.layers is ${config.layers}, but the file holds only ${tensorCount} parameter tensors (each layer has at least 2)`,
    );
  }
}

/** Throws naming the tensor (`what`) and the index of its first NaN or infinite value. */
export function checkFinite(what: string, values: Buf): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i])) {
      throw new FormatError(
        `${what} holds ${values[i]} at index ${i}: only finite values can be saved or loaded (the run diverged or the file was changed)`,
      );
    }
  }
}

/** The stored optimizer must be one rnnlab can rebuild: a valid config (PyTorch's rules) and exactly
 *  the buffers it keeps, checked by loading them into a probe optimizer of `count` parameters. */
export function checkOptimizerState(
  config: Record<string, unknown>,
  step: number,
  buffers: Record<string, Buf>,
  count: number,
  dtype: DType,
): void {
  try {
    const probe = createOptimizer(config as unknown as OptimizerConfig, alloc(dtype, count));
    probe.loadState({ name: probe.config.name, step, buffers });
  } catch (error) {
    if (!(error instanceof RnnlabError)) throw error;
    throw new FormatError(`checkpoint optimizer state is invalid: ${error.message}`);
  }
}

/** The trainer counts one step per optimizer update, so the two counts are equal. */
export function checkStepsAgree(step: number, optimizerStep: number): void {
  if (step !== optimizerStep) {
    throw new FormatError(
      `checkpoint step is ${step} but its optimizer has taken ${optimizerStep} steps: they must agree (the file was changed or written inconsistently)`,
    );
  }
}

/** extra.tokenizer must be a tokenizer whose vocabulary is the model's; extra.train must pass the
 *  run-config schema and, for a text run (no extra.task), describe this model. */
export function checkExtra(config: ModelConfig, extra: Record<string, unknown>): void {
  if (Object.hasOwn(extra, "tokenizer")) checkTokenizer(config, extra.tokenizer);
  if (Object.hasOwn(extra, "train")) {
    const run = storedRunConfig(extra.train);
    if (!Object.hasOwn(extra, "task")) checkRunModel(config, run);
  }
}

function checkTokenizer(config: ModelConfig, json: unknown): void {
  let size: number;
  try {
    size = Tokenizer.fromJSON(json).size;
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    throw new FormatError(`checkpoint extra.tokenizer is invalid: ${error.message}`);
  }
  const { input, outputSize } = config;
  const inputVocab = input.kind === "dense" ? null : input.vocabSize;
  if (size !== outputSize || (inputVocab !== null && inputVocab !== size)) {
    const reads = inputVocab === null ? "" : `reads ${inputVocab} tokens and `;
    throw new FormatError(
      `checkpoint extra.tokenizer has ${size} tokens but the model ${reads}predicts ${outputSize}: the tokenizer must be the model's vocabulary`,
    );
  }
}

function storedRunConfig(json: unknown): RunConfig {
  try {
    return parseStoredRunConfig(json, "extra.train");
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new FormatError(`its stored run config is invalid (${error.message}); start a new run`);
  }
}

/** The architecture fields a text run's config and its model must share. */
const SHARED = ["cell", "activation", "hiddenSize", "layers", "skip"] as const;

function checkRunModel(config: ModelConfig, run: RunConfig): void {
  const { model } = run;
  for (const key of SHARED) {
    if (model[key] !== config[key]) {
      throw new FormatError(
        `checkpoint extra.train.model.${key} is ${JSON.stringify(model[key])} but the model's config has ${JSON.stringify(config[key])}`,
      );
    }
  }
  const embedding = config.input.kind === "embedding" ? config.input.embeddingSize : config.input.kind;
  if (model.embedding !== embedding) {
    throw new FormatError(
      `checkpoint extra.train.model.embedding is ${JSON.stringify(model.embedding)} but the model's input is ${JSON.stringify(embedding)}`,
    );
  }
}
