import { afterEach, describe, expect, it } from "vitest";
import { dataParallel } from "../node/index.js";
import { fillDropoutRows, inEvalMode, MaskSource } from "../src/model/dropout.js";
import type { ModelOptions, RegularizationConfig } from "../src/model/config.js";
import { type Batch, SequenceModel } from "../src/model/sequence-model.js";
import type { DataParallel } from "../src/parallel/data-parallel.js";
import { Rng } from "../src/random.js";
import { evaluate } from "../src/train/trainer.js";

// Training mode, the masks' reproducibility and statistics, evaluation mode (identity, or zoneout's
// expectation), the step-by-step path against the all-at-once one, and threads.

const T = 5;
const B = 4;
const V = 6;
const H = 4;

function model(rates: RegularizationConfig, extra: Partial<ModelOptions> = {}): SequenceModel {
  const options: ModelOptions = {
    cell: "lstm",
    hiddenSize: H,
    layers: 2,
    input: { kind: "embedding", vocabSize: V, embeddingSize: 3 },
    dtype: "float64",
    ...rates,
    ...extra,
  };
  return new SequenceModel(options, { seed: 9 });
}

function tokens(seed = 1, rows = B): Int32Array {
  const rng = new Rng(seed);
  return Int32Array.from({ length: T * rows }, () => rng.int(V));
}

const everything: RegularizationConfig = {
  dropout: 0.3,
  outputDropout: 0.3,
  inputDropout: 0.3,
  recurrentDropout: 0.3,
  zoneout: 0.2,
  cellZoneout: 0.2,
};

describe("training and evaluation mode", () => {
  it("train(), eval() and training, as PyTorch's: training by default", () => {
    const m = model({ dropout: 0.5 });
    expect(m.training).toBe(true);
    expect(m.eval().training).toBe(false);
    expect(m.train().training).toBe(true);
    expect(m.train(false).training).toBe(false);
  });

  it("evaluation is deterministic and equals the model without dropout", () => {
    const rates = { dropout: 0.5, outputDropout: 0.5, inputDropout: 0.5, recurrentDropout: 0.5 };
    const plain = model({});
    const dropped = model(rates).eval();
    const batch: Batch = { T, B, tokens: tokens() };
    const expected = plain.forward(batch).slice();
    expect(Array.from(dropped.forward(batch))).toEqual(Array.from(expected));
    expect(Array.from(dropped.forward(batch))).toEqual(Array.from(expected));
    dropped.train();
    const trained = dropped.forward(batch);
    expect(trained.some((v, i) => Math.abs(v - expected[i]) > 1e-6)).toBe(true);
  });

  it("zoneout in evaluation is its expectation: h_1 = p h_0 + (1 − p) h̃_1, c likewise", () => {
    const p = 0.3;
    const q = 0.6;
    const dense = { input: { kind: "dense" as const, size: 2 }, outputSize: 0, layers: 1 };
    const plain = model({}, dense);
    const zoned = model({ zoneout: p, cellZoneout: q }, dense).eval();
    const rng = new Rng(4);
    const inputs = Float64Array.from({ length: B * 2 }, () => rng.normal());
    const h0 = Float64Array.from({ length: B * H }, () => rng.normal());
    const c0 = Float64Array.from({ length: B * H }, () => rng.normal());
    // One step by hand: the plain LSTM gives h̃_1 = o ⊙ tanh(c̃_1) and c̃_1 from (h_0, c_0).
    plain.forward({ T: 1, B, inputs }, { h: h0, c: c0 });
    const tilde = plain.finalState();
    zoned.forward({ T: 1, B, inputs }, { h: h0, c: c0 });
    const state = zoned.finalState();
    for (let i = 0; i < B * H; i++) {
      expect(state.h[i]).toBeCloseTo(p * h0[i] + (1 - p) * tilde.h[i], 14);
      expect(state.c[i]).toBeCloseTo(q * c0[i] + (1 - q) * tilde.c[i], 14);
    }
  });

  it("evaluate() runs in evaluation mode and puts the mode back", () => {
    const m = model(everything);
    const data = tokens(3);
    const batches = [{ T, B, tokens: data, classes: tokens(4) }];
    const loss = evaluate(m, batches);
    expect(m.training).toBe(true);
    const evalLoss = inEvalMode(m, () => {
      m.forward({ T, B, tokens: data });
      return m.loss({ classes: tokens(4) }).loss;
    });
    expect(loss).toBe(evalLoss);
    expect(m.training).toBe(true);
  });
});

