// A small RNN learned from examples of a binary task, with the library (SequenceModel: dense input,
// vanilla RNN cell, one logit read out, BCE on logits, Adam), then turned into a WiredNet so the same
// checks and printer apply to the learned weights as to the hand-wired ones.

import { createOptimizer, type ModelConfig, type Rng, SequenceModel } from "../../src/index.js";
import type { ActivationName } from "../../src/kernels/index.js";
import type { WiredNet } from "./net.js";
import type { BinaryTask } from "./tasks.js";

export interface TrainOptions {
  hidden: number;
  activation: Extract<ActivationName, "tanh" | "sigmoid">;
  steps: number;
  /** Sequences per batch and their length. */
  batch: number;
  length: number;
  lr: number;
  /** Each training sequence keeps the condition at each step with one of these probabilities (drawn per
   *  sequence), so that long runs of 1s (agreements) appear as well as early breaks. */
  keeps: readonly number[];
}

export interface TrainedTask {
  net: WiredNet;
  /** Mean BCE per step, every 10 training steps (step index, loss). */
  curve: { step: number; loss: number }[];
  finalLoss: number;
  options: TrainOptions;
}

/** Trains a fresh model on fresh random batches of the task; returns it as a WiredNet. */
export function trainOnTask(task: BinaryTask, options: TrainOptions, rng: Rng, name: string): TrainedTask {
  const { hidden: H, steps, batch: B, length: T, lr } = options;
  const I = task.inputSize;
  const config: ModelConfig = {
    cell: "rnn",
    activation: options.activation,
    straightThrough: false,
    skip: 0,
    hiddenSize: H,
    layers: 1,
    input: { kind: "dense", size: I },
    outputSize: 1,
    loss: "bce",
    dtype: "float64",
  };
  const model = new SequenceModel(config, { seed: rng.int(0x7fffffff) });
  const adam = createOptimizer({ name: "adam", lr }, model);
  const inputs = new Float64Array(T * B * I);
  const values = new Float64Array(T * B);
  const curve: { step: number; loss: number }[] = [];
  let running = 0;
  let finalLoss = Number.NaN;
  for (let step = 0; step < steps; step++) {
    for (let b = 0; b < B; b++) {
      const keep = options.keeps[rng.int(options.keeps.length)];
      const seq = task.sample(rng, T, keep);
      let state = task.start;
      for (let t = 0; t < T; t++) {
        const x = seq[t];
        for (let k = 0; k < I; k++) inputs[(t * B + b) * I + k] = x[k];
        state = task.next(state, x, 0);
        values[t * B + b] = task.output(state);
      }
    }
    const { loss } = model.lossAndGrad({ T, B, inputs }, { values });
    adam.step(model.params.data, model.params.grad);
    running += loss;
    if ((step + 1) % 10 === 0) {
      curve.push({ step: step + 1, loss: running / 10 });
      running = 0;
    }
    finalLoss = loss;
  }
  return { net: toWired(model, name, options.activation), curve, finalLoss, options };
}

/** The model's weights as a WiredNet: h_t = act(W_ih x_t + W_hh h_{t−1} + b_ih + b_hh), y = σ(w·h_t + b). */
export function toWired(model: SequenceModel, name: string, activation: "tanh" | "sigmoid"): WiredNet {
  const p = model.params;
  const H = model.config.hiddenSize;
  const rows = (buf: ArrayLike<number>, r: number, c: number) =>
    Array.from({ length: r }, (_, i) => Array.from({ length: c }, (_, j) => buf[i * c + j]));
  const I = p.shape("rnn.weight_ih_l0")[1];
  const bih = p.value("rnn.bias_ih_l0");
  const bhh = p.value("rnn.bias_hh_l0");
  return {
    name,
    description: `learned from examples (${activation} RNN, ${H} units, BCE, Adam)`,
    layers: [
      {
        size: H,
        activation,
        inputWeights: rows(p.value("rnn.weight_ih_l0"), H, I),
        recurrentWeights: rows(p.value("rnn.weight_hh_l0"), H, H),
        bias: Array.from({ length: H }, (_, j) => bih[j] + bhh[j]),
        initial: new Array<number>(H).fill(0),
      },
    ],
    readout: {
      weights: rows(p.value("linear.weight"), 1, H),
      bias: [p.value("linear.bias")[0]],
      activation: "sigmoid",
      names: ["y"],
    },
  };
}
