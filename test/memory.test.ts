import { describe, expect, it } from "vitest";
import type { ModelOptions } from "../src/model/config.js";
import { estimateMemory, MAX_TYPED_ARRAY_LENGTH, type MemoryUse } from "../src/model/memory.js";
import { parseModelConfig } from "../src/model/config-schema.js";
import { SequenceModel } from "../src/model/sequence-model.js";

// The estimate (memory.ts) against what a model really holds after a training step, or after a
// forward in evaluation mode: never below, and at most 1.1 times it (the grid's worst was 1.03).

const V = 11;

function tokens(n: number, seed: number): Int32Array {
  return Int32Array.from({ length: n }, (_, i) => (i * 7 + seed) % V);
}

/** Bytes the model holds after one step of (T, B) (training) or one forward (evaluation). */
function measured(options: ModelOptions, T: number, B: number, training: boolean): number {
  const model = new SequenceModel(options, { seed: 1 });
  const batch = { T, B, tokens: tokens(T * B, 0) };
  if (training) model.lossAndGrad(batch, { classes: tokens(T * B, 3) });
  else model.eval().forward(batch);
  return model.allocatedBytes;
}

function estimated(options: ModelOptions, use: MemoryUse): number {
  const config = new SequenceModel(options).config;
  const e = estimateMemory(config, use);
  return e.params + e.grads + e.activations;
}

const cells = ["rnn", "gru", "lstm"] as const;
const inputs = [
  { kind: "embedding", vocabSize: V, embeddingSize: 6 },
  { kind: "onehot", vocabSize: V },
] as const;
const dropouts = [
  {},
  { dropout: 0.3 },
  { inputDropout: 0.2 },
  { recurrentDropout: 0.2 },
  { zoneout: 0.1 },
  { cellZoneout: 0.1 },
  { outputDropout: 0.25 },
];
const shapes = [
  { T: 1, B: 1 },
  { T: 5, B: 3 },
  { T: 9, B: 4 },
];

function grid(): { name: string; options: ModelOptions }[] {
  const out: { name: string; options: ModelOptions }[] = [];
  for (const cell of cells) {
    for (const layers of [1, 3]) {
      for (const bidirectional of [false, true]) {
        for (const input of inputs) {
          for (const [d, drop] of dropouts.entries()) {
            if ("cellZoneout" in drop && cell !== "lstm") continue;
            const projSize = cell === "lstm" && d % 2 === 1 ? 3 : 0;
            const name = `${cell} L${layers}${bidirectional ? " bi" : ""} ${input.kind} drop${d}${projSize ? " proj" : ""}`;
            out.push({
              name,
              options: { cell, hiddenSize: 8, layers, bidirectional, projSize, input, ...drop },
            });
          }
        }
      }
    }
  }
  out.push({
    name: "rnn skip float64 dense-free layers 2",
    options: { cell: "rnn", hiddenSize: 5, layers: 2, skip: 2, dtype: "float64", input: inputs[0] },
  });
  return out;
}

describe("estimateMemory against the bytes a model holds", () => {
  const configs = grid();
  it(`covers ${configs.length} configs × ${shapes.length} shapes, training and evaluation`, () => {
    const ratios: number[] = [];
    for (const { name, options } of configs) {
      for (const { T, B } of shapes) {
        for (const training of [true, false]) {
          const use: MemoryUse = training
            ? { kind: "training", T, B, optimizerCopies: 2 }
            : { kind: "inference", T, B };
          const real = measured(options, T, B, training);
          const guess = estimated(options, use);
          const where = `${name} T ${T} B ${B} ${training ? "training" : "evaluation"}`;
          expect(guess, where).toBeGreaterThanOrEqual(real);
          expect(guess, where).toBeLessThanOrEqual(1.1 * real);
          ratios.push(guess / real);
        }
      }
    }
    expect(ratios.length).toBe(configs.length * shapes.length * 2);
  });
});

