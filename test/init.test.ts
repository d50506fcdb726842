import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/errors.js";
import type { ModelOptions } from "../src/model/config.js";
import { parseModelConfig } from "../src/model/config-schema.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { parseRunConfig } from "../src/train/run-config.js";
import { runDefaults } from "../src/worker/config.js";
import { blockRows, moments, orthogonalityError } from "./helpers/init-checks.js";

const model = (options: ModelOptions, seed = 1234) => new SequenceModel(options, { seed });
const dense = (size: number) => ({ kind: "dense" as const, size });

describe("PyTorch's default initialization is unchanged", () => {
  // Captured from git HEAD's src/model/init.ts before initializers were added (seed 1234):
  // weightedSum = Σ (i+1)·data[i] over the flat parameters, in the same order, so it is exact.
  const cases: [ModelOptions, { n: number; weightedSum: number; first: number; last: number }][] = [
    [
      {
        cell: "rnn",
        hiddenSize: 6,
        input: { kind: "embedding", vocabSize: 5, embeddingSize: 3 },
        dtype: "float64",
      },
      { n: 116, weightedSum: 328.9439867309892, first: -0.44705262991662104, last: -0.13073379000202984 },
    ],
    [
      { cell: "gru", hiddenSize: 5, layers: 2, input: { kind: "onehot", vocabSize: 4 }, dtype: "float64" },
      { n: 369, weightedSum: -1451.0173830906554, first: -0.0457851738415761, last: 0.09925956913113404 },
    ],
    [
      { cell: "lstm", hiddenSize: 7, layers: 2, input: dense(3), outputSize: 2, dtype: "float64" },
      { n: 800, weightedSum: -2170.368590579652, first: -0.038695534475692794, last: -0.3684966576513047 },
    ],
    [
      {
        cell: "rnn",
        activation: "relu",
        skip: 2,
        hiddenSize: 4,
        input: dense(2),
        outputSize: 0,
        dtype: "float64",
      },
      { n: 48, weightedSum: 20.930390282819488, first: -0.051189380535704654, last: 0.3089865209199124 },
    ],
    [
      { cell: "lstm", hiddenSize: 8, input: { kind: "embedding", vocabSize: 6, embeddingSize: 4 } },
      { n: 526, weightedSum: -415.68251500383485, first: -0.44705262780189514, last: 0.16560201346874237 },
    ],
  ];
  it.each(cases)(
    "%# gives the same parameters as before, with init absent or weights default",
    (options, want) => {
      for (const init of [undefined, { weights: "default" as const }]) {
        const data = model({ ...options, ...(init && { init }) }).params.data;
        let weightedSum = 0;
        for (let i = 0; i < data.length; i++) weightedSum += (i + 1) * data[i];
        expect({ n: data.length, weightedSum, first: data[0], last: data[data.length - 1] }).toEqual(want);
      }
    },
  );
});

describe("orthogonal init, per gate block", () => {
  it("makes each block of W_ih and W_hh orthogonal to 1e-12 (semi-orthogonal when not square), biases 0", () => {
    const m = model({
      cell: "lstm",
      hiddenSize: 6,
      layers: 2,
      input: dense(4),
      outputSize: 3,
      dtype: "float64",
      init: { weights: "orthogonal" },
    });
    for (const [name, cols] of [
      ["weight_ih_l0", 4],
      ["weight_hh_l0", 6],
      ["weight_ih_l1", 6],
      ["weight_hh_l1", 6],
    ] as const) {
      const w = m.params.value(`rnn.${name}`);
      for (let g = 0; g < 4; g++)
        expect(orthogonalityError(blockRows(w, g, 6, cols)), `${name} block ${g}`).toBeLessThan(1e-12);
      // Not orthogonal across blocks: each block is its own draw.
      expect(orthogonalityError([...blockRows(w, 0, 6, cols), ...blockRows(w, 1, 6, cols)])).toBeGreaterThan(
        0.1,
      );
    }
    for (const name of ["bias_ih_l0", "bias_hh_l0", "bias_ih_l1", "bias_hh_l1"])
      expect([...m.params.value(`rnn.${name}`)]).toEqual(new Array(24).fill(0));
  });

  it("has orthonormal rows for a wide block, columns for a tall one, and scales by gain", () => {
    const m = model({
      cell: "gru",
      hiddenSize: 3,
      input: dense(8),
      outputSize: 0,
      dtype: "float64",
      init: { weights: "orthogonal", gain: 2 },
    });
    const ih = m.params.value("rnn.weight_ih_l0");
    for (let g = 0; g < 3; g++) expect(orthogonalityError(blockRows(ih, g, 3, 8), 2)).toBeLessThan(1e-12);
    const hh = m.params.value("rnn.weight_hh_l0");
    for (let g = 0; g < 3; g++) expect(orthogonalityError(blockRows(hh, g, 3, 3), 2)).toBeLessThan(1e-12);
  });

  it("orthogonalizes a large block to 1e-12 too, and leaves the embedding and readout PyTorch's", () => {
    const H = 96;
    const m = model({
      cell: "rnn",
      hiddenSize: H,
      input: { kind: "embedding", vocabSize: 10, embeddingSize: 5 },
      dtype: "float64",
      init: { weights: "orthogonal" },
    });
    expect(orthogonalityError(blockRows(m.params.value("rnn.weight_hh_l0"), 0, H, H))).toBeLessThan(1e-12);
    const readout = m.params.value("linear.weight");
    expect(Math.max(...readout.map(Math.abs))).toBeLessThanOrEqual(1 / Math.sqrt(H));
    expect(moments(m.params.value("embedding.weight")).variance).toBeGreaterThan(0.3);
  });
});

