import { describe, expect, it } from "vitest";
import { type RecurrentConfig, stateWidthOf } from "../src/model/config.js";
import { padSequences } from "../src/model/pad.js";
import { recurrentParamSpecs } from "../src/model/param-shapes.js";
import { Params } from "../src/model/params.js";
import { RecurrentStack } from "../src/model/stack.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import type { Buf } from "../src/tensor.js";
import {
  maxAbsOf,
  numericGradient,
  randomBuffer,
  relativeError,
  weightedStackLoss,
} from "./helpers/gradcheck.js";

// PyTorch's layer options (bias=False, variable lengths, bidirectional, LSTM proj_size) and their
// combinations: every gradient against float64 central differences of
// L = Σ output·W_out + Σ h_n·W_h (+ Σ c_n·W_c), and the forward against independent references
// (a padded row against the same sequence run alone; the reverse direction against a forward
// layer on the reversed sequence).

const T = 4;
const B = 3;
const I = 3;
const H = 3;
const TOLERANCE = 1e-6;

type Options = Pick<RecurrentConfig, "cell" | "layers" | "bias" | "bidirectional" | "projSize"> & {
  activation?: RecurrentConfig["activation"];
  lengths?: number[];
};

const cells = [
  { cell: "rnn", activation: "tanh" },
  { cell: "rnn", activation: "relu" },
  { cell: "gru" },
  { cell: "lstm" },
] as const;

const cases: Options[] = [];
for (const c of cells) {
  cases.push({ ...c, layers: 2, bias: false });
  cases.push({ ...c, layers: 2, lengths: [4, 1, 3] });
  cases.push({ ...c, layers: 1, bidirectional: true });
  cases.push({ ...c, layers: 2, bidirectional: true, lengths: [2, 4, 3] });
  cases.push({ ...c, layers: 2, bidirectional: true, bias: false, lengths: [1, 3, 4] });
}
cases.push({ cell: "lstm", layers: 2, projSize: 2 });
cases.push({ cell: "lstm", layers: 2, projSize: 2, lengths: [3, 4, 1] });
cases.push({ cell: "lstm", layers: 2, projSize: 1, bidirectional: true, bias: false, lengths: [4, 2, 3] });

const label = (c: Options) =>
  [
    c.cell === "rnn" ? `rnn(${c.activation})` : c.cell,
    `${c.layers} layer${c.layers > 1 ? "s" : ""}`,
    c.bias === false ? "no bias" : "",
    c.bidirectional ? "bidirectional" : "",
    c.projSize ? `proj ${c.projSize}` : "",
    c.lengths ? `lengths [${c.lengths}]` : "",
  ]
    .filter(Boolean)
    .join(", ");

function configOf(c: Options): RecurrentConfig {
  return {
    cell: c.cell,
    activation: c.activation ?? "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: H,
    layers: c.layers,
    bias: c.bias,
    bidirectional: c.bidirectional,
    projSize: c.projSize,
  };
}

function setup(c: Options, batch = B, steps = T) {
  const config = configOf(c);
  const rng = new Rng(11);
  const stack = new RecurrentStack(config, I, "", "float64");
  const params = new Params(recurrentParamSpecs(config, I), "float64");
  params.data.set(randomBuffer(params.data.length, () => rng.uniformIn(-0.8, 0.8)));
  const D = c.bidirectional ? 2 : 1;
  const P = stateWidthOf(config);
  const lengths = c.lengths ? Int32Array.from(c.lengths) : null;
  const problem = weightedStackLoss(stack, params, config, { I, T: steps, B: batch }, rng, lengths);
  return { config, stack, params, ...problem, lengths, D, P };
}

