import { describe, expect, it } from "vitest";
import type { AnyFitTask } from "../src/fit/checkpoint.js";
import { taskNamed } from "../src/fit/checkpoint.js";
import type { ClassifyLearner } from "../src/fit/classify.js";
import type { Learner } from "../src/fit/learner.js";
import { estimateTaskMemory } from "../src/fit/task-memory.js";
import type { TaskModelOptions } from "../src/fit/task.js";
import type { FitTaskName } from "../src/fit/tasks.js";
import type { SequenceModel } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";
import { createOptimizer } from "../src/train/optimizers.js";

// estimateTaskMemory (src/fit/task-memory.ts) against what a task's learner really holds after a
// training step on a batch holding the longest example, a validation and the task's evaluation
// (its evaluation chunk), plus the optimizer's state and the batch's own arrays: never below, and
// at most 1.1 times it (the cases' worst was 1.08). The checkpoint's and the WebAssembly kernels' copies are transient and
// counted apart.

function classifyText(n: number, rng: Rng): string {
  const words = ["good", "bad", "fine", "awful", "so", "very"];
  return Array.from({ length: n }, () => {
    const text = Array.from({ length: 1 + rng.int(maxWords(n)) }, () => words[rng.int(6)]).join(" ");
    return JSON.stringify({ text, label: text.includes("good") ? "pos" : "neg" });
  }).join("\n");
}

/** Lengths vary a lot, so padding to the longest matters. */
function maxWords(n: number): number {
  return Math.max(2, Math.floor(n / 20));
}

function classifyNumeric(n: number, rng: Rng): string {
  return Array.from({ length: n }, () => {
    const x = Array.from({ length: 2 + rng.int(12) }, () => [rng.normal(), rng.normal()]);
    return JSON.stringify({ x, label: x[0][0] > 0 ? "a" : rng.int(2) ? "b" : "c" });
  }).join("\n");
}

function tagLines(n: number, rng: Rng): string {
  const words = ["the", "cat", "sat", "on", "a", "mat"];
  return Array.from({ length: n }, () => {
    const tokens = Array.from({ length: 1 + rng.int(15) }, () => words[rng.int(6)]);
    return JSON.stringify({ tokens, tags: tokens.map((t) => (t.length === 3 ? "L" : "S")) });
  }).join("\n");
}

function series(n: number, rng: Rng): string {
  const rows = ["t,y"];
  for (let t = 0; t < n; t++) rows.push(`${t},${Math.sin(t / 5) + 0.1 * rng.normal()}`);
  return rows.join("\n");
}

interface Case {
  name: string;
  task: FitTaskName;
  text: string;
  options?: Record<string, unknown>;
  model: TaskModelOptions;
  batch: number;
}

const cases: Case[] = [
  {
    name: "classify text, lstm",
    task: "classify",
    text: classifyText(200, new Rng(1)),
    options: { tokens: "word" },
    model: { cell: "lstm", hiddenSize: 8, embeddingSize: 4 },
    batch: 16,
  },
  {
    name: "classify text, 600 examples (an evaluation chunk of 256), gru, 2 layers, float64",
    task: "classify",
    text: classifyText(600, new Rng(2)),
    model: { cell: "gru", hiddenSize: 6, layers: 2, dtype: "float64" },
    batch: 32,
  },
  {
    name: "classify numeric, bidirectional, output dropout",
    task: "classify",
    text: classifyNumeric(150, new Rng(3)),
    model: { cell: "gru", hiddenSize: 8, bidirectional: true, outputDropout: 0.3 },
    batch: 8,
  },
  {
    name: "tag, bidirectional gru",
    task: "tag",
    text: tagLines(120, new Rng(4)),
    model: { cell: "gru", hiddenSize: 8, embeddingSize: 4, bidirectional: true },
    batch: 16,
  },
  {
    name: "tag, 700 lines, lstm with dropout, float64",
    task: "tag",
    text: tagLines(700, new Rng(5)),
    model: { cell: "lstm", hiddenSize: 6, layers: 2, dropout: 0.2, dtype: "float64" },
    batch: 64,
  },
  {
    name: "forecast, a target and a feature",
    task: "forecast",
    text: series(300, new Rng(6)),
    options: { target: "y", features: ["t"], window: 12, horizon: 3 },
    model: { cell: "lstm", hiddenSize: 8 },
    batch: 16,
  },
  {
    name: "forecast, 900 rows (evaluation chunks of 256), rnn",
    task: "forecast",
    text: series(900, new Rng(7)),
    options: { target: "y", window: 20, horizon: 2 },
    model: { cell: "rnn", hiddenSize: 5 },
    batch: 300,
  },
];

/** Bytes of the typed arrays among an object's values (and its `batch`'s). */
function arrayBytes(value: object): number {
  let sum = 0;
  for (const item of Object.values(value)) {
    if (ArrayBuffer.isView(item)) sum += item.byteLength;
    else if (item && typeof item === "object") sum += arrayBytes(item);
  }
  return sum;
}

