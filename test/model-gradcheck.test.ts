import { describe, expect, it } from "vitest";
import type { InputConfig, LossName, ModelConfig } from "../src/model/config.js";
import { type Batch, SequenceModel, type Targets } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { maxAbsOf, numericGradient, randomBuffer, relativeError } from "./helpers/gradcheck.js";

// Float64 finite-difference checks of the whole model: input layer, stack, readout and each loss,
// on a padded batch (lengths < T), so the mean runs over the counted positions only.

const T = 4;
const B = 3;
const V = 5;
const H = 3;
const O = 4;
const lengths = Int32Array.from([T, 2, 3]);

const inputs: InputConfig[] = [
  { kind: "embedding", vocabSize: V, embeddingSize: 2 },
  { kind: "onehot", vocabSize: V },
  { kind: "dense", size: 2 },
];
const losses: LossName[] = ["cross-entropy", "bce", "mse"];
const combos = inputs.flatMap((input) => losses.map((loss) => ({ input, loss })));

function build(input: InputConfig, loss: LossName, cell: ModelConfig["cell"] = "lstm") {
  const config: ModelConfig = {
    cell,
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: H,
    layers: 2,
    input,
    outputSize: loss === "cross-entropy" ? V : O,
    loss,
    dtype: "float64",
  };
  const model = new SequenceModel(config, { seed: 3 });
  const rng = new Rng(11);
  const batch: Batch = { T, B, lengths };
  if (input.kind === "dense") batch.inputs = randomBuffer(T * B * input.size, () => rng.normal());
  else batch.tokens = Int32Array.from({ length: T * B }, () => rng.int(V));
  const targets: Targets =
    loss === "cross-entropy"
      ? { classes: Int32Array.from({ length: T * B }, (_, n) => (n === 1 ? -1 : rng.int(V))) }
      : { values: randomBuffer(T * B * O, () => (loss === "bce" ? rng.uniform() : rng.normal())) };
  const lossValue = () => {
    model.forward(batch);
    return model.backward(targets).loss;
  };
  return { model, batch, targets, lossValue };
}