describe.each(cases)("layer options: %s", (c) => {
  it(`${label(c)}: parameter, input and initial-state gradients match finite differences`, () => {
    const s = setup(c);
    const grads = s.backward();
    const analytic = s.params.grad.slice();
    const inputGrad = (grads.inputGrad as Float64Array).slice();
    const initialGrad = (perLayer: Buf[], width: number) => {
      const out = new Float64Array(perLayer.length * B * width);
      for (const [k, g] of perLayer.entries()) out.set(g.subarray(0, B * width), k * B * width);
      return out;
    };
    const h0Grad = initialGrad(grads.hiddenGrads, s.P);
    const c0Grad = s.lstm ? initialGrad(grads.cellGrads, H) : null;
    for (const spec of s.params.specs) {
      const view = s.params.gradOf(spec.name);
      const offset = view.byteOffset / 8;
      const numeric = numericGradient(s.loss, s.params.value(spec.name));
      expect(relativeError(analytic.subarray(offset, offset + view.length), numeric), spec.name).toBeLessThan(
        TOLERANCE,
      );
    }
    const xNumeric = numericGradient(s.loss, s.x);
    expect(relativeError(inputGrad, xNumeric), "x").toBeLessThan(TOLERANCE);
    expect(relativeError(h0Grad, numericGradient(s.loss, s.h0)), "h0").toBeLessThan(TOLERANCE);
    if (c0Grad) expect(relativeError(c0Grad, numericGradient(s.loss, s.c0)), "c0").toBeLessThan(TOLERANCE);
    expect(maxAbsOf(analytic)).toBeGreaterThan(1e-3);
    if (s.lengths) {
      // No gradient reaches an input past its row's length.
      for (let t = 0; t < T; t++) {
        for (let b = 0; b < B; b++) {
          if (t < s.lengths[b]) continue;
          expect(maxAbsOf(inputGrad.subarray((t * B + b) * I, (t * B + b + 1) * I))).toBe(0);
        }
      }
    }
  });

  it(`${label(c)}: each row equals its sequence run alone, with 0 past its length`, () => {
    const s = setup(c);
    const width = s.D * s.P;
    const out = s.stack
      .forward(s.params, s.x, T, B, { h: s.h0, c: s.lstm ? s.c0 : undefined }, s.lengths)
      .slice();
    const final = s.stack.finalState();
    const states = s.config.layers * s.D;
    for (let b = 0; b < B; b++) {
      const length = s.lengths ? s.lengths[b] : T;
      const alone = new RecurrentStack(s.config, I, "", "float64");
      const xb = new Float64Array(length * I);
      for (let t = 0; t < length; t++) xb.set(s.x.subarray((t * B + b) * I, (t * B + b + 1) * I), t * I);
      const rowOf = (buf: Float64Array, count: number, w: number) => {
        const row = new Float64Array(count * w);
        for (let k = 0; k < count; k++) row.set(buf.subarray((k * B + b) * w, (k * B + b + 1) * w), k * w);
        return row;
      };
      const h0 = rowOf(s.h0, states, s.P);
      const c0 = rowOf(s.c0, states, H);
      const expected = alone.forward(s.params, xb, length, 1, { h: h0, c: s.lstm ? c0 : undefined });
      const got = rowOf(out as Float64Array, T, width);
      expect(relativeError(got.subarray(0, length * width), expected)).toBeLessThan(1e-12);
      expect(maxAbsOf(got.subarray(length * width))).toBe(0);
      const aloneFinal = alone.finalState();
      expect(relativeError(rowOf(final.h as Float64Array, states, s.P), aloneFinal.h)).toBeLessThan(1e-12);
      if (s.lstm)
        expect(relativeError(rowOf(final.c as Float64Array, states, H), aloneFinal.c)).toBeLessThan(1e-12);
    }
  });
});

describe("bidirectional: the reverse direction", () => {
  it.each(cells)("$cell: its half of the output is a forward layer's on the reversed sequence", (c) => {
    const config = configOf({ ...c, layers: 1, bidirectional: true });
    const single = { ...config, bidirectional: false };
    const rng = new Rng(3);
    const params = new Params(recurrentParamSpecs(config, I), "float64");
    params.data.set(randomBuffer(params.data.length, () => rng.uniformIn(-0.8, 0.8)));
    const x = randomBuffer(T * B * I, () => rng.normal());
    const out = new RecurrentStack(config, I, "", "float64").forward(params, x, T, B).slice();
    // The reverse direction's parameters under the forward names.
    const reverse = new Params(recurrentParamSpecs(single, I), "float64");
    for (const spec of reverse.specs) reverse.set(spec.name, params.value(`${spec.name}_reverse`));
    const reversedX = new Float64Array(x.length);
    for (let t = 0; t < T; t++) reversedX.set(x.subarray(t * B * I, (t + 1) * B * I), (T - 1 - t) * B * I);
    const expected = new RecurrentStack(single, I, "", "float64").forward(reverse, reversedX, T, B);
    for (let t = 0; t < T; t++) {
      for (let b = 0; b < B; b++) {
        const got = out.subarray((t * B + b) * 2 * H + H, (t * B + b + 1) * 2 * H);
        const want = expected.subarray(((T - 1 - t) * B + b) * H, ((T - 1 - t) * B + b + 1) * H);
        expect(relativeError(got, want)).toBeLessThan(1e-12);
      }
    }
  });
});

