import { describe, expect, it } from "vitest";
import { SequenceModel } from "../src/model/sequence-model.js";
import { gradientBound, gradientBoundSpec } from "../src/report/training-figures.js";
import { maxDerivative, RecurrentNormTracker } from "../src/worker/recurrent-bound.js";
import { TaskSession } from "../src/worker/task-session.js";

// The vanilla RNN's bound on the gradient through time, ‖∂h_T/∂h_{T−k}‖₂ ≤ (γ‖W‖₂)^k: γ per
// activation, ‖W‖₂ tracked by power iteration as W moves, and the figure that draws it.

const noThreads = { spawn: null, maxThreads: 1, unavailable: null };

function rnn(activation: "tanh" | "sigmoid", H: number, layers = 1): SequenceModel {
  return new SequenceModel(
    {
      cell: "rnn",
      activation,
      hiddenSize: H,
      layers,
      input: { kind: "dense", size: 2 },
      outputSize: 1,
      loss: "mse",
    },
    { seed: 1 },
  );
}

describe("maxDerivative(activation) and gradientBound", () => {
  it("γ is 1/4 for the sigmoid, 1 for tanh, relu and identity, 0 for the step (1 straight-through)", () => {
    expect(maxDerivative("sigmoid", false)).toBe(0.25);
    expect(maxDerivative("tanh", false)).toBe(1);
    expect(maxDerivative("relu", false)).toBe(1);
    expect(maxDerivative("identity", false)).toBe(1);
    expect(maxDerivative("step", false)).toBe(0);
    expect(maxDerivative("step", true)).toBe(1);
  });

  it("gradientBound({ γ 1/4, ‖W‖ 6 }, k) is 1.5^k: 1 at k = 0, 3.375 at k = 3", () => {
    const bound = { gamma: 0.25, normW: 6 };
    expect(gradientBound(bound, 0)).toBe(1);
    expect(gradientBound(bound, 3)).toBeCloseTo(3.375, 12);
    expect(gradientBound({ gamma: 1, normW: 0.5 }, 10)).toBeCloseTo(1 / 1024, 15);
  });

  it("gradientBoundSpec(norms, bound) draws ‖dL/dh_{T−k}‖/‖dL/dh_T‖ and (γ‖W‖)^k over k = 0..T", () => {
    const norms = new Float64Array([0.125, 0.25, 0.5, 1]); // T = 3
    const spec = gradientBoundSpec(norms, { gamma: 1, normW: 0.8 });
    expect(spec.y?.log).toBe(true);
    const [bound, measured] = spec.series;
    expect(bound.name).toBe("bound (γ‖W‖₂)^k, γ‖W‖₂ = 0.8");
    expect(bound.x).toEqual([0, 1, 2, 3]);
    expect(bound.y).toEqual([1, 0.8, 0.64, 0.512]);
    // Measured from the last step back: k = 0 is t = T.
    expect(measured.y).toEqual([1, 0.5, 0.25, 0.125]);
  });
});

describe("RecurrentNormTracker", () => {
  it("measures the spectral norm of W_hh = [[1, 2], [0, 1]] as 1 + √2, with the sigmoid's γ", () => {
    const model = rnn("sigmoid", 2);
    model.params.set("rnn.weight_hh_l0", [1, 2, 0, 1]);
    const tracker = RecurrentNormTracker.of(model)!;
    const { gamma, normW } = tracker.measure();
    expect(gamma).toBe(0.25);
    expect(normW).toBeCloseTo(1 + Math.SQRT2, 6);
  });

  it("follows W as it changes, and reads the top layer's matrix", () => {
    const model = rnn("tanh", 3, 2);
    const tracker = RecurrentNormTracker.of(model)!;
    model.params.set("rnn.weight_hh_l1", [3, 0, 0, 0, -5, 0, 0, 0, 1]);
    expect(tracker.measure().normW).toBeCloseTo(5, 6);
    model.params.set("rnn.weight_hh_l1", [0.5, 0, 0, 0, 0.25, 0, 0, 0, 2]);
    expect(tracker.measure().normW).toBeCloseTo(2, 6);
    model.params.set("rnn.weight_hh_l0", [9, 0, 0, 0, 9, 0, 0, 0, 9]);
    expect(tracker.measure().normW).toBeCloseTo(2, 6);
  });

  it("is null for a GRU or an LSTM, where the bound does not apply", () => {
    const model = new SequenceModel(
      { cell: "gru", hiddenSize: 4, input: { kind: "dense", size: 2 }, outputSize: 1, loss: "mse" },
      { seed: 1 },
    );
    expect(RecurrentNormTracker.of(model)).toBeNull();
  });

  it("rides on every step of a worker's task run: a vanilla RNN's γ and ‖W‖, an LSTM's null", async () => {
    const base = { task: "adding" as const, seqLen: 8, batch: 4, steps: 2 };
    const rnnRun = await TaskSession.create(
      { ...base, model: { cell: "rnn", hiddenSize: 6 } },
      {},
      noThreads,
    );
    const step = rnnRun.step();
    expect(step.recurrentBound?.gamma).toBe(1);
    expect(step.recurrentBound?.normW).toBeGreaterThan(0);
    const lstmRun = await TaskSession.create(
      { ...base, model: { cell: "lstm", hiddenSize: 6 } },
      {},
      noThreads,
    );
    expect(lstmRun.step().recurrentBound).toBeNull();
  });
});