type Batching = Learner<unknown> & { batch(examples: readonly unknown[]): object };

function learnerBytes(learner: Learner<unknown>): number {
  const classifier = (learner as unknown as Partial<ClassifyLearner>).classifier;
  if (classifier) return classifier.allocatedBytes;
  return (learner as unknown as { model: SequenceModel }).model.allocatedBytes;
}

/** Steps of an example (its tokens, feature rows or window). */
function stepsOf(example: unknown): number {
  const e = example as { tokens?: number[]; x?: number[][]; targets?: Float64Array };
  return e.tokens?.length ?? e.x?.length ?? e.targets?.length ?? 0;
}

function longestFirst(examples: unknown[]): unknown[] {
  return [...examples].sort((a, b) => stepsOf(b) - stepsOf(a));
}

function prepared(c: Case) {
  const task: AnyFitTask = taskNamed(c.task);
  const data = task.parse(c.text, `${c.name}.data`, c.options ?? {});
  const { train, validation } = task.split(data, 0.5, new Rng(9));
  const state = task.initialState(train, c.model);
  return { task, data, train, validation, state };
}

/** The largest batch's own arrays among the batches of these examples, chunked as `size`. */
function largestBatch(learner: Batching, examples: unknown[], size: number): number {
  return arrayBytes(learner.batch(longestFirst(examples).slice(0, size)));
}

describe("estimateTaskMemory against the bytes a task's learner holds", () => {
  it.each(cases)("training: $name", (c) => {
    const { task, train, validation, state } = prepared(c);
    const estimate = estimateTaskMemory({
      kind: "training",
      batch: c.batch,
      optimizerCopies: 2,
      train: task.memoryShape(state, train),
      validation: task.memoryShape(state, validation),
    });
    const learner = task.fromJSON(state, { seed: 1 }) as Batching;
    const optimizer = createOptimizer({ name: "adam", lr: 1e-3 }, learner.params);
    const trainExamples = longestFirst(task.examples(learner, train));
    const validationExamples = task.examples(learner, validation);
    learner.setTraining(true);
    learner.lossAndGrad(trainExamples.slice(0, c.batch));
    optimizer.step(learner.params.data, learner.params.grad);
    learner.setTraining(false);
    learner.evaluate(validationExamples);
    task.evaluate(learner, validation);
    const optimizerBytes = arrayBytes(optimizer.state().buffers);
    const batches = Math.max(
      largestBatch(learner, trainExamples, c.batch),
      largestBatch(learner, validationExamples, 256),
    );
    const measured = learnerBytes(learner) + optimizerBytes + batches;
    const held = estimate.params + estimate.grads + estimate.optimizer + estimate.activations;
    expect(held).toBeGreaterThanOrEqual(measured);
    expect(held).toBeLessThanOrEqual(1.1 * measured);
    expect(estimate.params).toBe(learner.params.data.byteLength);
    expect(estimate.optimizer).toBe(optimizerBytes);
    expect(estimate.checkpoint).toBe(3 * estimate.params); // fit's best copy, the tensors, the file
  });

  it.each(cases)("evaluation and predictions: $name", (c) => {
    const { task, data, state } = prepared(c);
    const estimate = estimateTaskMemory({ kind: "inference", data: task.memoryShape(state, data) });
    const learner = task.fromJSON(state) as Batching;
    learner.setTraining(false);
    task.evaluate(learner, data);
    // forecast's predictions: one window (B = 1), less than its evaluation's chunk.
    if (c.task !== "forecast") task.predict(learner, data);
    const measured = learnerBytes(learner) + largestBatch(learner, task.examples(learner, data), 256);
    const held = estimate.params + estimate.grads + estimate.activations;
    expect(held).toBeGreaterThanOrEqual(measured);
    expect(held).toBeLessThanOrEqual(1.1 * measured);
    expect(estimate.optimizer).toBe(0);
    expect(estimate.checkpoint).toBe(2 * estimate.params);
  });
});

describe("estimateTaskMemory scales with the data's longest example and the batch", () => {
  const c = cases[0];
  const { task, train, validation, state } = prepared(c);
  const shape = task.memoryShape(state, train);
  const use = (batch: number, longest: number) =>
    estimateTaskMemory({
      kind: "training",
      batch,
      optimizerCopies: 2,
      train: { ...shape, longest },
      validation: { ...task.memoryShape(state, validation), longest },
    });

  it("activations grow with the longest example; the parameters do not", () => {
    const short = use(16, 10);
    const long = use(16, 40);
    expect(long.params).toBe(short.params);
    expect(long.activations / short.activations).toBeGreaterThan(3);
  });

  it("a larger batch costs more, up to the number of examples", () => {
    expect(use(64, 10).total).toBeGreaterThan(use(16, 10).total);
    expect(use(10_000, 10).total).toBe(use(shape.examples, 10).total);
  });
});
