import type { Library } from "./steps.js";

// Checkpoint files as the page (with dist/browser/rnnlab.js) and the test process (with
// src/index.ts) read and write them: one source for both, so their results can be compared. It
// imports only types (the test server strips them and serves it as file-steps.js).

export interface SampleOptions {
  prime: string;
  length: number;
  temperature: number;
  seed: number;
}

export interface TrainOptions {
  text: string;
  steps: number;
  seed: number;
}

/** What `rnnlab sample` prints for a checkpoint written by `rnnlab train`, without the newline. */
export function sampleCheckpoint(lib: Library, bytes: Uint8Array, options: SampleOptions): string {
  const ckpt = lib.decodeCheckpoint(bytes);
  const { model } = lib.fromCheckpoint(ckpt);
  const tokenizer = lib.Tokenizer.fromJSON(ckpt.extra?.tokenizer);
  const prime = tokenizer.encode(options.prime);
  const tokens = lib.sampleText(model, prime, options.length, new lib.Rng(options.seed), {
    temperature: options.temperature,
  });
  return options.prime + tokenizer.decode(tokens);
}

export interface TrainedFile {
  /** The checkpoint, with the tokenizer that `rnnlab sample` needs. */
  checkpoint: Uint8Array;
  /** The trained model's parameters, as read from the model itself. */
  params: number[];
}

/** A char LSTM trained with Trainer on `text`, saved as a checkpoint file. */
export function trainCheckpoint(lib: Library, options: TrainOptions): TrainedFile {
  const tokenizer = lib.Tokenizer.fromText("char", options.text);
  const model = new lib.SequenceModel(
    {
      cell: "lstm",
      hiddenSize: 16,
      dtype: "float32",
      input: { kind: "embedding", vocabSize: tokenizer.size, embeddingSize: 8 },
    },
    { seed: options.seed },
  );
  const optimizer = lib.createOptimizer({ name: "adam", lr: 1e-2 }, model);
  const data = tokenizer.encode(options.text);
  const trainer = new lib.Trainer({ model, optimizer, data, seqLen: 16, batch: 4, seed: options.seed });
  for (let step = 0; step < options.steps; step++) trainer.trainStep();
  const state = { model, optimizer, rng: trainer.rng, step: options.steps };
  const checkpoint = lib.encodeCheckpoint(
    lib.toCheckpoint({ ...state, extra: { tokenizer: tokenizer.toJSON() } }),
  );
  return { checkpoint, params: Array.from(model.params.data) };
}