describe("masks", () => {
  it("inverted dropout zeroes about p of the units and scales the rest by 1/(1 − p)", () => {
    for (const p of [0.1, 0.5, 0.8]) {
      const n = 200_000;
      const mask = new Float64Array(n);
      fillDropoutRows(mask, 0, 1000, 200, p, new MaskSource(42), 7, 1);
      const zeros = mask.filter((v) => v === 0).length / n;
      // σ = √(p(1 − p)/n) ≤ 0.0012: a bound of 0.01 is over 8σ (and the seed is fixed).
      expect(Math.abs(zeros - p)).toBeLessThan(0.01);
      expect(mask.every((v) => v === 0 || Math.abs(v - 1 / (1 - p)) < 1e-12)).toBe(true);
    }
  });

  it("the same seed and pass give the same masks, another pass or seed others", () => {
    const draw = (seed: number, pass: number) => {
      const m = model({ dropout: 0.5, inputDropout: 0.5 });
      m.masks.seed = seed;
      m.masks.pass = pass;
      m.forward({ T, B, tokens: tokens() });
      return Array.from(m.stack.inputMask(1)!);
    };
    expect(draw(1, 3)).toEqual(draw(1, 3));
    expect(draw(1, 3)).not.toEqual(draw(1, 4));
    expect(draw(1, 3)).not.toEqual(draw(2, 3));
  });

  it("each training forward takes the next pass: fresh masks every step", () => {
    const m = model({ dropout: 0.5 });
    m.forward({ T, B, tokens: tokens() });
    const first = Array.from(m.stack.inputMask(1)!);
    m.forward({ T, B, tokens: tokens() });
    expect(Array.from(m.stack.inputMask(1)!)).not.toEqual(first);
    expect(m.masks.pass).toBe(2);
  });

  it("inputDropout's mask is the same at every step, dropout's differs from step to step", () => {
    const width = 3; // layer 0 reads the embedding, E = 3
    const perSequence = model({ inputDropout: 0.5 });
    perSequence.forward({ T, B, tokens: tokens() });
    const mask = perSequence.stack.inputMask(0)!;
    const step = (t: number) => Array.from(mask.subarray(t * B * width, (t + 1) * B * width));
    for (let t = 1; t < T; t++) expect(step(t)).toEqual(step(0));
    expect(step(0).some((v) => v === 0)).toBe(true);

    const fresh = model({ dropout: 0.5 });
    fresh.forward({ T, B, tokens: tokens() });
    const freshMask = fresh.stack.inputMask(1)!;
    const freshStep = (t: number) => Array.from(freshMask.subarray(t * B * H, (t + 1) * B * H));
    expect(freshStep(1)).not.toEqual(freshStep(0));
  });

  it("a row's masks do not depend on the rows beside it (rowOffset: a shard's first row)", () => {
    const all = model(everything);
    const data = tokens(5);
    all.masks.pass = 2;
    const whole = all.forward({ T, B, tokens: data }).slice();
    const half = 2;
    const part = model(everything);
    part.masks.pass = 2;
    part.masks.rowOffset = half;
    const rows = Int32Array.from(
      { length: T * half },
      (_, n) => data[Math.floor(n / half) * B + half + (n % half)],
    );
    const out = part.forward({ T, B: half, tokens: rows });
    for (let t = 0; t < T; t++) {
      for (let r = 0; r < half; r++) {
        for (let j = 0; j < V; j++) {
          expect(out[(t * half + r) * V + j]).toBeCloseTo(whole[(t * B + half + r) * V + j], 12);
        }
      }
    }
  });
});

describe("the step-by-step path", () => {
  it("forwardFeedback with a teacher-forced feeder equals forward, masks and gradients included", () => {
    for (const cell of ["rnn", "gru", "lstm"] as const) {
      const rates = { ...everything, cellZoneout: cell === "lstm" ? 0.2 : 0 };
      const a = model(rates, { cell });
      const b = model(rates, { cell });
      const data = tokens(7);
      const classes = tokens(8);
      a.masks.pass = b.masks.pass = 11;
      a.params.zeroGrad();
      const all = a.forward({ T, B, tokens: data }).slice();
      a.backward({ classes });
      const gradA = a.params.grad.slice();
      b.params.zeroGrad();
      const fed = b.forwardFeedback({ T, B, tokens: data.slice() }, () => {}).slice();
      b.backward({ classes });
      const gradB = b.params.grad.slice();
      for (let i = 0; i < all.length; i++) expect(fed[i]).toBeCloseTo(all[i], 12);
      for (let i = 0; i < gradA.length; i++) expect(gradB[i]).toBeCloseTo(gradA[i], 12);
    }
  });
});

describe("threads", () => {
  const open: DataParallel[] = [];
  afterEach(() => {
    for (const p of open.splice(0)) p.close();
  });

  it("1 and 2 threads give the same loss and gradients with every dropout on", () => {
    const rows = 5;
    const data = tokens(2, rows);
    const classes = tokens(3, rows);
    const one = model(everything);
    const two = model(everything);
    const p = dataParallel(two, 2);
    open.push(p);
    for (let step = 0; step < 2; step++) {
      const expected = one.lossAndGrad({ T, B: rows, tokens: data }, { classes });
      const result = p.lossAndGrad({ T, B: rows, tokens: data }, { classes });
      expect(result.loss).toBeCloseTo(expected.loss, 12);
      const g1 = one.params.grad;
      const g2 = two.params.grad;
      for (let i = 0; i < g1.length; i++) expect(g2[i]).toBeCloseTo(g1[i], 12);
    }
    expect(two.masks.pass).toBe(one.masks.pass);
  });
});
