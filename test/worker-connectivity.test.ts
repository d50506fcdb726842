import { describe, expect, it } from "vitest";
import type { CellKind, InputConfig, ModelConfig } from "../src/model/config.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { InputSensitivity } from "../src/worker/connectivity.js";
import { numericGradient, relativeError } from "./helpers/gradcheck.js";

// ‖∂L_t/∂x_s‖ of the model view's connectivity (src/worker/connectivity.ts) against float64
// central differences of the token model itself, and the loss it differentiates against the
// token model's L_t.

const V = 7;
const H = 4;

function tokenModel(input: InputConfig, cell: CellKind, skip = 0): SequenceModel {
  const config: ModelConfig = {
    cell,
    activation: "tanh",
    straightThrough: false,
    skip,
    hiddenSize: H,
    layers: 2,
    input,
    outputSize: V,
    loss: "cross-entropy",
    dtype: "float64",
  };
  const model = new SequenceModel(config, { seed: 5 });
  // Larger weights than the initialization's, so the gradient is far from zero at every s.
  const rng = new Rng(2);
  for (let i = 0; i < model.params.data.length; i++) model.params.data[i] = rng.normal() * 0.6;
  return model;
}

/** L_t of the token model: the cross-entropy of token t+1 after tokens 0..t. */
function lossAt(model: SequenceModel, tokens: Int32Array, t: number): number {
  const classes = new Int32Array(tokens.length).fill(-1);
  classes[t] = tokens[t + 1];
  model.forward({ T: tokens.length, B: 1, tokens });
  return model.loss({ classes }).loss;
}

const cases: [string, CellKind, number][] = [
  ["lstm", "lstm", 0],
  ["gru", "gru", 0],
  ["rnn with a skip of 2", "rnn", 2],
];

describe("InputSensitivity.gradients(tokens, t): ∂L_t/∂x_s", () => {
  it.each(cases)(
    "embedding input, %s: equals central differences on each x_s = E[token_s]",
    (_, cell, skip) => {
      const model = tokenModel({ kind: "embedding", vocabSize: V, embeddingSize: 3 }, cell, skip);
      // Distinct tokens before t, so moving the row E[token_s] moves x_s alone.
      const tokens = Int32Array.from([3, 0, 6, 1, 5, 2, 4]);
      const t = 5;
      const analytic = Float64Array.from(new InputSensitivity(model).gradients(tokens, t));
      expect(analytic).toHaveLength((t + 1) * 3);
      const table = model.params.value("embedding.weight");
      const numeric = new Float64Array(analytic.length);
      for (let s = 0; s <= t; s++) {
        const row = Array.from({ length: 3 }, (_, j) => tokens[s] * 3 + j);
        const grad = numericGradient(() => lossAt(model, tokens.subarray(0, t + 2), t), table, 1e-6, row);
        for (let j = 0; j < 3; j++) numeric[s * 3 + j] = grad[row[j]];
      }
      expect(relativeError(analytic, numeric)).toBeLessThan(1e-7);
      expect(Math.min(...numeric.map(Math.abs))).toBeGreaterThan(0);
    },
  );

  it.each(cases)("one-hot input, %s: equals central differences on each entry of x_s", (_, cell, skip) => {
    const model = tokenModel({ kind: "onehot", vocabSize: V }, cell, skip);
    const tokens = Int32Array.from([1, 1, 4, 0, 6, 4, 2, 3]);
    const t = 6;
    const analytic = Float64Array.from(new InputSensitivity(model).gradients(tokens, t));
    // The same network as a model of dense inputs, built apart, its parameters copied by name.
    const dense = new SequenceModel({ ...model.config, input: { kind: "dense", size: V } });
    for (const name of dense.params.names) dense.params.value(name).set(model.params.value(name));
    const x = new Float64Array((t + 1) * V);
    for (let s = 0; s <= t; s++) x[s * V + tokens[s]] = 1;
    const classes = new Int32Array(t + 1).fill(-1);
    classes[t] = tokens[t + 1];
    const loss = () => {
      dense.forward({ T: t + 1, B: 1, inputs: x });
      return dense.loss({ classes }).loss;
    };
    expect(loss()).toBeCloseTo(lossAt(model, tokens, t), 12);
    expect(relativeError(analytic, numericGradient(loss, x))).toBeLessThan(1e-7);
  });

  it("differentiates the token model's own L_t, through the vocabulary projection too (T > V)", () => {
    const model = tokenModel({ kind: "embedding", vocabSize: V, embeddingSize: 3 }, "lstm");
    const rng = new Rng(8);
    const tokens = Int32Array.from({ length: 20 }, () => rng.int(V));
    const t = 17;
    const sensitivity = new InputSensitivity(model);
    sensitivity.gradients(tokens, t);
    const twinLoss = (sensitivity as unknown as { twin: SequenceModel }).twin.loss({
      classes: Int32Array.from({ length: t + 1 }, (_, s) => (s === t ? tokens[t + 1] : -1)),
    }).loss;
    expect(twinLoss).toBeCloseTo(lossAt(model, tokens, t), 12);
  });
});

describe("InputSensitivity.norms(tokens, t)", () => {
  it("is ‖∂L_t/∂x_s‖ for s = 0..t, finite and positive", () => {
    const model = tokenModel({ kind: "embedding", vocabSize: V, embeddingSize: 3 }, "lstm");
    const tokens = Int32Array.from([3, 0, 6, 1, 5, 2, 4]);
    const sensitivity = new InputSensitivity(model);
    const grad = Float64Array.from(sensitivity.gradients(tokens, 4));
    const norms = sensitivity.norms(tokens, 4);
    expect(norms).toHaveLength(5);
    for (let s = 0; s <= 4; s++) {
      expect(norms[s]).toBeCloseTo(Math.hypot(...grad.subarray(s * 3, s * 3 + 3)), 14);
      expect(norms[s]).toBeGreaterThan(0);
    }
  });

  it("refuses a position with no next token, and a dense model, with one line", () => {
    const model = tokenModel({ kind: "onehot", vocabSize: V }, "gru");
    const tokens = Int32Array.from([1, 2, 3]);
    expect(() => new InputSensitivity(model).norms(tokens, 2)).toThrow(
      /^the position must be an integer in \[0, 1\] \(a next token to predict\), got 2$/,
    );
    const dense = new SequenceModel({
      cell: "rnn",
      hiddenSize: 2,
      input: { kind: "dense", size: 2 },
      outputSize: 2,
    });
    expect(() => new InputSensitivity(dense)).toThrow(/^connectivity needs a token model/);
  });
});
