import { describe, expect, it } from "vitest";
import { sequentialBatches } from "../../src/data/windows.js";
import { GpuTrainer } from "../../src/gpu/gpu-trainer.js";
import type { ModelOptions } from "../../src/model/config.js";
import { SequenceModel } from "../../src/model/sequence-model.js";
import { Rng } from "../../src/random.js";
import { createOptimizer, type OptimizerConfig } from "../../src/train/optimizers.js";
import { cosineLr } from "../../src/train/schedules.js";
import { type ClipSpec, evaluate, Trainer } from "../../src/train/trainer.js";
import { gpuContext, skipGpuTests } from "../helpers/gpu.js";
import { worstScaledError } from "../helpers/gpu-compare.js";

// GpuTrainer against Trainer on a float64 copy of the same model: the same windows (one seed),
// figures, parameters and optimizer state after several steps, within float32's reach.

const V = 13;
const rng = new Rng(7);
const data = Int32Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? rng.int(V) : (i * 5) % V));

const cases: [string, ModelOptions, OptimizerConfig, ClipSpec][] = [
  [
    "lstm, Adam, clip by norm",
    { cell: "lstm", hiddenSize: 8, input: { kind: "embedding", vocabSize: V, embeddingSize: 4 } },
    { name: "adam", lr: 0.01 },
    { kind: "norm", maxNorm: 0.22 }, // ‖g‖₂ is 0.21 to 0.27: some steps clip, some not
  ],
  [
    "rnn, AdamW amsgrad, no clip",
    { cell: "rnn", hiddenSize: 6, layers: 2, input: { kind: "onehot", vocabSize: V } },
    { name: "adamw", lr: 0.02, weightDecay: 0.1, amsgrad: true },
    null,
  ],
  [
    "gru, SGD nesterov, clip by value",
    { cell: "gru", hiddenSize: 5, input: { kind: "embedding", vocabSize: V, embeddingSize: 3 } },
    { name: "sgd", lr: 0.5, momentum: 0.9, nesterov: true, weightDecay: 0.01 },
    { kind: "value", value: 0.05 },
  ],
  [
    "gru, Adam, clip by the infinity norm",
    { cell: "gru", hiddenSize: 6, input: { kind: "embedding", vocabSize: V, embeddingSize: 4 } },
    { name: "adam", lr: 0.01 },
    { kind: "norm", maxNorm: 0.05, normType: "inf" },
  ],
  [
    "lstm, RMSprop centered with momentum and weight decay, clip by norm",
    { cell: "lstm", hiddenSize: 6, input: { kind: "embedding", vocabSize: V, embeddingSize: 4 } },
    { name: "rmsprop", lr: 0.01, momentum: 0.5, centered: true, weightDecay: 0.01 },
    { kind: "norm", maxNorm: 0.22 },
  ],
  [
    "lstm projected to 4, 2 layers, Adam, clip by norm",
    {
      cell: "lstm",
      hiddenSize: 6,
      projSize: 4,
      layers: 2,
      input: { kind: "embedding", vocabSize: V, embeddingSize: 3 },
    },
    { name: "adam", lr: 0.01 },
    { kind: "norm", maxNorm: 0.2 },
  ],
  [
    "rnn, Adagrad with lr decay",
    { cell: "rnn", hiddenSize: 7, input: { kind: "onehot", vocabSize: V } },
    { name: "adagrad", lr: 0.1, lrDecay: 0.1, initialAccumulatorValue: 0.1 },
    null,
  ],
];

describe.skipIf(skipGpuTests())("GpuTrainer", () => {
  for (const [name, options, optimizerConfig, clip] of cases) {
    it(`trainStep() x4 matches Trainer.trainStep: ${name}`, async () => {
      const context = await gpuContext();
      const model = new SequenceModel(options, { seed: 1 });
      const reference = new SequenceModel({ ...options, dtype: "float64" });
      reference.params.data.set(model.params.data);
      const lrSchedule = cosineLr(optimizerConfig.lr, 6);
      const common = { data, seqLen: 5, batch: 3, clip, lrSchedule, seed: 11 };
      const cpu = new Trainer({
        ...common,
        model: reference,
        optimizer: createOptimizer(optimizerConfig, reference),
      });
      const gpu = new GpuTrainer({
        ...common,
        context,
        model,
        optimizer: createOptimizer(optimizerConfig, model),
      });
      let clippedSteps = 0;
      for (let step = 1; step <= 4; step++) {
        const expected = { ...cpu.trainStep() };
        if (expected.gradNormClipped < expected.gradNorm) clippedSteps++;
        const actual = await gpu.trainStep();
        expect(actual.step).toBe(step);
        expect(actual.lr).toBe(expected.lr);
        expect(actual.loss).toBeCloseTo(expected.loss, 5);
        expect(actual.gradNorm).toBeCloseTo(expected.gradNorm, 4);
        expect(actual.gradNormClipped).toBeCloseTo(expected.gradNormClipped, 4);
        expect(worstScaledError(actual.hiddenGradNorms, expected.hiddenGradNorms, 1e-3)).toBeLessThan(1e-4);
      }
      expect(clippedSteps > 0, "some step clips").toBe(clip !== null);
      await gpu.sync();
      expect(worstScaledError(model.params.data, reference.params.data, 1e-3)).toBeLessThan(2e-4);
      const gpuState = gpu.optimizer.state();
      const cpuState = cpu.optimizer.state();
      expect(gpuState.step).toBe(4);
      expect(Object.keys(gpuState.buffers).sort()).toEqual(Object.keys(cpuState.buffers).sort());
      for (const key of Object.keys(cpuState.buffers)) {
        expect(worstScaledError(gpuState.buffers[key], cpuState.buffers[key], 1e-3), key).toBeLessThan(2e-4);
      }
      const batches = sequentialBatches(data.subarray(0, 120), 5, 3, 4);
      expect(await gpu.evaluate(batches)).toBeCloseTo(evaluate(reference, batches), 4);
      gpu.destroy();
    });
  }

  it("new GpuTrainer() refuses what the GPU cannot train, in one line", async () => {
    const context = await gpuContext();
    const options = cases[0][1];
    const make = (overrides: object, modelOptions: ModelOptions = options) => {
      const model = new SequenceModel(modelOptions);
      const optimizer = createOptimizer({ name: "adam", lr: 0.01 }, model);
      return () => new GpuTrainer({ context, model, optimizer, data, seqLen: 4, batch: 2, ...overrides });
    };
    expect(make({ seqLen: 0 })).toThrow(/^GpuTrainer: seqLen must be an integer >= 1, got 0$/);
    expect(make({ batch: 1.5 })).toThrow(/^GpuTrainer: batch must be an integer >= 1, got 1.5$/);
    expect(make({}, { ...options, layers: 2, dropout: 0.2 })).toThrow(
      /does not run dropout \(dropout\) yet: run this model on the CPU$/,
    );
  });

  it("trainStep() with figures off reads nothing back and still trains", async () => {
    const context = await gpuContext();
    const options = cases[0][1];
    const model = new SequenceModel(options, { seed: 2 });
    const before = model.params.data.slice();
    const gpu = new GpuTrainer({
      context,
      model,
      optimizer: createOptimizer({ name: "adam", lr: 0.01 }, model),
      data,
      seqLen: 4,
      batch: 2,
      figures: false,
    });
    const figures = await gpu.trainStep();
    expect(figures.loss).toBeNaN();
    await gpu.sync();
    expect(worstScaledError(model.params.data, before, 1e-3)).toBeGreaterThan(1e-4);
    expect(gpu.optimizer.stepCount).toBe(1);
    gpu.destroy();
  });
});
