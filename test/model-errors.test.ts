import { describe, expect, it } from "vitest";
import { ConfigError, NumericError, ShapeError } from "../src/errors.js";
import type { ModelConfig } from "../src/model/config.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { RecurrentStack } from "../src/model/stack.js";

const base: ModelConfig = {
  cell: "gru",
  activation: "tanh",
  straightThrough: false,
  skip: 0,
  hiddenSize: 4,
  layers: 1,
  input: { kind: "embedding", vocabSize: 5, embeddingSize: 3 },
  outputSize: 5,
  loss: "cross-entropy",
  dtype: "float64",
};

describe("bad input to the model gives one clear error", () => {
  const model = new SequenceModel(base);
  const tokens = new Int32Array(6);

  it("forward() with tokens of the wrong length: ShapeError naming T·B", () => {
    expect(() => model.forward({ T: 3, B: 3, tokens })).toThrow(
      new ShapeError("tokens has 6 entries, expected T·B = 9"),
    );
  });

  it("forward() with a token outside the vocabulary: ShapeError naming the token and position", () => {
    expect(() => model.forward({ T: 3, B: 2, tokens: Int32Array.from([0, 1, 2, 7, 0, 0]) })).toThrow(
      /token 7 at position 3 is outside the vocabulary 0..4/,
    );
  });

  it("forward() with lengths beyond T: ShapeError", () => {
    expect(() => model.forward({ T: 3, B: 2, tokens, lengths: Int32Array.from([3, 4]) })).toThrow(
      /lengths\[1\] = 4 is outside 0..T/,
    );
  });

  it("backward() with targets of the wrong length or class: ShapeError", () => {
    model.forward({ T: 3, B: 2, tokens });
    expect(() => model.backward({ classes: new Int32Array(5) })).toThrow(/T·B = 6 entries, got 5/);
    expect(() => model.backward({ classes: Int32Array.from([0, 0, 0, 0, 0, 5]) })).toThrow(
      /target 5 at position 5/,
    );
  });

  it("forward() of a dense model with NaN in the input: NumericError naming the position", () => {
    const dense = new SequenceModel({
      ...base,
      input: { kind: "dense", size: 2 },
      loss: "mse",
      outputSize: 1,
    });
    const inputs = new Float64Array(12);
    inputs[7] = Number.NaN;
    expect(() => dense.forward({ T: 3, B: 2, inputs })).toThrow(
      new NumericError("input contains NaN at position 7: inputs must be finite"),
    );
  });

  it("backward() when the loss is NaN (diverged weights): NumericError saying what to do", () => {
    const broken = new SequenceModel(base);
    broken.params.value("linear.bias")[0] = Number.NaN;
    broken.forward({ T: 3, B: 2, tokens });
    expect(() => broken.backward({ classes: tokens })).toThrow(/loss is NaN: .*lower the learning rate/);
  });

  it("a skip connection on a GRU: ShapeError saying it is for the vanilla RNN", () => {
    expect(() => new RecurrentStack({ ...base, skip: 2 }, 3, "", "float64")).toThrow(
      /defined for the vanilla RNN, not gru/,
    );
  });

  it("RecurrentStack.forward() with an initial state of the wrong size: ShapeError", () => {
    const stack = new RecurrentStack({ ...base, cell: "lstm" }, 3, "", "float64");
    expect(() => stack.forward(model.params, new Float64Array(18), 3, 2, { h: new Float64Array(7) })).toThrow(
      /initial h has 7 values, expected L·B·H = 8/,
    );
  });

  it("Params.set() with a tensor of another shape: ShapeError naming the parameter", () => {
    expect(() => model.params.set("rnn.weight_hh_l0", new Float64Array(3))).toThrow(
      /rnn.weight_hh_l0 holds 48 values, got 3/,
    );
    expect(() => model.params.value("rnn.weight_hh_l9")).toThrow(/unknown parameter 'rnn.weight_hh_l9'/);
  });
});

describe("a model config needs only the cell, the hidden size and the input", () => {
  it("new SequenceModel({ cell, hiddenSize, input }) fills in the defaults", () => {
    const model = new SequenceModel({ cell: "gru", hiddenSize: 8, input: { kind: "onehot", vocabSize: 5 } });
    expect(model.config).toEqual({
      cell: "gru",
      activation: "tanh",
      straightThrough: false,
      skip: 0,
      hiddenSize: 8,
      layers: 1,
      input: { kind: "onehot", vocabSize: 5 },
      outputSize: 5,
      loss: "cross-entropy",
      dtype: "float32",
    });
    expect(model.params.value("linear.bias")).toHaveLength(5);
  });

  it("an embedding input's readout defaults to its vocabulary; a given outputSize is kept", () => {
    const input = { kind: "embedding", vocabSize: 7, embeddingSize: 3 } as const;
    expect(new SequenceModel({ cell: "lstm", hiddenSize: 4, input }).config.outputSize).toBe(7);
    expect(new SequenceModel({ cell: "lstm", hiddenSize: 4, input, outputSize: 0 }).config.outputSize).toBe(
      0,
    );
  });

  it.each([
    [
      "a dense input without outputSize",
      { cell: "gru", hiddenSize: 4, input: { kind: "dense", size: 2 } },
      "config.outputSize: missing; a dense input needs it (the readout's width, 0 for none)",
    ],
    [
      "no hidden size",
      { cell: "gru", input: { kind: "onehot", vocabSize: 5 } },
      "config.hiddenSize: missing; expected a positive integer",
    ],
    [
      "zero layers",
      { cell: "gru", hiddenSize: 4, layers: 0, input: { kind: "onehot", vocabSize: 5 } },
      "config.layers: expected a positive integer, got 0",
    ],
    [
      "an unknown dtype",
      { cell: "gru", hiddenSize: 4, dtype: "float16", input: { kind: "onehot", vocabSize: 5 } },
      'config.dtype: expected one of float32, float64, got "float16"',
    ],
  ])("%s: a one-line ConfigError naming the field", (_what, options, message) => {
    // Built from JSON-like data on purpose: these are the values the type system would reject.
    const build = () => new SequenceModel(JSON.parse(JSON.stringify(options)));
    expect(build).toThrow(ConfigError);
    expect(build).toThrow(new ConfigError(message));
  });
});
