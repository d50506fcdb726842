import { describe, expect, it } from "vitest";
import type { ModelConfig } from "../src/model/config.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { TruncatedBptt, tbpttWindows } from "../src/train/tbptt.js";
import { numericGradient, relativeError } from "./helpers/gradcheck.js";

const N = 12;
const B = 2;
const V = 6;

function setup(cell: ModelConfig["cell"] = "lstm") {
  const config: ModelConfig = {
    cell,
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: 4,
    layers: 2,
    input: { kind: "embedding", vocabSize: V, embeddingSize: 3 },
    outputSize: V,
    loss: "cross-entropy",
    dtype: "float64",
  };
  const rng = new Rng(5);
  const tokens = Int32Array.from({ length: N * B }, () => rng.int(V));
  const classes = Int32Array.from({ length: N * B }, () => rng.int(V));
  return { model: new SequenceModel(config, { seed: 2 }), stream: { N, B, tokens, classes } };
}

describe("tbpttWindows(N, k1, k2)", () => {
  it("tbpttWindows(10, 3, 5) covers every step's loss once and reaches back k2 steps", () => {
    expect(tbpttWindows(10, 3, 5)).toEqual([
      { start: 0, lossFrom: 0, end: 3 },
      { start: 1, lossFrom: 3, end: 6 },
      { start: 4, lossFrom: 6, end: 9 },
      { start: 5, lossFrom: 9, end: 10 },
    ]);
  });

  it("tbpttWindows(N, k1, k2 < k1) throws", () => {
    expect(() => tbpttWindows(10, 4, 2)).toThrow(/k2 must be an integer >= k1/);
  });
});

describe("TruncatedBptt.step()", () => {
  it("with k1 = k2 = N equals full BPTT", () => {
    const { model, stream } = setup();
    const full = model.lossAndGrad({ T: N, B, tokens: stream.tokens }, { classes: stream.classes });
    const fullGrad = model.params.grad.slice();
    const tbptt = new TruncatedBptt(model, stream, N, N);
    const only = tbptt.step();
    expect(tbptt.done).toBe(true);
    expect(only.loss).toBe(full.loss);
    expect(Array.from(model.params.grad)).toEqual(Array.from(fullGrad));
  });

  it.each([
    [3, 3],
    [3, 5],
    [4, 7],
  ])(
    "with k1 = %i, k2 = %i carries the exact state: losses and final state equal one full forward",
    (k1, k2) => {
      for (const cell of ["rnn", "gru", "lstm"] as const) {
        const { model, stream } = setup(cell);
        model.forward({ T: N, B, tokens: stream.tokens });
        const logits = model.forwardOutputs().slice();
        const finalFull = model.finalState();
        const tbptt = new TruncatedBptt(model, stream, k1, k2);
        while (!tbptt.done) {
          const w = tbptt.step();
          const out = model.forwardOutputs();
          const offset = (w.lossFrom - w.start) * B * V;
          const expected = logits.subarray(w.lossFrom * B * V, w.end * B * V);
          expect(relativeError(out.subarray(offset, offset + expected.length), expected), cell).toBeLessThan(
            1e-12,
          );
        }
        expect(relativeError(tbptt.carriedState().h, finalFull.h)).toBeLessThan(1e-12);
        if (cell === "lstm") expect(relativeError(tbptt.carriedState().c, finalFull.c)).toBeLessThan(1e-12);
      }
    },
  );

  it("gives the gradient of the window's k1 losses through k2 steps, the carried state held constant", () => {
    const { model, stream } = setup();
    const tbptt = new TruncatedBptt(model, stream, 3, 5);
    tbptt.step();
    const carried = { h: tbptt.carriedState().h.slice(), c: tbptt.carriedState().c.slice() };
    const w = tbptt.step(); // steps [1, 6), loss on [3, 6)
    const analytic = model.params.grad.slice();
    const T = w.end - w.start;
    const tokens = stream.tokens.subarray(w.start * B, w.end * B);
    const classes = Int32Array.from(stream.classes.subarray(w.start * B, w.end * B), (c, n) =>
      n < (w.lossFrom - w.start) * B ? -1 : c,
    );
    const loss = () => {
      model.forward({ T, B, tokens }, carried);
      return model.backward({ classes }).loss;
    };
    expect(relativeError(analytic, numericGradient(loss, model.params.data))).toBeLessThan(1e-6);
  });
});
