import { ConfigError } from "../errors.js";
import { Rng } from "../random.js";
import { addingBatch } from "./adding.js";
import { allOnesBatch, alternatingSumBatch, equalSoFarBatch, parityBatch } from "./bits.js";
import type { SequenceTask, TaskBatch } from "./task.js";
import { temporalOrderBatch } from "./temporal-order.js";

// The synthetic tasks of the playground and the lab. A new task is one generator and one line here.

export const sequenceTasks = {
  "alternating-sum": {
    title: "alternating sum (the seed's Q1)",
    inputSize: 1,
    outputSize: 1,
    loss: "mse",
    minLength: 1,
    batch: alternatingSumBatch,
  },
  "all-ones": {
    title: "all ones so far (Q5a)",
    inputSize: 1,
    outputSize: 1,
    loss: "bce",
    minLength: 1,
    batch: allOnesBatch,
  },
  "equal-so-far": {
    title: "two sequences equal so far (Q5b)",
    inputSize: 2,
    outputSize: 1,
    loss: "bce",
    minLength: 1,
    batch: equalSoFarBatch,
  },
  adding: {
    title: "adding problem",
    inputSize: 2,
    outputSize: 1,
    loss: "mse",
    minLength: 4,
    batch: addingBatch,
  },
  "temporal-order": {
    title: "temporal order",
    inputSize: 6,
    outputSize: 4,
    loss: "cross-entropy",
    minLength: 10,
    batch: temporalOrderBatch,
  },
  parity: {
    title: "parity so far",
    inputSize: 1,
    outputSize: 1,
    loss: "bce",
    minLength: 1,
    batch: parityBatch,
  },
} satisfies Record<string, SequenceTask>;

export type TaskName = keyof typeof sequenceTasks;
export const taskNames = Object.keys(sequenceTasks) as TaskName[];

export function sequenceTask(name: string): SequenceTask {
  const task = (sequenceTasks as Record<string, SequenceTask>)[name];
  if (!task) throw new ConfigError(`unknown task '${name}': expected one of ${taskNames.join(", ")}`);
  return task;
}

/** The loss of the best constant prediction on `batch` (what a network must beat to have learned
 *  anything): the targets' variance for mse, the entropy of their frequencies for bce and
 *  cross-entropy, over the scored steps. */
export function constantBaseline(task: SequenceTask, batch: TaskBatch): number {
  const scored = (n: number) => !batch.mask || batch.mask[n] === 1;
  const N = batch.T * batch.B;
  if (task.loss === "cross-entropy") {
    const counts = new Float64Array(task.outputSize);
    for (let n = 0; n < N; n++) if (scored(n) && batch.classes![n] >= 0) counts[batch.classes![n]]++;
    const total = counts.reduce((a, b) => a + b, 0);
    return -counts.reduce((sum, c) => (c > 0 ? sum + (c / total) * Math.log(c / total) : sum), 0);
  }
  let count = 0;
  let mean = 0;
  for (let n = 0; n < N; n++) {
    if (!scored(n)) continue;
    mean += batch.values![n];
    count++;
  }
  mean /= count;
  if (task.loss === "bce") {
    return mean > 0 && mean < 1 ? -(mean * Math.log(mean) + (1 - mean) * Math.log(1 - mean)) : 0;
  }
  let variance = 0;
  for (let n = 0; n < N; n++) if (scored(n)) variance += (batch.values![n] - mean) ** 2 / count;
  return variance;
}

/** The baseline of a task at length T, estimated on 4,096 sequences from a fixed seed. */
export function taskBaseline(task: SequenceTask, T: number): number {
  return constantBaseline(task, task.batch(new Rng(20261205), T, 4096));
}
