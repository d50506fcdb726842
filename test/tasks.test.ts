import { describe, expect, it } from "vitest";
import { Rng } from "../src/random.js";
import {
  type SequenceTask,
  sequenceTask,
  sequenceTasks,
  taskBaseline,
  taskNames,
} from "../src/tasks/index.js";
import { TaskSession } from "../src/worker/task-session.js";

// rnnlab/tasks: each generator's targets follow from its inputs by the task's definition, the
// constant-prediction baselines match their closed forms, and a worker's TaskSession learns the
// adding problem past the mean predictor.

const noThreads = { spawn: null, maxThreads: 1, unavailable: null };

/** The target of sequence b at step t recomputed from its inputs, by each task's definition. */
const definitions: Record<string, (x: (t: number, i?: number) => number, t: number) => number> = {
  "alternating-sum": (x, t) =>
    Array.from({ length: t + 1 }, (_, i) => (-1) ** (t - i) * x(i)).reduce((a, b) => a + b),
  "all-ones": (x, t) => (Array.from({ length: t + 1 }, (_, i) => x(i)).every((v) => v === 1) ? 1 : 0),
  "equal-so-far": (x, t) =>
    Array.from({ length: t + 1 }, (_, i) => x(i, 0) === x(i, 1)).every(Boolean) ? 1 : 0,
  parity: (x, t) => Array.from({ length: t + 1 }, (_, i) => x(i)).reduce((a, b) => a ^ b, 0),
};

describe("the bit tasks' batches", () => {
  it.each(Object.keys(definitions))("%s: every target follows from the inputs", (name) => {
    const task = sequenceTask(name);
    const T = 12;
    const B = 64;
    const batch = task.batch(new Rng(3), T, B);
    const I = task.inputSize;
    for (let b = 0; b < B; b++) {
      const x = (t: number, i = 0) => batch.inputs[(t * B + b) * I + i];
      for (let t = 0; t < T; t++) expect(batch.values![t * B + b]).toBeCloseTo(definitions[name](x, t), 12);
    }
  });

  it("all ones and equal so far keep both answers common at the last step", () => {
    for (const name of ["all-ones", "equal-so-far"]) {
      const batch = sequenceTask(name).batch(new Rng(5), 20, 2000);
      const last = batch.values!.subarray(19 * 2000);
      const share = last.reduce((a, b) => a + b, 0) / 2000;
      expect(share).toBeGreaterThan(0.3);
      expect(share).toBeLessThan(0.7);
    }
  });
});

describe("taskBaseline(task, T): the best constant prediction's loss", () => {
  it.each([
    ["adding", 20, 1 / 6, 0.01],
    ["temporal-order", 20, Math.log(4), 0.01],
    ["parity", 20, Math.log(2), 0.001],
    // y_t = Σ (−1)^{t−i} x_i has variance (t+1)/3 for x uniform on [−1, 1]; over t < T: (T+1)/6
    ["alternating-sum", 10, 11 / 6, 0.05],
  ])("%s at T = %i is about %f", (name, T, expected, tolerance) => {
    expect(
      Math.abs(taskBaseline(sequenceTask(name as string), T as number) - (expected as number)),
    ).toBeLessThan(tolerance as number);
  });

  it("every registered task has a generator that gives the shapes it declares", () => {
    for (const name of taskNames) {
      const task: SequenceTask = sequenceTasks[name];
      const T = Math.max(task.minLength, 12);
      const batch = task.batch(new Rng(1), T, 3);
      expect(batch.inputs).toHaveLength(T * 3 * task.inputSize);
      if (task.loss === "cross-entropy") expect(batch.classes).toHaveLength(T * 3);
      else expect(batch.values).toHaveLength(T * 3 * task.outputSize);
    }
  });

  it("an unknown task is one line naming them", () => {
    expect(() => sequenceTask("addition")).toThrow(
      /^unknown task 'addition': expected one of alternating-sum, .*parity$/,
    );
  });
});

describe("TaskSession.create({ task })", () => {
  it("learns the adding problem below the mean predictor's loss", async () => {
    const config = {
      task: "adding" as const,
      model: { cell: "lstm" as const, hiddenSize: 16 },
      ...{ seqLen: 10, batch: 32, steps: 400, evalEvery: 400, valBatches: 4, seed: 1 },
      optimizer: { name: "adam" as const, lr: 0.01 },
    };
    const session = await TaskSession.create(config, {}, noThreads);
    const info = session.info();
    expect(info.task).toBe("adding");
    expect(info.unigramLoss).toBeCloseTo(1 / 6, 1);
    const first = session.finalLoss();
    while (!session.finished()) session.step();
    const last = session.finalLoss();
    expect(first).toBeGreaterThan(info.unigramLoss * 0.8);
    expect(last).toBeLessThan(info.unigramLoss / 2);
  }, 60_000);

  it("refuses feeding modes, samples and resumes of a task with one line each", async () => {
    await expect(
      TaskSession.create({ task: "parity", feed: { kind: "free-running", prefix: 1 } }, {}, noThreads),
    ).rejects.toThrow(/^config\.feed: a synthetic task trains by teacher forcing/);
    const session = await TaskSession.create({ task: "parity", seqLen: 8, batch: 4 }, {}, noThreads);
    expect(() => session.sample()).toThrow(/has no text to sample/);
    await expect(
      TaskSession.create({ task: "parity" }, { resume: new Uint8Array(8) }, noThreads),
    ).rejects.toThrow(/^resuming a synthetic task's run is not supported/);
  });
});
