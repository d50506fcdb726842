import { describe, expect, it } from "vitest";
import type { ModelConfig } from "../src/model/config.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { checkEpsSchedule, epsAt, type FeedCounts, type FeedMode, makeFeeder } from "../src/train/feeding.js";
import { createOptimizer } from "../src/train/optimizers.js";
import { Trainer } from "../src/train/trainer.js";
import { numericGradient, relativeError } from "./helpers/gradcheck.js";

const V = 7;
const config: ModelConfig = {
  cell: "gru",
  activation: "tanh",
  straightThrough: false,
  skip: 0,
  hiddenSize: 5,
  layers: 2,
  input: { kind: "embedding", vocabSize: V, embeddingSize: 3 },
  outputSize: V,
  loss: "cross-entropy",
  dtype: "float64",
};

describe("epsAt(schedule, i)", () => {
  it("epsAt(linear) = max(min, k − c·i)", () => {
    const s = { kind: "linear", k: 1, c: 0.01, min: 0.2 } as const;
    expect([0, 10, 50, 80, 1000].map((i) => epsAt(s, i))).toEqual([
      1,
      1 - 0.01 * 10,
      1 - 0.01 * 50,
      0.2,
      0.2,
    ]);
  });
  it("epsAt(exponential) = k^i", () => {
    const s = { kind: "exponential", k: 0.99 } as const;
    for (const i of [0, 1, 7, 300]) expect(epsAt(s, i)).toBeCloseTo(0.99 ** i, 15);
  });
  it("epsAt(inverse-sigmoid) = k / (k + exp(i/k)), from k/(k+1) down to 0", () => {
    const s = { kind: "inverse-sigmoid", k: 50 } as const;
    expect(epsAt(s, 0)).toBeCloseTo(50 / 51, 15);
    expect(epsAt(s, 200)).toBeCloseTo(50 / (50 + Math.exp(4)), 15);
    expect(epsAt(s, 2000)).toBeLessThan(1e-15);
  });
  it("checkEpsSchedule rejects k outside each schedule's range", () => {
    expect(() => checkEpsSchedule({ kind: "exponential", k: 1.2 })).toThrow(/k must be in \(0, 1\)/);
    expect(() => checkEpsSchedule({ kind: "inverse-sigmoid", k: 0.5 })).toThrow(/k must be >= 1/);
    expect(() => checkEpsSchedule({ kind: "linear", k: 2, c: 0, min: 0 })).toThrow(/k \(the starting eps\)/);
  });
});

function streamOf(length: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length }, () => rng.int(V));
}

function trainer(feed: FeedMode, seed = 1) {
  const model = new SequenceModel(config, { seed });
  const optimizer = createOptimizer({ name: "adam", lr: 0.01 }, model);
  return new Trainer({ model, optimizer, data: streamOf(5000, 3), seqLen: 12, batch: 16, feed, seed });
}

describe("scheduled sampling", () => {
  it("feeds ground truth in a fraction of positions that matches eps within sampling error", () => {
    for (const eps of [0.2, 0.5, 0.9]) {
      const t = trainer({ kind: "scheduled-sampling", schedule: { kind: "constant", eps }, pick: "sample" });
      let fed = 0;
      const steps = 20;
      for (let i = 0; i < steps; i++) fed += t.trainStep().groundTruthFraction;
      const n = steps * 11 * 16;
      const observed = fed / steps;
      expect(Math.abs(observed - eps)).toBeLessThan(4 * Math.sqrt((eps * (1 - eps)) / n));
    }
  });

  it("makeFeeder with eps = 0 feeds only the model's tokens (argmax: exactly the previous step's argmax)", () => {
    const model = new SequenceModel(config, { seed: 2 });
    const T = 6;
    const B = 4;
    const truth = streamOf(T * B, 9);
    const fed = new Int32Array(T * B);
    fed.set(truth.subarray(0, B));
    const counts: FeedCounts = { groundTruth: 0, total: 0 };
    const mode = {
      kind: "scheduled-sampling",
      schedule: { kind: "constant", eps: 0 },
      pick: "argmax",
    } as const;
    const logits = model.forwardFeedback(
      { T, B, tokens: fed },
      makeFeeder(mode, 0, truth, B, V, new Rng(1), counts),
    );
    expect(counts).toEqual({ groundTruth: 0, total: (T - 1) * B });
    for (let n = B; n < T * B; n++) {
      const row = Array.from(logits.subarray((n - B) * V, (n - B + 1) * V));
      expect(fed[n]).toBe(row.indexOf(Math.max(...row)));
    }
  });

  it("with eps = 1 reproduces teacher forcing exactly (same losses and parameters step for step)", () => {
    const a = trainer({ kind: "teacher-forcing" });
    const b = trainer({ kind: "scheduled-sampling", schedule: { kind: "constant", eps: 1 }, pick: "sample" });
    for (let i = 0; i < 5; i++) {
      const fa = a.trainStep();
      const fb = b.trainStep();
      expect(fb.loss).toBe(fa.loss);
      expect(fb.groundTruthFraction).toBe(1);
    }
    expect(Array.from(b.model.params.data)).toEqual(Array.from(a.model.params.data));
  });

  it("forwardFeedback feeding the ground truth gives forward's logits (the step-by-step path is the same computation)", () => {
    const model = new SequenceModel(config, { seed: 5 });
    const T = 8;
    const B = 3;
    const tokens = streamOf(T * B, 4);
    const batched = model.forward({ T, B, tokens }).slice();
    const fed = new Int32Array(T * B);
    fed.set(tokens.subarray(0, B));
    const stepped = model.forwardFeedback({ T, B, tokens: fed }, (i, _logits, out) =>
      out.set(tokens.subarray(i * B, (i + 1) * B), i * B),
    );
    expect(relativeError(stepped, batched)).toBeLessThan(1e-13);
  });

  it("backward after forwardFeedback is the gradient with the fed tokens held constant", () => {
    const model = new SequenceModel(config, { seed: 6 });
    const T = 5;
    const B = 2;
    const truth = streamOf(T * B, 8);
    const classes = streamOf(T * B, 10);
    const fed = new Int32Array(T * B);
    fed.set(truth.subarray(0, B));
    const mode = {
      kind: "scheduled-sampling",
      schedule: { kind: "constant", eps: 0.5 },
      pick: "sample",
    } as const;
    const counts = { groundTruth: 0, total: 0 };
    model.params.zeroGrad();
    model.forwardFeedback({ T, B, tokens: fed }, makeFeeder(mode, 0.5, truth, B, V, new Rng(3), counts));
    model.backward({ classes });
    const analytic = model.params.grad.slice();
    const frozen = fed.slice();
    const loss = () => {
      model.forward({ T, B, tokens: frozen });
      return model.loss({ classes }).loss;
    };
    expect(relativeError(analytic, numericGradient(loss, model.params.data))).toBeLessThan(1e-6);
    expect(counts.groundTruth).toBeGreaterThan(0);
    expect(counts.groundTruth).toBeLessThan(counts.total);
  });

  it("free running feeds the ground truth for the prefix only", () => {
    const t = trainer({ kind: "free-running", prefix: 4 });
    const figures = t.trainStep();
    expect(figures.groundTruthFraction).toBeCloseTo(3 / 11, 12);
    expect(figures.eps).toBe(0);
  });
});
