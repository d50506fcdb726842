import { describe, expect, it } from "vitest";
import { type FitBest, fit as runFit } from "../src/fit/fit.js";
import type { Learner } from "../src/fit/learner.js";
import { Params } from "../src/model/params.js";

// fit's loop on a scripted learner: each step moves the parameters by a known amount (SGD on a
// constant gradient), each validation returns the next value of a script. So the steps taken, the
// best parameters restored and the lrs used are known exactly.

/** w starts at 0; the gradient is always [1, −1], so after s SGD steps at lr 0.1, w = [−0.1s, 0.1s]. */
function scripted(losses: number[]) {
  const params = new Params([{ name: "w", shape: [2] }], "float64");
  const seen: number[][] = [];
  let evaluations = 0;
  let training = false;
  const modes: boolean[] = [];
  const learner: Learner<number> = {
    params,
    monitor: { metric: "loss", mode: "min" },
    lossAndGrad(examples) {
      seen.push([...examples]);
      params.grad.set([1, -1]);
      return 1;
    },
    evaluate() {
      modes.push(training);
      return { loss: losses[Math.min(evaluations++, losses.length - 1)], accuracy: 0.5 };
    },
    setTraining(on) {
      training = on;
    },
  };
  return { learner, params, seen, modes, isTraining: () => training };
}

const data = Array.from({ length: 8 }, (_, i) => i);
const sgd = { name: "sgd", lr: 0.1 } as const;