describe("SequenceModel.lossAndGrad", () => {
  it.each(combos)("$input.kind input, $loss loss: gradients match finite differences", ({ input, loss }) => {
    const { model, batch, targets, lossValue } = build(input, loss);
    const result = model.lossAndGrad(batch, targets);
    expect(Number.isFinite(result.loss)).toBe(true);
    const analytic = model.params.grad.slice();
    const numeric = numericGradient(lossValue, model.params.data);
    expect(relativeError(analytic, numeric)).toBeLessThan(1e-6);
    expect(maxAbsOf(analytic)).toBeGreaterThan(1e-3);
    if (batch.inputs) {
      const inputGrad = (result.inputGrad as Float64Array).slice();
      expect(relativeError(inputGrad, numericGradient(lossValue, batch.inputs))).toBeLessThan(1e-6);
    }
  });

  it("counts only unpadded positions with a target in the mean", () => {
    const { model, batch, targets } = build(inputs[0], "cross-entropy");
    const result = model.lossAndGrad(batch, targets);
    const counted = Array.from({ length: T * B }, (_, n) => n).filter(
      (n) => Math.floor(n / B) < lengths[n % B] && targets.classes?.[n] !== -1,
    );
    expect(result.count).toBe(counted.length);
  });

  it("padded steps change nothing and get no gradient", () => {
    const { model, batch, targets } = build(inputs[2], "mse");
    const first = model.lossAndGrad(batch, targets);
    const grads = model.params.grad.slice();
    const inputGrad = (first.inputGrad as Float64Array).slice();
    const inputs2 = (batch.inputs as Float64Array).slice();
    const values2 = (targets.values as Float64Array).slice();
    for (let n = 0; n < T * B; n++) {
      if (Math.floor(n / B) < lengths[n % B]) continue;
      inputs2.fill(99, n * 2, n * 2 + 2);
      values2.fill(-42, n * O, n * O + O);
      expect(inputGrad[n * 2]).toBe(0);
      expect(inputGrad[n * 2 + 1]).toBe(0);
    }
    const second = model.lossAndGrad({ ...batch, inputs: inputs2 }, { values: values2 });
    expect(second.loss).toBe(first.loss);
    expect(Array.from(model.params.grad)).toEqual(Array.from(grads));
  });

  it("a padded batch equals its sequences run one by one (loss-weighted)", () => {
    for (const cell of ["rnn", "gru", "lstm"] as const) {
      const { model, batch, targets } = build(inputs[0], "cross-entropy", cell);
      const whole = model.lossAndGrad(batch, targets);
      const sumOfGrads = new Float64Array(model.params.grad.length);
      let sumOfLosses = 0;
      for (let b = 0; b < B; b++) {
        const len = lengths[b];
        const tokens = Int32Array.from({ length: len }, (_, t) => batch.tokens?.[t * B + b] ?? 0);
        const classes = Int32Array.from({ length: len }, (_, t) => targets.classes?.[t * B + b] ?? 0);
        const single = model.lossAndGrad({ T: len, B: 1, tokens }, { classes });
        for (let i = 0; i < sumOfGrads.length; i++) sumOfGrads[i] += model.params.grad[i] * single.count;
        sumOfLosses += single.loss * single.count;
      }
      model.lossAndGrad(batch, targets);
      const wholeGrads = Float64Array.from(model.params.grad, (g) => g * whole.count);
      expect(relativeError(wholeGrads, sumOfGrads), cell).toBeLessThan(1e-12);
      expect(Math.abs(whole.loss * whole.count - sumOfLosses)).toBeLessThan(1e-12);
    }
  });

  it("one-hot input equals an embedding folded into W_ih", () => {
    const emb = build(inputs[0], "cross-entropy").model;
    const hot = build(inputs[1], "cross-entropy").model;
    for (const name of hot.params.names) {
      if (name !== "rnn.weight_ih_l0") hot.params.set(name, emb.params.value(name));
    }
    // W'_ih[g][v] = Σ_e W_ih[g][e] · E[v][e]
    const E = 2;
    const table = emb.params.value("embedding.weight");
    const wih = emb.params.value("rnn.weight_ih_l0");
    const folded = hot.params.value("rnn.weight_ih_l0");
    const rows = 4 * H;
    for (let g = 0; g < rows; g++) {
      for (let v = 0; v < V; v++) {
        let sum = 0;
        for (let e = 0; e < E; e++) sum += wih[g * E + e] * table[v * E + e];
        folded[g * V + v] = sum;
      }
    }
    const tokens = Int32Array.from({ length: T * B }, (_, n) => n % V);
    const a = emb.forward({ T, B, tokens }).slice();
    const b = hot.forward({ T, B, tokens });
    expect(relativeError(a, b)).toBeLessThan(1e-12);
  });

  it("an embedding's vocabulary projection (V < T·B) equals projecting each position (V >= T·B)", () => {
    // B = 3 sequences at once project the V = 5 vocabulary rows (5 < 12 positions); one sequence
    // at a time projects its 4 positions (4 < 5). The mean over all equals the counted mix.
    const { model, batch, targets } = build(inputs[0], "cross-entropy");
    const whole = { ...model.lossAndGrad(batch, targets) }; // the model reuses its result object
    const wholeGrad = model.params.grad.slice();
    const mixed = new Float64Array(wholeGrad.length);
    let loss = 0;
    for (let b = 0; b < B; b++) {
      const pick = (n: number) => n * B + b;
      const tokens = Int32Array.from({ length: T }, (_, t) => (batch.tokens as Int32Array)[pick(t)]);
      const classes = Int32Array.from({ length: T }, (_, t) => (targets.classes as Int32Array)[pick(t)]);
      const one = model.lossAndGrad({ T, B: 1, tokens, lengths: lengths.subarray(b, b + 1) }, { classes });
      loss += (one.loss * one.count) / whole.count;
      for (let i = 0; i < mixed.length; i++) mixed[i] += (model.params.grad[i] * one.count) / whole.count;
    }
    expect(Math.abs(loss - whole.loss)).toBeLessThan(1e-12);
    expect(relativeError(mixed, wholeGrad)).toBeLessThan(1e-12);
  });
});

describe("lossAndGrad's result", () => {
  it("is one object per model, overwritten by the next pass (a step allocates no result)", () => {
    const { model, batch, targets } = build(inputs[0], "cross-entropy");
    const first = model.lossAndGrad(batch, targets);
    const { loss: fullLoss, count: fullCount } = first;
    const half = { ...targets, mask: Uint8Array.from({ length: T * B }, (_, n) => n % 2) };
    const second = model.lossAndGrad(batch, half);
    expect(second).toBe(first);
    expect(first.count).toBeLessThan(fullCount);
    expect(model.lossAndGrad(batch, targets).loss).toBe(fullLoss);
  });
});
