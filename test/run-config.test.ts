import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import { parseRunConfig, type RunConfig, runConfigParts } from "../src/train/run-config.js";

// The schema of what `rnnlab train` stores: resume validates with it, the report reads through it.

const stored: RunConfig = {
  data: "data/tinyshakespeare.txt",
  tokenizer: "char",
  maxVocab: 10000,
  valFraction: 0.1,
  oracle: null,
  model: {
    cell: "lstm",
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: 64,
    layers: 2,
    dtype: "float32",
    embedding: 16,
  },
  seqLen: 32,
  batch: 8,
  feed: { kind: "scheduled-sampling", schedule: { kind: "linear", k: 1, c: 0.01, min: 0.2 }, pick: "sample" },
  clip: { kind: "norm", maxNorm: 1, normType: 2 },
  optimizer: { name: "adam", lr: 0.003, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false },
  lrSchedule: { kind: "cosine", totalSteps: 100, minLr: 0, warmup: 0 },
  steps: 100,
  minutes: null,
  seed: 1,
  evalEvery: 10,
  valBatches: 16,
  sampleLength: 200,
};

describe("parseRunConfig", () => {
  it("parseRunConfig(a stored config) gives it back", () => {
    expect(parseRunConfig(stored)).toEqual(stored);
  });

  it.each([
    [
      "model.hiddenSize",
      { model: { ...stored.model, hiddenSize: -3 } },
      "train.model.hiddenSize: expected a positive integer, got -3",
    ],
    [
      "model.skip",
      { model: { ...stored.model, skip: 2 } },
      "train.model.skip: got 2, but only cell rnn has a skip term",
    ],
    ["seqLen", { seqLen: "32" }, 'train.seqLen: expected a positive integer, got "32"'],
    ["valFraction", { valFraction: 1 }, "train.valFraction: expected a number in (0, 1), got 1"],
    [
      "clip.maxNorm",
      { clip: { kind: "norm", maxNorm: 0 } },
      "train.clip.maxNorm: expected a number > 0, got 0",
    ],
    [
      "feed.schedule",
      { feed: { ...stored.feed, schedule: { kind: "linear", k: 2, c: 0, min: 0 } } },
      "train.feed.schedule: linear schedule: k (the starting eps) must be in [0, 1], got 2",
    ],
    [
      "optimizer",
      { optimizer: { name: "adam", lr: 0.003, beta1: 1 } },
      "train.optimizer: adam: beta1 must be a finite number in [0, 1), got 1",
    ],
    [
      "lrSchedule",
      { lrSchedule: { kind: "cosine", totalSteps: 100, minLr: 0.01 } },
      "train.lrSchedule: cosine schedule: minLr must be in [0, base lr = 0.003], got 0.01",
    ],
    ["steps", { steps: null }, "train.steps: steps or minutes must be set (a budget)"],
    ["an unknown key", { epochs: 3 }, 'train: unknown key "epochs"; remove it'],
  ])(
    "parseRunConfig(config with a bad %s) throws a one-line ConfigError naming the field",
    (_field, patch, message) => {
      expect(() => parseRunConfig({ ...stored, ...patch })).toThrow(ConfigError);
      expect(() => parseRunConfig({ ...stored, ...patch })).toThrow(message);
    },
  );

  it("parseRunConfig(config without sampleLength) says the field is missing", () => {
    const { sampleLength: _, ...rest } = stored;
    expect(() => parseRunConfig(rest)).toThrow(
      "train.sampleLength: missing; expected a non-negative integer",
    );
  });
});

describe("runConfigParts", () => {
  it("runConfigParts(partial config) keeps each valid field and drops the invalid or absent ones", () => {
    const parts = runConfigParts({ seqLen: 16, batch: -1, clip: null, optimizer: { name: "sgd", lr: 0.1 } });
    expect(parts.seqLen).toBe(16);
    expect(parts.batch).toBeUndefined();
    expect(parts.clip).toBeNull();
    expect(parts.optimizer).toMatchObject({ name: "sgd", lr: 0.1, momentum: 0 });
    expect(parts.feed).toBeUndefined();
  });

  it("runConfigParts({ model: a ModelConfig }) reads it as the model, with its defaults", () => {
    const parts = runConfigParts({
      model: { cell: "gru", hiddenSize: 32, input: { kind: "onehot", vocabSize: 5 } },
    });
    expect(parts.model).toMatchObject({ cell: "gru", hiddenSize: 32, layers: 1, outputSize: 5 });
  });

  it("runConfigParts(not an object) is empty", () => {
    expect(runConfigParts(5)).toEqual({});
    expect(runConfigParts(null)).toEqual({});
  });
});