describe("fit", () => {
  it("visits every example once per epoch, in shuffled batches", () => {
    const { learner, seen } = scripted([1]);
    const result = runFit(learner, data, { optimizer: sgd, epochs: 3, batchSize: 3, seed: 1 });
    expect(result).toMatchObject({ steps: 9, epochs: 3, stoppedBy: "done", best: null });
    for (let epoch = 0; epoch < 3; epoch++) {
      const batches = seen.slice(epoch * 3, epoch * 3 + 3);
      expect(batches.map((b) => b.length)).toEqual([3, 3, 2]);
      expect(batches.flat().sort()).toEqual(data);
    }
    expect(seen.flat()).not.toEqual([...data, ...data, ...data]);
  });

  it("stops after `patience` evaluations without improvement and restores the best parameters", () => {
    // One evaluation per epoch of 2 steps; the best loss (0.5) is at epoch 2, step 4.
    const { learner, params, modes, isTraining } = scripted([0.9, 0.5, 0.6, 0.5, 0.7, 0.1]);
    const bests: FitBest[] = [];
    const result = runFit(learner, data, {
      optimizer: sgd,
      epochs: 10,
      batchSize: 4,
      validation: [0],
      patience: 3,
      onBest: (best) => bests.push(best),
    });
    expect(result.stoppedBy).toBe("early-stopping");
    expect(result.steps).toBe(10);
    expect(result.best).toMatchObject({ step: 4, epoch: 2, value: 0.5 });
    expect(Array.from(params.data)).toEqual([-0.1 * 4, 0.1 * 4].map((v) => expect.closeTo(v, 12)));
    expect(bests.map((b) => b.step)).toEqual([2, 4]);
    expect(Array.from(bests[0].params)).toEqual([-0.1 * 2, 0.1 * 2].map((v) => expect.closeTo(v, 12)));
    expect(result.evaluations.map((e) => e.best)).toEqual([true, true, false, false, false]);
    expect(modes.every((training) => !training)).toBe(true);
    expect(isTraining()).toBe(false);
  });

  it("keepBest false leaves the last parameters; minDelta makes small gains not count", () => {
    const { learner, params } = scripted([1, 0.99, 0.98, 0.97]);
    const result = runFit(learner, data, {
      optimizer: sgd,
      epochs: 4,
      batchSize: 8,
      validation: [0],
      minDelta: 0.05,
      keepBest: false,
      patience: 3,
    });
    expect(result.best?.step).toBe(1);
    expect(result.stoppedBy).toBe("early-stopping");
    expect(params.data[0]).toBeCloseTo(-0.4, 12);
  });

  it("watches a metric the caller names, in its direction", () => {
    const { learner } = scripted([1]);
    const result = runFit(learner, data, {
      optimizer: sgd,
      epochs: 2,
      batchSize: 8,
      validation: [0],
      monitor: { metric: "accuracy", mode: "max" },
    });
    expect(result.best?.value).toBe(0.5);
    expect(() => runFit(learner, data, { validation: [0], monitor: { metric: "f1", mode: "max" } })).toThrow(
      /"f1" is not among the learner's metrics \(loss, accuracy\)/,
    );
  });

  it("reduce-on-plateau cuts the lr the steps use, as PyTorch would after each evaluation", () => {
    const { learner } = scripted([1, 1, 1, 1, 1]);
    const lrs: number[] = [];
    const result = runFit(learner, data, {
      optimizer: sgd,
      epochs: 5,
      batchSize: 8,
      validation: [0],
      reduceOnPlateau: { factor: 0.5, patience: 1 },
      onStep: (record) => {
        lrs.push(record.lr);
      },
    });
    // evaluations: 1 (best), 1 (bad 1), 1 (bad 2 > 1: cut), 1 (bad 1), 1 (cut)
    expect(lrs).toEqual([0.1, 0.1, 0.1, 0.05, 0.05]);
    expect(result.lr).toBeCloseTo(0.025, 15);
    expect(result.evaluations.map((e) => e.lr)).toEqual([0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  it("evaluates every evalEvery steps and once more at the end", () => {
    const { learner } = scripted([3, 2, 1]);
    const result = runFit(learner, data, {
      optimizer: sgd,
      steps: 5,
      batchSize: 2,
      validation: [0],
      evalEvery: 2,
    });
    expect(result.evaluations.map((e) => e.step)).toEqual([2, 4, 5]);
    expect(result.epochs).toBe(2);
  });

  it("stops when a callback returns stop or the signal is aborted", () => {
    const { learner } = scripted([1]);
    const byStep = runFit(learner, data, {
      optimizer: sgd,
      epochs: 5,
      batchSize: 2,
      onStep: (r) => (r.step === 3 ? "stop" : undefined),
    });
    expect(byStep).toMatchObject({ steps: 3, stoppedBy: "callback" });
    const byEpoch = runFit(learner, data, {
      optimizer: sgd,
      epochs: 5,
      batchSize: 2,
      onEpochEnd: (r) => (r.epoch === 2 ? "stop" : undefined),
    });
    expect(byEpoch).toMatchObject({ steps: 8, epochs: 2, stoppedBy: "callback" });
    const signal = { aborted: false };
    const bySignal = runFit(learner, data, {
      optimizer: sgd,
      epochs: 5,
      batchSize: 2,
      signal,
      onStep: (r) => {
        if (r.step === 6) signal.aborted = true;
      },
    });
    expect(bySignal).toMatchObject({ steps: 6, stoppedBy: "signal" });
  });

  it("onEpochEnd gets the epoch's mean training loss and its validation", () => {
    const { learner } = scripted([0.7]);
    const records: { epoch: number; trainLoss: number; loss?: number }[] = [];
    runFit(learner, data, {
      optimizer: sgd,
      epochs: 2,
      batchSize: 4,
      validation: [0],
      onEpochEnd: (r) => {
        records.push({ epoch: r.epoch, trainLoss: r.trainLoss, loss: r.validation?.metrics.loss });
      },
    });
    expect(records).toEqual([
      { epoch: 1, trainLoss: 1, loss: 0.7 },
      { epoch: 2, trainLoss: 1, loss: 0.7 },
    ]);
  });

  it("rejects options that cannot work, in one line naming the fix", () => {
    const { learner } = scripted([1]);
    expect(() => runFit(learner, [], {})).toThrow(/training data is empty/);
    expect(() => runFit(learner, data, { patience: 2 })).toThrow(
      /patience watches a validation metric; give validation examples/,
    );
    expect(() => runFit(learner, data, { reduceOnPlateau: {} })).toThrow(
      /reduceOnPlateau watches a validation metric/,
    );
    expect(() => runFit(learner, data, { batchSize: 0 })).toThrow(/batchSize must be an integer >= 1, got 0/);
    expect(() => runFit(learner, data, { validation: [] })).toThrow(/validation data is empty/);
  });
});
