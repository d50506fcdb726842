import { describe, expect, it } from "vitest";
import { FormatError } from "../src/errors.js";
import {
  decodeTaskCheckpoint,
  encodeTaskCheckpoint,
  NotATaskCheckpointError,
  type TaskRunInfo,
  taskOfBytes,
} from "../src/fit/checkpoint.js";
import { fit as runFit } from "../src/fit/fit.js";
import { fitTasks } from "../src/fit/tasks.js";
import { encodeCheckpoint } from "../src/io/checkpoint.js";
import { toCheckpoint } from "../src/io/model-checkpoint.js";
import { SequenceModel } from "../src/model/sequence-model.js";
import { Rng } from "../src/random.js";

// A fit() learner saved with encodeTaskCheckpoint and read back with decodeTaskCheckpoint predicts
// what it predicted before; damage, a language model's checkpoint and stray tensors are refused.

const task = fitTasks.tag;
const text = [
  '{"tokens": ["a", "cat", "sat"], "tags": ["D", "N", "V"]}',
  '{"tokens": ["the", "dog", "ran"], "tags": ["D", "N", "V"]}',
  '{"tokens": ["a", "dog", "sat"], "tags": ["D", "N", "V"]}',
  '{"tokens": ["the", "cat", "ran"], "tags": ["D", "N", "V"]}',
].join("\n");
const data = task.parse(text, "tags.jsonl");

function trained() {
  const learner = task.createLearner(data, { cell: "gru", hiddenSize: 6, embeddingSize: 4 }, { seed: 1 });
  runFit(learner, task.examples(learner, data), {
    optimizer: { name: "adam", lr: 0.05 },
    epochs: 5,
    batchSize: 4,
    seed: 2,
  });
  learner.setTraining(false);
  const info: TaskRunInfo = {
    task: "tag",
    data: "tags.jsonl",
    options: {},
    valFraction: 0,
    seed: 1,
    step: 5,
    epoch: 5,
    metrics: { loss: 0 },
  };
  const bytes = encodeTaskCheckpoint(learner, learner.params.data, { info, state: task.toJSON(learner) });
  return { learner, info, bytes };
}

describe("encodeTaskCheckpoint / decodeTaskCheckpoint", () => {
  it("round-trips a fit() learner: the same parameters, predictions and run info", () => {
    const { learner, info, bytes } = trained();
    expect(taskOfBytes(bytes)).toBe("tag");
    const loaded = decodeTaskCheckpoint(bytes);
    expect(loaded.info).toEqual(info);
    expect(Array.from(loaded.learner.params.data)).toEqual(Array.from(learner.params.data));
    expect(loaded.task.predict(loaded.learner, data)).toEqual(task.predict(learner, data));
  });

  it("a flipped bit in the tensor data: a FormatError naming the tensor", () => {
    const { bytes } = trained();
    const damaged = bytes.slice();
    damaged[damaged.length - 3] ^= 0x10;
    expect(() => decodeTaskCheckpoint(damaged)).toThrow(FormatError);
    expect(() => decodeTaskCheckpoint(damaged)).toThrow(/checksum|CRC/i);
  });

  it("a language model's checkpoint: NotATaskCheckpointError, and taskOfBytes is null", () => {
    const model = new SequenceModel({
      cell: "rnn",
      hiddenSize: 3,
      input: { kind: "embedding", vocabSize: 5, embeddingSize: 2 },
      outputSize: 5,
      loss: "cross-entropy",
    });
    const bytes = encodeCheckpoint(toCheckpoint({ model, optimizer: null, step: 0, rng: new Rng(1) }));
    expect(taskOfBytes(bytes)).toBeNull();
    expect(() => decodeTaskCheckpoint(bytes)).toThrow(NotATaskCheckpointError);
    expect(taskOfBytes(new Uint8Array([1, 2, 3]))).toBeNull();
  });
});
