import { describe, expect, it } from "vitest";
import { SequenceModel } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { createOptimizer } from "../src/train/optimizers.js";
import { Trainer } from "../src/train/trainer.js";

const V = 6;
const model = () =>
  new SequenceModel(
    {
      cell: "lstm",
      hiddenSize: 5,
      input: { kind: "embedding", vocabSize: V, embeddingSize: 3 },
      outputSize: V,
      activation: "tanh",
      straightThrough: false,
      skip: 0,
      layers: 1,
      loss: "cross-entropy",
      dtype: "float64",
    },
    { seed: 2 },
  );
const stream = (n: number) => {
  const rng = new Rng(9);
  return Int32Array.from({ length: n }, () => rng.int(V));
};

describe("new Trainer({ model, optimizer, data, seqLen, batch })", () => {
  it("defaults to teacher forcing, no clipping and the optimizer's own lr", () => {
    const m = model();
    const trainer = new Trainer({
      model: m,
      optimizer: createOptimizer({ name: "sgd", lr: 0.05 }, m),
      data: stream(200),
      seqLen: 8,
      batch: 4,
    });
    const figures = trainer.trainStep();
    expect(figures.lr).toBe(0.05);
    expect(figures.eps).toBe(1);
    expect(figures.groundTruthFraction).toBe(1);
    expect(figures.gradNormClipped).toBe(figures.gradNorm);
    expect(trainer.step).toBe(1);
  });

  it("with seed s takes the same steps as with rng: new Rng(s)", () => {
    const losses = (options: { seed: number } | { rng: Rng }) => {
      const m = model();
      const optimizer = createOptimizer({ name: "adam", lr: 0.01 }, m);
      const trainer = new Trainer({
        model: m,
        optimizer,
        data: stream(300),
        seqLen: 6,
        batch: 3,
        ...options,
      });
      return [0, 1, 2].map(() => trainer.trainStep().loss);
    };
    expect(losses({ seed: 4 })).toEqual(losses({ rng: new Rng(4) }));
    expect(losses({ seed: 4 })).not.toEqual(losses({ seed: 5 }));
  });

  it.each([
    [{ seqLen: 0 }, /seqLen must be an integer >= 1, got 0/],
    [{ batch: 2.5 }, /batch must be an integer >= 1, got 2.5/],
    [{ seqLen: 300 }, /sequence length 300 is longer than the training data \(200 tokens\)/],
  ])("%o → one-line ConfigError", (change, message) => {
    const m = model();
    const optimizer = createOptimizer({ name: "adam", lr: 0.01 }, m);
    const options = { model: m, optimizer, data: stream(200), seqLen: 8, batch: 4, ...change };
    expect(() => new Trainer(options)).toThrow(message);
  });
});