describe("estimateMemory after training and validation of other shapes", () => {
  it("covers the grow-only buffers: each at the larger of the two passes", () => {
    const options: ModelOptions = { cell: "lstm", hiddenSize: 8, layers: 2, input: inputs[0] };
    const model = new SequenceModel(options, { seed: 1 });
    model.lossAndGrad({ T: 6, B: 2, tokens: tokens(12, 0) }, { classes: tokens(12, 1) });
    model.eval().forward({ T: 3, B: 9, tokens: tokens(27, 2) });
    const e = estimateMemory(model.config, {
      kind: "training",
      T: 6,
      B: 2,
      optimizerCopies: 2,
      validation: { T: 3, B: 9 },
    });
    const guess = e.params + e.grads + e.activations;
    expect(guess).toBeGreaterThanOrEqual(model.allocatedBytes);
    expect(guess).toBeLessThanOrEqual(1.1 * model.allocatedBytes);
  });
});

describe("estimateMemory scales as the buffers do", () => {
  const config = parseModelConfig({
    cell: "lstm",
    hiddenSize: 256,
    layers: 2,
    input: { kind: "embedding", vocabSize: 65, embeddingSize: 64 },
  });
  const train = (T: number, B: number, more: Partial<MemoryUse> = {}) =>
    estimateMemory(config, { kind: "training", T, B, optimizerCopies: 2, ...more } as MemoryUse);

  it("activations grow about linearly in T·B; parameters do not change", () => {
    const small = train(64, 16);
    const large = train(128, 32);
    expect(large.params).toBe(small.params);
    expect(large.activations / small.activations).toBeGreaterThan(3.9);
    expect(large.activations / small.activations).toBeLessThanOrEqual(4);
  });

  it("the optimizer's state is its copies of the parameters; a checkpoint copies both", () => {
    const adam = train(8, 2);
    const amsgrad = train(8, 2, { optimizerCopies: 3 });
    expect(adam.optimizer).toBe(2 * adam.params);
    expect(amsgrad.optimizer).toBe(3 * adam.params);
    expect(adam.checkpoint).toBe(2 * (adam.params + adam.optimizer));
    expect(adam.params).toBe(
      4 * (65 * 64 + 2 * 4 * 256 * (64 + 256 + 2) - 4 * 256 * 64 + 4 * 256 * 256 + 65 * 257),
    );
  });

  it("threads add shared copies and a replica per worker, for its share of the rows", () => {
    const one = train(64, 32);
    const four = train(64, 32, { threads: 4 });
    const replicaRows = train(64, 8);
    expect(one.threads).toBe(0);
    expect(four.threads).toBe(one.params + 3 * (3 * one.params + replicaRows.activations));
    expect(four.total - one.total).toBe(four.threads);
  });

  it("float64 doubles the bytes; inference keeps no gradients of activations", () => {
    const f64 = estimateMemory({ ...config, dtype: "float64" }, { kind: "inference", T: 10, B: 3 });
    const f32 = estimateMemory(config, { kind: "inference", T: 10, B: 3 });
    expect(f64.params).toBe(2 * f32.params);
    expect(f32.activations).toBeLessThan(train(10, 3).activations);
    expect(f64.kernels).toBe(0);
  });

  it("generated tokens are 4 bytes per row and token", () => {
    const e = estimateMemory(config, { kind: "inference", T: 1, B: 5, generated: 1000 });
    expect(e.generated).toBe(4 * 5 * 1000);
  });

  it("names the longest array, past V8's limit for the largest flags", () => {
    const huge = parseModelConfig({
      cell: "lstm",
      hiddenSize: 4096,
      layers: 64,
      input: { kind: "embedding", vocabSize: 65, embeddingSize: 64 },
    });
    const e = estimateMemory(huge, { kind: "training", T: 100_000, B: 100_000, optimizerCopies: 2 });
    expect(e.largest.length).toBe(100_000 * 100_000 * 5 * 4096);
    expect(e.largest.name).toBe("cell cache");
    expect(e.largest.length).toBeGreaterThan(MAX_TYPED_ARRAY_LENGTH);
    expect(e.total).toBeGreaterThan(1e17);
  });
});
