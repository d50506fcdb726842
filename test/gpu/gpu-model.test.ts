import { describe, expect, it } from "vitest";
import { GpuModel, gpuUnsupported } from "../../src/gpu/gpu-model.js";
import { FIGURE } from "../../src/gpu/gpu-pass.js";
import { type ModelOptions, stateWidthOf } from "../../src/model/config.js";
import { SequenceModel } from "../../src/model/sequence-model.js";
import { Rng } from "../../src/random.js";
import { gpuContext, skipGpuTests } from "../helpers/gpu.js";
import { worstScaledError } from "../helpers/gpu-compare.js";

// The WebGPU pass against the CPU model in float64 on the same parameters: the loss, every
// parameter's gradient, and ‖dL/dh_t‖ of the top layer. Float32 on the GPU: each gradient entry
// within 1e-4 of the largest entry of its parameter, the loss within 1e-5 relative.

const V = 11;
const configs: [string, ModelOptions][] = [
  [
    "rnn tanh, embedding, 2 layers",
    { cell: "rnn", hiddenSize: 9, layers: 2, input: { kind: "embedding", vocabSize: V, embeddingSize: 5 } },
  ],
  [
    "rnn relu, one-hot, skip 2",
    { cell: "rnn", activation: "relu", skip: 2, hiddenSize: 7, input: { kind: "onehot", vocabSize: V } },
  ],
  [
    "rnn step straight-through, no bias",
    {
      cell: "rnn",
      activation: "step",
      straightThrough: true,
      bias: false,
      hiddenSize: 6,
      input: { kind: "onehot", vocabSize: V },
    },
  ],
  [
    "gru, embedding",
    { cell: "gru", hiddenSize: 8, input: { kind: "embedding", vocabSize: V, embeddingSize: 4 } },
  ],
  [
    "gru, one-hot, 2 layers",
    { cell: "gru", hiddenSize: 5, layers: 2, input: { kind: "onehot", vocabSize: V } },
  ],
  [
    "lstm, embedding, 2 layers",
    { cell: "lstm", hiddenSize: 6, layers: 2, input: { kind: "embedding", vocabSize: V, embeddingSize: 3 } },
  ],
  [
    "lstm, one-hot, no bias",
    { cell: "lstm", hiddenSize: 4, bias: false, input: { kind: "onehot", vocabSize: V } },
  ],
  [
    "lstm projected to 3, embedding, 2 layers",
    {
      cell: "lstm",
      hiddenSize: 5,
      projSize: 3,
      layers: 2,
      input: { kind: "embedding", vocabSize: V, embeddingSize: 4 },
    },
  ],
];

function batchOf(T: number, B: number, seed: number): { tokens: Int32Array; classes: Int32Array } {
  const rng = new Rng(seed);
  const tokens = Int32Array.from({ length: T * B }, () => rng.int(V));
  // Every fifth target missing (−1), and token 0 never used: rows the gather's CSR must skip.
  const classes = Int32Array.from({ length: T * B }, (_, i) => (i % 5 === 3 ? -1 : rng.int(V)));
  for (let i = 0; i < tokens.length; i++) if (tokens[i] === 0) tokens[i] = 1;
  return { tokens, classes };
}

function expectClose(
  name: string,
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tolerance: number,
): void {
  const worst = worstScaledError(actual, expected, 1e-3);
  expect(worst, `${name}: worst error ${worst} of the largest entry (at least 1e-3)`).toBeLessThan(tolerance);
}

describe.skipIf(skipGpuTests())("GpuModel", () => {
  for (const [name, options] of configs) {
    it(`trainPlan() matches SequenceModel.lossAndGrad: ${name}`, async () => {
      const context = await gpuContext();
      const model = new SequenceModel(options, { seed: 3 });
      const reference = new SequenceModel({ ...options, dtype: "float64" });
      reference.params.data.set(model.params.data);
      const gpu = new GpuModel(context, model.config, model.params);
      for (const [T, B] of [
        [4, 3],
        [1, 2],
      ] as const) {
        const { tokens, classes } = batchOf(T, B, T * 10 + B);
        const pass = gpu.pass(T, B);
        pass.load(tokens, classes);
        context.run(pass.trainPlan());
        reference.params.zeroGrad();
        const result = reference.lossAndGrad({ T, B, tokens }, { classes });
        const figures = await context.read(pass.figures, FIGURE.hiddenNorms + T + 1);
        expect(figures[FIGURE.lossSum] / pass.count).toBeCloseTo(result.loss, 5);
        const grad = await gpu.readGrad();
        for (const spec of reference.params.specs) {
          const at = (reference.params.gradOf(spec.name).byteOffset - reference.params.grad.byteOffset) / 8;
          const size = reference.params.gradOf(spec.name).length;
          expectClose(
            `${spec.name} (T ${T}, B ${B})`,
            grad.subarray(at, at + size),
            reference.params.gradOf(spec.name),
            1e-4,
          );
        }
        const top = result.hiddenGrads[result.hiddenGrads.length - 1];
        const P = stateWidthOf(model.config); // h's width
        const norms = Array.from({ length: T + 1 }, (_, t) =>
          Math.hypot(...top.subarray(t * B * P, (t + 1) * B * P)),
        );
        expectClose(`hidden norms (T ${T}, B ${B})`, figures.subarray(FIGURE.hiddenNorms), norms, 1e-4);
      }
      gpu.destroy();
    });
  }

  it("forwardPlan() gives the loss of SequenceModel.forward and loss", async () => {
    const context = await gpuContext();
    const options = configs[5][1];
    const model = new SequenceModel(options, { seed: 5 });
    const gpu = new GpuModel(context, model.config, model.params);
    const { tokens, classes } = batchOf(6, 4, 1);
    const pass = gpu.pass(6, 4);
    pass.load(tokens, classes);
    context.run(pass.forwardPlan());
    model.forward({ T: 6, B: 4, tokens });
    const { loss, count } = model.loss({ classes });
    const [sum] = await context.read(pass.figures, 1);
    expect(pass.count).toBe(count);
    expect(sum / count).toBeCloseTo(loss, 5);
  });

  it("gpuUnsupported names what the backend does not run, one line each", () => {
    const base = { cell: "lstm", hiddenSize: 4, input: { kind: "onehot", vocabSize: 5 } } as const;
    const cases: [ModelOptions, RegExp][] = [
      [{ ...base, bidirectional: true }, /bidirectional/],
      [{ ...base, dropout: 0.1, layers: 2 }, /dropout \(dropout\)/],
      [{ ...base, zoneout: 0.1 }, /zoneout/],
      [{ ...base, dtype: "float64" }, /float64/],
      [{ ...base, input: { kind: "dense", size: 3 }, outputSize: 2 }, /dense/],
    ];
    for (const [options, pattern] of cases) {
      const reason = gpuUnsupported(new SequenceModel(options).config);
      expect(reason).toMatch(pattern);
      expect(reason).not.toContain("\n");
    }
    expect(gpuUnsupported(new SequenceModel(base).config)).toBeNull();
    expect(gpuUnsupported(new SequenceModel({ ...base, projSize: 2 }).config)).toBeNull();
  });
});
