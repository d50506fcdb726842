import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { importTorchCommand } from "../cli/commands/import-torch.js";
import { loadCheckpointFile } from "../cli/files.js";
import { decodeCheckpoint, encodeCheckpoint } from "../src/io/checkpoint.js";
import { fromCheckpoint, toCheckpoint } from "../src/io/model-checkpoint.js";
import type { ModelConfig } from "../src/model/config.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { clipGradNorm } from "../src/train/clip.js";
import { createOptimizer, type Optimizer } from "../src/train/optimizers.js";

const config: ModelConfig = {
  cell: "lstm",
  activation: "tanh",
  straightThrough: false,
  skip: 0,
  hiddenSize: 6,
  layers: 2,
  input: { kind: "embedding", vocabSize: 9, embeddingSize: 4 },
  outputSize: 9,
  loss: "cross-entropy",
  dtype: "float32",
};

function trainStep(model: SequenceModel, optimizer: Optimizer, rng: Rng): number {
  const T = 5;
  const B = 3;
  const tokens = Int32Array.from({ length: T * B }, () => rng.int(9));
  const classes = Int32Array.from({ length: T * B }, () => rng.int(9));
  const loss = model.lossAndGrad({ T, B, tokens }, { classes }).loss;
  clipGradNorm(model.params.gradViews(), 0.5);
  optimizer.step(model.params.data, model.params.grad);
  return loss;
}

describe("toCheckpoint / fromCheckpoint", () => {
  it.each(["adam", "sgd"] as const)(
    "a run saved and restored (%s) continues bit-identically to one never stopped",
    (name) => {
      const optimizerConfig =
        name === "adam" ? { name, lr: 0.01 } : { name, lr: 0.1, momentum: 0.9, nesterov: true };
      const model = new SequenceModel(config, { seed: 4 });
      const optimizer = createOptimizer(optimizerConfig, model);
      const rng = new Rng(8);
      for (let i = 0; i < 3; i++) trainStep(model, optimizer, rng);
      const bytes = encodeCheckpoint(toCheckpoint({ model, optimizer, rng, step: 3, extra: { note: "x" } }));
      const restored = fromCheckpoint(decodeCheckpoint(bytes));
      expect(restored.step).toBe(3);
      expect(restored.extra).toEqual({ note: "x" });
      const lossesA = [0, 1, 2].map(() => trainStep(model, optimizer, rng));
      const lossesB = [0, 1, 2].map(() =>
        trainStep(restored.model, restored.optimizer as Optimizer, restored.rng),
      );
      expect(lossesB).toEqual(lossesA);
      expect(Array.from(restored.model.params.data)).toEqual(Array.from(model.params.data));
      expect(restored.optimizer?.stepCount).toBe(optimizer.stepCount);
    },
  );

  it("fromCheckpoint of a checkpoint whose optimizer state is broken: FormatError", () => {
    const model = new SequenceModel(config);
    const optimizer = createOptimizer({ name: "adam", lr: 0.01 }, model);
    const ckpt = toCheckpoint({ model, optimizer, rng: new Rng(1), step: 0 });
    ckpt.optimizer = { config: { name: "adam", lr: 0.01, betas: [0.9, 0.99] }, step: 0, buffers: {} };
    expect(() => fromCheckpoint(ckpt)).toThrow(/optimizer state is invalid/);
  });
});

describe("rnnlab import-torch, then the model's forward", () => {
  const dir = "test/fixtures/torch-state-dict";
  const scratch = mkdtempSync(join(tmpdir(), "rnnlab-import-"));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));
  it.each(["lstm_L2_V13_E6_H8", "gru_L1_V13_E6_H8", "rnn_L1_V13_E6_H8"])(
    "%s.safetensors from a PyTorch state_dict gives PyTorch's logits",
    (name) => {
      const reference = JSON.parse(readFileSync(`${dir}/${name}.json`, "utf8"));
      const out = join(scratch, `${name}.ckpt`);
      importTorchCommand(`${dir}/${name}.safetensors`, { out, dtype: "float64" }, () => {});
      const { model } = fromCheckpoint(loadCheckpointFile(out));
      expect(model.config.cell).toBe(reference.kind);
      expect(model.config.layers).toBe(reference.layers);
      const T = reference.tokens.length;
      const B = reference.tokens[0].length;
      const logits = model.forward({ T, B, tokens: Int32Array.from(reference.tokens.flat()) });
      const expected: number[] = reference.logits.flat(2);
      const maxError = Math.max(...expected.map((v, i) => Math.abs(v - logits[i])));
      expect(maxError).toBeLessThan(1e-12);
    },
  );
});
