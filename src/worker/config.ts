import { ConfigError } from "../errors.js";
import { BIDIRECTIONAL_LM } from "../run/text-run.js";
import { parseRunConfig, type RunConfig } from "../train/run-config.js";
import { defaultLrSchedule } from "../train/schedule-fit.js";
import { sequenceTask, type TaskName } from "../tasks/registry.js";
import type { TrainingConfig, TrainingData } from "./protocol.js";

// A worker's training config: `rnnlab train`'s options with its defaults (test/worker-config.test.ts
// checks these equal the CLI's), the data given inline.

export const runDefaults: Omit<RunConfig, "data"> = {
  tokenizer: "char",
  maxVocab: 10000,
  valFraction: 0.1,
  oracle: null,
  model: {
    cell: "lstm",
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: 384,
    layers: 1,
    dtype: "float32",
    embedding: 64,
  },
  seqLen: 128,
  batch: 32,
  feed: { kind: "teacher-forcing" },
  clip: { kind: "norm", maxNorm: 1, normType: 2 },
  optimizer: { name: "adam", lr: 0.005 },
  // Unless the config gives one, resolveTrainingConfig's is defaultLrSchedule of the budget: cosine
  // over it, constant for a run with none.
  lrSchedule: { kind: "constant", warmup: 0 },
  steps: null,
  minutes: null,
  seed: 1,
  evalEvery: 250,
  valBatches: 16,
  sampleLength: 200,
};

/** The full RunConfig of a worker's config (defaults filled in, every field checked as `rnnlab
 *  train --resume` checks a stored one), and its data or task. With neither steps nor minutes the
 *  run has no budget: it trains until stopped. */
export function resolveTrainingConfig(
  config: TrainingConfig,
): { spec: RunConfig; data: TrainingData; task: null } | { spec: RunConfig; data: null; task: TaskName } {
  if (typeof config !== "object" || config === null) {
    throw new ConfigError(
      "the training config must be an object with at least { data: { text } } or { task }",
    );
  }
  const { data, dataName, model, task = "text", ...rest } = config;
  const merged = { ...runDefaults, ...rest, model: { ...runDefaults.model, ...model } };
  if (rest.lrSchedule === undefined)
    merged.lrSchedule = defaultLrSchedule(merged.steps ?? null, merged.minutes ?? null);
  if (task === "text") {
    checkData(data);
    if (merged.model.bidirectional) throw new ConfigError(`config.model.bidirectional: ${BIDIRECTIONAL_LM}`);
    return { spec: checkedRunConfig({ ...merged, data: dataName ?? "inline" }), data, task: null };
  }
  sequenceTask(task); // one line naming the tasks, for an unknown one
  if (merged.feed.kind !== "teacher-forcing") {
    throw new ConfigError(`config.feed: a synthetic task trains by teacher forcing, got ${merged.feed.kind}`);
  }
  return { spec: checkedRunConfig({ ...merged, data: `task:${task}` }), data: null, task };
}

/** `config` checked as a stored run's options are, except that it may have no budget. */
export function checkedRunConfig(config: Record<string, unknown>): RunConfig {
  // The schema wants a budget; an open-ended run is checked with one step, then given none back.
  const open = (config.steps ?? null) === null && (config.minutes ?? null) === null;
  const spec = parseRunConfig(open ? { ...config, steps: 1 } : config, "config");
  if (open) spec.steps = null;
  return spec;
}

function checkData(data: unknown): asserts data is TrainingData {
  const shape =
    "config.data must be { text: string } or { tokens: number[] | Int32Array, vocabSize: number }";
  if (typeof data !== "object" || data === null) throw new ConfigError(shape);
  if ("text" in data) {
    if (typeof data.text !== "string" || data.text.trim() === "") {
      throw new ConfigError("config.data.text must be a non-empty string of training text");
    }
    return;
  }
  if (!("tokens" in data) || !("vocabSize" in data)) throw new ConfigError(shape);
  const tokens = data.tokens as { length?: unknown } | null;
  if (typeof tokens !== "object" || tokens === null || typeof tokens.length !== "number") {
    throw new ConfigError(shape);
  }
}