describe("SequenceModel with layer options", () => {
  const inputs = [
    { kind: "dense", size: I },
    { kind: "embedding", vocabSize: 5, embeddingSize: 2 },
  ] as const;
  it.each(inputs)(
    "$kind input, bidirectional LSTM with projection, no bias, lengths: gradients match finite differences",
    (input) => {
      const model = new SequenceModel(
        {
          cell: "lstm",
          hiddenSize: H,
          layers: 2,
          bidirectional: true,
          projSize: 2,
          bias: false,
          input,
          outputSize: 4,
          loss: "mse",
          dtype: "float64",
        },
        { seed: 5 },
      );
      const rng = new Rng(9);
      const padded =
        input.kind === "dense"
          ? padSequences(
              [4, 2, 3].map((n) =>
                Array.from({ length: n }, () => [rng.normal(), rng.normal(), rng.normal()]),
              ),
              0,
              "float64",
            )
          : padSequences([
              [1, 2, 3, 4],
              [0, 4],
              [3, 3, 1],
            ]);
      const batch = { ...padded };
      const targets = { values: randomBuffer(T * B * 4, () => rng.normal()) };
      expect(model.params.names).not.toContain("rnn.bias_ih_l0");
      expect(model.params.shape("rnn.weight_hr_l1_reverse")).toEqual([2, H]);
      expect(model.params.shape("rnn.weight_ih_l1")).toEqual([4 * H, 4]);
      expect(model.params.shape("linear.weight")).toEqual([4, 4]);
      model.lossAndGrad(batch, targets);
      const analytic = model.params.grad.slice();
      const loss = () => {
        model.forward(batch);
        return model.loss(targets).loss;
      };
      const numeric = numericGradient(loss, model.params.data);
      expect(relativeError(analytic, numeric)).toBeLessThan(TOLERANCE);
      expect(maxAbsOf(analytic)).toBeGreaterThan(1e-3);
    },
  );

  it("a bidirectional model cannot be fed step by step: one ConfigError line", () => {
    const model = new SequenceModel({
      cell: "gru",
      hiddenSize: H,
      bidirectional: true,
      input: { kind: "onehot", vocabSize: 3 },
    });
    expect(() => model.forwardFeedback({ T: 2, B: 1, tokens: new Int32Array(2) }, () => {})).toThrow(
      /^a bidirectional stack reads whole sequences: call forward, not begin\/advance \(no step-by-step feeding\)$/,
    );
  });

  it("projSize on a GRU, or not below hiddenSize: one ConfigError line naming the field", () => {
    const base = { hiddenSize: 4, input: { kind: "onehot", vocabSize: 3 } } as const;
    expect(() => new SequenceModel({ ...base, cell: "gru", projSize: 2 })).toThrow(
      "config.projSize: got 2, but only cell lstm has a projection (cell is gru); use 0",
    );
    expect(() => new SequenceModel({ ...base, cell: "lstm", projSize: 4 })).toThrow(
      "config.projSize: got 4, but a projection must be smaller than hiddenSize 4; use 0",
    );
  });
});

describe("padSequences", () => {
  it("pads token sequences time-major with the pad value and gives their lengths", () => {
    const padded = padSequences([[1, 2, 3], [4], [5, 6]], 9);
    expect(padded.T).toBe(3);
    expect(padded.B).toBe(3);
    expect(Array.from(padded.lengths)).toEqual([3, 1, 2]);
    expect(Array.from(padded.tokens)).toEqual([1, 4, 5, 2, 9, 6, 3, 9, 9]);
  });

  it("pads feature sequences into inputs [T·B×F] of the dtype", () => {
    const padded = padSequences(
      [
        [[1, 2]],
        [
          [3, 4],
          [5, 6],
        ],
      ],
      -1,
      "float64",
    );
    expect(padded.inputs).toBeInstanceOf(Float64Array);
    expect(padded.width).toBe(2);
    expect(Array.from(padded.inputs)).toEqual([1, 2, 3, 4, -1, -1, 5, 6]);
    expect(Array.from(padded.lengths)).toEqual([1, 2]);
  });

  it("ragged feature vectors or no steps at all: one ShapeError line", () => {
    expect(() => padSequences([[[1, 2]], [[3]]])).toThrow(
      "sequence 1, step 0: expected 2 features like the first step, got [3]",
    );
    expect(() => padSequences([[], []])).toThrow(
      "padSequences: every sequence is empty; give at least one step",
    );
  });
});
