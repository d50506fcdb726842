import type * as Rnnlab from "../../src/index.js";

// The training steps that the page runs with dist/browser/rnnlab.js and the test process with
// src/index.ts: one source for both, so their losses can be compared. It imports only types (the
// test server strips them and serves it as steps.js); the library comes in as an argument.

export type Library = typeof Rnnlab;

export interface RunOptions {
  cell: "gru" | "lstm";
  dtype: "float32" | "float64";
  steps: number;
  seed: number;
}

export interface Run {
  losses: number[];
  /** The trained model, optimizer and generator as checkpoint bytes. */
  checkpoint: Uint8Array;
}

const TEXT = "the quick brown fox jumps over the lazy dog; ".repeat(40);
const SEQ_LEN = 16;
const BATCH = 8;

/** A small char model trained for `steps` steps: windows, forward, BPTT, clip to norm 1, Adam. */
export function train(lib: Library, options: RunOptions): Run {
  const tokenizer = lib.Tokenizer.fromText("char", TEXT);
  const stream = tokenizer.encode(TEXT);
  const model = new lib.SequenceModel(
    {
      cell: options.cell,
      hiddenSize: 32,
      dtype: options.dtype,
      input: { kind: "embedding", vocabSize: tokenizer.size, embeddingSize: 8 },
    },
    { seed: options.seed },
  );
  const optimizer = lib.createOptimizer({ name: "adam", lr: 1e-2 }, model);
  const rng = new lib.Rng(options.seed);
  const batch = lib.emptyBatch(SEQ_LEN, BATCH);
  const losses: number[] = [];
  for (let step = 0; step < options.steps; step++) {
    lib.sampleWindows(stream, rng, batch);
    losses.push(model.lossAndGrad(batch, batch).loss);
    lib.clipGradNorm([model.params.grad], 1);
    optimizer.step(model.params.data, model.params.grad);
  }
  const state = { model, optimizer, rng, step: options.steps };
  return { losses, checkpoint: lib.encodeCheckpoint(lib.toCheckpoint(state)) };
}