describe("init with PyTorch's layer options", () => {
  it("covers both directions and the projection W_hr [H_out×H]; forgetBias reaches every direction", () => {
    const m = model({
      ...{ cell: "lstm", hiddenSize: 6, projSize: 3, bidirectional: true, layers: 2, input: dense(4) },
      ...{ outputSize: 2, dtype: "float64", init: { weights: "orthogonal", forgetBias: 1 } },
    });
    for (const suffix of ["l0", "l0_reverse", "l1", "l1_reverse"]) {
      expect(orthogonalityError(blockRows(m.params.value(`rnn.weight_hr_${suffix}`), 0, 3, 6))).toBeLessThan(
        1e-12,
      );
      const hh = m.params.value(`rnn.weight_hh_${suffix}`);
      for (let g = 0; g < 4; g++) expect(orthogonalityError(blockRows(hh, g, 6, 3))).toBeLessThan(1e-12);
      const want = [0, 1, 0, 0].flatMap((b) => new Array(6).fill(b));
      expect([...m.params.value(`rnn.bias_ih_${suffix}`)]).toEqual(want);
    }
  });
});

describe("identity init (IRNN)", () => {
  it("sets W_hh = gain·I, biases 0, and W_ih ~ N(0, 0.001²)", () => {
    const H = 50;
    for (const gain of [1, 0.5]) {
      const m = model({
        cell: "rnn",
        activation: "relu",
        hiddenSize: H,
        input: dense(40),
        outputSize: 2,
        dtype: "float64",
        init: { weights: "identity", ...(gain !== 1 && { gain }) },
      });
      const hh = m.params.value("rnn.weight_hh_l0");
      for (let i = 0; i < H; i++) for (let j = 0; j < H; j++) expect(hh[i * H + j]).toBe(i === j ? gain : 0);
      expect(m.params.value("rnn.bias_ih_l0").every((b) => b === 0)).toBe(true);
      expect(m.params.value("rnn.bias_hh_l0").every((b) => b === 0)).toBe(true);
      const { mean, variance } = moments(m.params.value("rnn.weight_ih_l0"));
      expect(Math.abs(mean)).toBeLessThan(1e-4);
      expect(Math.sqrt(variance)).toBeGreaterThan(0.0009);
      expect(Math.sqrt(variance)).toBeLessThan(0.0011);
    }
  });
});

describe("Xavier/Glorot init, per gate block", () => {
  // GRU, H = 200, I = 300: a W_ih block has fan_in 300, fan_out 200, variance 2/500 = 0.004; a
  // W_hh block 2/400 = 0.005. A block's 40,000 to 60,000 values estimate the variance to about 0.6 %
  // (normal) and 0.4 % (uniform) of itself; 3 % is over five standard errors.
  const H = 200;
  const I = 300;
  it.each(["xavier-uniform", "xavier-normal"] as const)(
    "%s has variance gain²·2/(fan_in + fan_out) in every block",
    (weights) => {
      for (const gain of [1, 1.5]) {
        const m = model(
          {
            cell: "gru",
            hiddenSize: H,
            input: dense(I),
            outputSize: 0,
            dtype: "float64",
            init: { weights, gain },
          },
          7,
        );
        for (const [name, cols] of [
          ["weight_ih_l0", I],
          ["weight_hh_l0", H],
        ] as const) {
          const w = m.params.value(`rnn.${name}`);
          const want = (gain * gain * 2) / (H + cols);
          for (let g = 0; g < 3; g++) {
            const block = w.subarray(g * H * cols, (g + 1) * H * cols);
            const { mean, variance } = moments(block);
            expect(Math.abs(variance / want - 1), `${name} block ${g}`).toBeLessThan(0.03);
            expect(Math.abs(mean)).toBeLessThan((4 * Math.sqrt(want)) / Math.sqrt(block.length));
            if (weights === "xavier-uniform")
              expect(Math.max(...block.map(Math.abs))).toBeLessThanOrEqual(gain * Math.sqrt(6 / (H + cols)));
          }
        }
        expect(m.params.value("rnn.bias_hh_l0").every((b) => b === 0)).toBe(true);
      }
    },
  );
});

