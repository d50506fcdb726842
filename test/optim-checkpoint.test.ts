import { describe, expect, it } from "vitest";
import { decodeCheckpoint, encodeCheckpoint } from "../src/io/checkpoint.js";
import { fromCheckpoint, toCheckpoint } from "../src/io/model-checkpoint.js";
import type { ModelConfig } from "../src/model/config.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { createOptimizer, type Optimizer, type OptimizerConfig } from "../src/train/optimizers.js";

// The state of RMSprop (square_avg, momentum_buffer, grad_avg), Adagrad (sum) and amsgrad
// (max_exp_avg_sq) goes into a checkpoint and comes back: the resumed run takes the same next steps.

const config: ModelConfig = {
  cell: "gru",
  activation: "tanh",
  straightThrough: false,
  skip: 0,
  hiddenSize: 5,
  layers: 1,
  input: { kind: "embedding", vocabSize: 7, embeddingSize: 3 },
  outputSize: 7,
  loss: "cross-entropy",
  dtype: "float64",
};

function trainStep(model: SequenceModel, optimizer: Optimizer, rng: Rng): number {
  const T = 4;
  const B = 2;
  const tokens = Int32Array.from({ length: T * B }, () => rng.int(7));
  const classes = Int32Array.from({ length: T * B }, () => rng.int(7));
  const loss = model.lossAndGrad({ T, B, tokens }, { classes }).loss;
  optimizer.step(model.params.data, model.params.grad);
  return loss;
}

const cases: OptimizerConfig[] = [
  { name: "rmsprop", lr: 0.01, momentum: 0.9, centered: true, weightDecay: 0.01 },
  { name: "rmsprop", lr: 0.01 },
  { name: "adagrad", lr: 0.1, lrDecay: 0.01, initialAccumulatorValue: 0.1 },
  { name: "adam", lr: 0.01, amsgrad: true },
  { name: "adamw", lr: 0.01, amsgrad: true },
];

describe("optimizer state through a checkpoint", () => {
  it.each(cases)(
    "%j: saved after 3 steps and resumed, the next 3 steps are bit-identical",
    (optimizerConfig) => {
      const model = new SequenceModel(config, { seed: 2 });
      const optimizer = createOptimizer(optimizerConfig, model);
      const rng = new Rng(5);
      for (let i = 0; i < 3; i++) trainStep(model, optimizer, rng);
      const ckpt = decodeCheckpoint(encodeCheckpoint(toCheckpoint({ model, optimizer, rng, step: 3 })));
      expect(Object.keys(ckpt.optimizer?.buffers ?? {}).sort()).toEqual(
        Object.keys(optimizer.state().buffers).sort(),
      );
      const restored = fromCheckpoint(ckpt);
      const resumed = restored.optimizer as Optimizer;
      expect(resumed.config).toEqual(optimizer.config);
      const lossesA = [0, 1, 2].map(() => trainStep(model, optimizer, rng));
      const lossesB = [0, 1, 2].map(() => trainStep(restored.model, resumed, restored.rng));
      expect(lossesB).toEqual(lossesA);
      expect(Array.from(restored.model.params.data)).toEqual(Array.from(model.params.data));
      expect(resumed.stepCount).toBe(6);
    },
  );
});
