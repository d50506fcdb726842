import { describe, expect, it } from "vitest";
import { StateError } from "../src/errors.js";
import { SequenceModel } from "../src/model/sequence-model.js";

const config = {
  cell: "rnn",
  hiddenSize: 3,
  input: { kind: "onehot", vocabSize: 4 },
  outputSize: 4,
  activation: "tanh",
  straightThrough: false,
  skip: 0,
  layers: 1,
  loss: "cross-entropy",
  dtype: "float64",
} as const;

describe("calls out of order", () => {
  it.each([
    ["backward", (m: SequenceModel) => m.backward({ classes: Int32Array.of(0) })],
    ["loss", (m: SequenceModel) => m.loss({ classes: Int32Array.of(0) })],
    ["forwardOutputs", (m: SequenceModel) => m.forwardOutputs()],
  ])("model.%s() before forward() → StateError naming the fix", (_, call) => {
    const model = new SequenceModel(config);
    expect(() => call(model)).toThrow(StateError);
    expect(() => call(model)).toThrow(/called before forward\(\): run forward on the batch first/);
  });

  it("stack.backward() before forward() → StateError from the layer", () => {
    const model = new SequenceModel(config);
    expect(() => model.stack.backward(model.params, null)).toThrow(StateError);
  });
});