describe("the LSTM's forget-gate bias", () => {
  const lstm = {
    cell: "lstm",
    hiddenSize: 64,
    layers: 2,
    input: dense(3),
    outputSize: 1,
    dtype: "float64",
  } as const;
  const H = 64;
  const forgetBlock = (b: Float64Array | Float32Array) => [...b.subarray(H, 2 * H)];

  it("a value sets b_ih's forget block (b_hh's is 0) and changes nothing else of the default", () => {
    const plain = model(lstm);
    const withBias = model({ ...lstm, init: { forgetBias: 1 } });
    for (const spec of plain.params.specs) {
      const a = [...plain.params.value(spec.name)];
      const b = [...withBias.params.value(spec.name)];
      if (/^rnn\.bias_(ih|hh)/.test(spec.name)) {
        const want = spec.name.includes("_ih") ? 1 : 0;
        expect(b.slice(H, 2 * H)).toEqual(new Array(H).fill(want));
        a.splice(H, H);
        b.splice(H, H);
      }
      expect(b, spec.name).toEqual(a);
    }
  });

  it("chrono draws b_f = log U(1, Tmax − 1) per unit and sets b_i = −b_f", () => {
    const Tmax = 50;
    const m = model({ ...lstm, init: { weights: "orthogonal", forgetBias: { chrono: Tmax } } });
    for (const k of [0, 1]) {
      const ih = m.params.value(`rnn.bias_ih_l${k}`);
      const hh = m.params.value(`rnn.bias_hh_l${k}`);
      const bf = forgetBlock(ih);
      for (const b of bf) {
        expect(b).toBeGreaterThanOrEqual(0);
        expect(b).toBeLessThan(Math.log(Tmax - 1));
      }
      expect([...ih.subarray(0, H)]).toEqual(bf.map((b) => -b));
      expect([...hh].every((b) => b === 0)).toBe(true);
      // e^{b_f} ~ U(1, 49): mean 25, standard deviation 13.9, so 64 units' mean is 25 ± 1.7.
      const { mean } = moments(bf.map(Math.exp));
      expect(Math.abs(mean - 25)).toBeLessThan(7);
      expect(Math.min(...bf)).toBeLessThan(Math.log(8));
      expect(Math.max(...bf)).toBeGreaterThan(Math.log(40));
    }
  });
});

describe("init is checked, with one-line errors", () => {
  const base = { cell: "lstm", hiddenSize: 4, input: dense(2), outputSize: 1 } as const;
  it.each([
    [
      { ...base, init: { weights: "identity" } },
      "config.init.weights: got identity, but it is for cell rnn with activation relu (IRNN; cell lstm); use orthogonal",
    ],
    [
      { ...base, cell: "rnn", init: { weights: "identity" } },
      "config.init.weights: got identity, but it is for cell rnn with activation relu (IRNN; activation tanh); use orthogonal",
    ],
    [
      { ...base, cell: "gru", init: { forgetBias: 1 } },
      "config.init.forgetBias: only cell lstm has a forget gate (cell is gru); remove it",
    ],
    [
      { ...base, bias: false, init: { forgetBias: 1 } },
      "config.init.forgetBias: the model has no biases (bias is false); remove it",
    ],
    [
      { ...base, init: { gain: 2 } },
      "config.init.gain: got 2, but PyTorch's default has no gain; remove it or set weights",
    ],
    [
      { ...base, init: { weights: "he" } },
      'config.init.weights: expected one of default, orthogonal, xavier-uniform, xavier-normal, identity, got "he"',
    ],
    [{ ...base, init: { forgetBias: { chrono: 1 } } }, "config.init.forgetBias.chrono"],
    [{ ...base, init: { weights: "orthogonal", gain: 0 } }, "config.init.gain: expected a number > 0, got 0"],
    [{ ...base, init: { sigma: 1 } }, 'config.init: unknown key "sigma"; remove it'],
  ])("%#: %s", (options, message) => {
    expect(() => parseModelConfig(options)).toThrow(ConfigError);
    expect(() => parseModelConfig(options)).toThrow(message);
  });

  it("a run config stores init and checks it the same way", () => {
    const spec = {
      ...runDefaults,
      data: "x.txt",
      steps: 1,
      model: { ...runDefaults.model, init: { weights: "orthogonal", forgetBias: { chrono: 64 } } },
    };
    expect(parseRunConfig(spec).model.init).toEqual({ weights: "orthogonal", forgetBias: { chrono: 64 } });
    const bad = { ...spec, model: { ...spec.model, cell: "gru" } };
    expect(() => parseRunConfig(bad)).toThrow(
      "train.model.init.forgetBias: only cell lstm has a forget gate (cell is gru); remove it",
    );
  });
});
