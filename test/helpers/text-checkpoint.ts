import { decodeSafetensors, encodeSafetensors } from "../../src/io/safetensors.js";
import type { Tokenizer } from "../../src/data/tokenizer.js";
import { encodeCheckpoint } from "../../src/io/checkpoint.js";
import { toCheckpoint } from "../../src/io/model-checkpoint.js";
import type { SequenceModel } from "../../src/model/sequence-model.js";
import { Rng } from "../../src/random.js";
import { corpusFromText, freshRun, runCheckpoint } from "../../src/run/text-run.js";
import type { RunConfig } from "../../src/train/run-config.js";
import type { Optimizer } from "../../src/train/optimizers.js";
import { Trainer } from "../../src/train/trainer.js";
import type { Tensor } from "../../src/tensor.js";

// A small checkpoint as `rnnlab train` writes it (tokenizer and run config in extra, Adam state),
// and the means to change one after it was written: for the loaders' validation and fuzz tests.

/** The checkpoint of `model` with `tokenizer` in its extra (no optimizer, no run config): what
 *  `rnnlab sample`, `eval` and the worker's LoadedModel read. */
export function modelCheckpoint(model: SequenceModel, tokenizer: Tokenizer, step = 0): Uint8Array {
  const state = { model, optimizer: null, rng: new Rng(1), step, extra: { tokenizer: tokenizer.toJSON() } };
  return encodeCheckpoint(toCheckpoint(state));
}

export const TEXT = "to be or not to be, that is the question: whether 'tis nobler in the mind\n".repeat(6);

export function runSpec(data: string, patch: Partial<RunConfig> = {}): RunConfig {
  return {
    data,
    tokenizer: "char",
    maxVocab: 10000,
    valFraction: 0.2,
    oracle: null,
    model: {
      cell: "gru",
      activation: "tanh",
      straightThrough: false,
      skip: 0,
      hiddenSize: 6,
      layers: 1,
      dtype: "float32",
      embedding: 4,
    },
    seqLen: 8,
    batch: 2,
    feed: { kind: "teacher-forcing" },
    clip: { kind: "norm", maxNorm: 1 },
    optimizer: { name: "adam", lr: 0.01 },
    lrSchedule: { kind: "constant" },
    steps: 2,
    minutes: null,
    seed: 3,
    evalEvery: 1,
    valBatches: 1,
    sampleLength: 10,
    ...patch,
  };
}

/** The bytes of a text run's checkpoint after `steps` optimizer steps (with its CRC-32C checksums). */
export function textCheckpoint(data = "text.txt", steps = 2, patch: Partial<RunConfig> = {}): Uint8Array {
  const spec = runSpec(data, patch);
  const corpus = corpusFromText(spec, TEXT, null);
  const state = freshRun(spec, corpus.vocabSize);
  const trainer = new Trainer({
    model: state.model,
    optimizer: state.optimizer as Optimizer,
    data: corpus.train,
    seqLen: spec.seqLen,
    batch: spec.batch,
    rng: state.rng,
  });
  for (let i = 0; i < steps; i++) trainer.trainStep();
  return encodeCheckpoint(runCheckpoint({ ...state, step: trainer.step }, corpus, spec, 1));
}

export interface EditableFile {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
  /** extra, parsed; written back as metadata.extra. */
  extra: Record<string, unknown>;
}

/** `bytes` decoded, changed by `change` and encoded again: with a fresh checksum when `checksum`,
 *  so only the change itself can make it invalid; else without one (as an older file). */
export function edited(bytes: Uint8Array, change: (file: EditableFile) => void, checksum = true): Uint8Array {
  const { tensors, metadata } = decodeSafetensors(bytes);
  const file: EditableFile = { tensors: { ...tensors }, metadata: { ...metadata }, extra: {} };
  file.extra = metadata.extra === undefined ? {} : JSON.parse(metadata.extra);
  change(file);
  if (metadata.extra !== undefined) file.metadata.extra = JSON.stringify(file.extra);
  return encodeSafetensors(file.tensors, file.metadata, { checksum });
}
