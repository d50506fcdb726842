import { Tokenizer, type TokenizerJSON } from "../data/tokenizer.js";
import { ConfigError } from "../errors.js";
import { logSoftmax } from "../eval/divergence.js";
import type { ModelConfig } from "../model/config.js";
import { parseModelConfig } from "../model/config-schema.js";
import { padSequences } from "../model/pad.js";
import type { Batch } from "../model/sequence-model.js";
import { SequenceClassifier } from "./classifier.js";
import {
  type ClassifyData,
  type ClassifyOptions,
  type ClassifyRecord,
  parseClassify,
} from "./classify-data.js";
import { chunks, EVAL_CHUNK, type Learner, setModelTraining } from "./learner.js";
import { accuracy, confusionMatrix, macroF1, type Metrics } from "./metrics.js";
import { lineError, mostFrequent, randomSplit } from "./source.js";
import type { TaskShape } from "./task-memory.js";
import {
  checkTaskOptions,
  type FitTask,
  splitEmbedding,
  type TaskEvaluation,
  type TaskModelOptions,
} from "./task.js";

// classify (many-to-one): a sequence of characters, words or feature vectors → one label.
// Batching pads with padSequences; the loss is SequenceClassifier's cross-entropy on the last
// valid step; metrics accuracy and macro-F1 (confusion matrix in the evaluation); the baseline
// always answers the training set's most frequent label.

/** One encoded sequence: tokens (text) or steps of features (numeric), and the label's index. */
export interface ClassifyExample {
  line: number;
  tokens?: number[];
  x?: number[][];
  label: number;
}

/** What a checkpoint stores beside the parameters. */
export interface ClassifyState {
  task: "classify";
  model: ModelConfig;
  labels: string[];
  tokenizer: TokenizerJSON | null;
  /** The training set's most frequent label (the baseline's answer), an index into labels. */
  majority: number;
}

export interface ClassifyPrediction {
  label: string;
  /** softmax over the labels, in `labels` order. */
  probabilities: number[];
}

export class ClassifyLearner implements Learner<ClassifyExample> {
  readonly monitor = { metric: "accuracy", mode: "max" } as const;
  readonly classifier: SequenceClassifier;
  readonly labels: string[];
  readonly tokenizer: Tokenizer | null;
  readonly majority: number;

  /** A learner with `state`'s labels, tokenizer and model, its parameters drawn from `seed`. */
  constructor(state: ClassifyState, seed = 0) {
    this.labels = state.labels;
    this.tokenizer = state.tokenizer ? Tokenizer.fromJSON(state.tokenizer) : null;
    this.majority = state.majority;
    const { outputSize: _, ...model } = state.model;
    this.classifier = new SequenceClassifier(model, state.labels.length, { seed });
  }

  get params() {
    return this.classifier.params;
  }

  toJSON(): ClassifyState {
    return {
      task: "classify",
      model: this.classifier.model.config,
      labels: [...this.labels],
      tokenizer: this.tokenizer?.toJSON() ?? null,
      majority: this.majority,
    };
  }

  setTraining(training: boolean): void {
    setModelTraining(this.classifier.model, training);
  }

  /** The batch of examples, padded, time-major. */
  batch(examples: readonly ClassifyExample[]): Batch {
    const dtype = this.classifier.model.config.dtype;
    if (this.tokenizer) {
      const padded = padSequences(examples.map((e) => e.tokens ?? []));
      return { T: padded.T, B: padded.B, tokens: padded.tokens, lengths: padded.lengths };
    }
    const padded = padSequences(
      examples.map((e) => e.x ?? []),
      0,
      dtype,
    );
    return { T: padded.T, B: padded.B, inputs: padded.inputs, lengths: padded.lengths };
  }

  lossAndGrad(examples: readonly ClassifyExample[]): number {
    const labels = Int32Array.from(examples, (e) => e.label);
    return this.classifier.lossAndGrad(this.batch(examples), labels);
  }

  /** Predicted label indices and softmax probabilities [B×C], in evaluation mode. */
  scores(examples: readonly ClassifyExample[]): {
    predicted: Int32Array;
    probabilities: Float64Array;
    loss: number;
  } {
    const C = this.labels.length;
    const predicted = new Int32Array(examples.length);
    const probabilities = new Float64Array(examples.length * C);
    let lossSum = 0;
    let offset = 0;
    for (const part of chunks(examples, EVAL_CHUNK)) {
      const logits = this.classifier.forward(this.batch(part));
      lossSum += this.classifier.loss(Int32Array.from(part, (e) => Math.max(e.label, 0))) * part.length;
      for (let b = 0; b < part.length; b++) {
        const row = probabilities.subarray((offset + b) * C, (offset + b + 1) * C);
        logSoftmax(logits, b * C, C, row);
        for (let c = 0; c < C; c++) row[c] = Math.exp(row[c]);
        predicted[offset + b] = argmax(logits, b * C, C);
      }
      offset += part.length;
    }
    return { predicted, probabilities, loss: lossSum / examples.length };
  }

  evaluate(examples: readonly ClassifyExample[]): Metrics {
    const { predicted, loss } = this.scores(examples);
    const actual = Int32Array.from(examples, (e) => e.label);
    const confusion = confusionMatrix(predicted, actual, this.labels.length);
    return { loss, accuracy: accuracy(predicted, actual), macroF1: macroF1(confusion) };
  }

  /** Records as examples; label −1 where a record has none (allowed only with `unlabelled`). */
  encode(data: ClassifyData, unlabelled = false): ClassifyExample[] {
    const kind = this.tokenizer ? "text" : "numeric";
    if (data.kind !== kind) {
      throw new ConfigError(
        `${data.fileName}: this classifier reads ${kind} sequences, the file holds ${data.kind} ones; give a file like its training data`,
      );
    }
    const width =
      this.classifier.model.config.input.kind === "dense" ? this.classifier.model.config.input.size : 0;
    if (!this.tokenizer && data.features !== width) {
      throw lineError(
        data.fileName,
        data.examples[0].line,
        `steps have ${data.features} features, the model takes ${width}; give the training data's columns`,
      );
    }
    return data.examples.map((record) => this.encodeOne(data.fileName, record, unlabelled));
  }

  private encodeOne(fileName: string, record: ClassifyRecord, unlabelled: boolean): ClassifyExample {
    const label = record.label === null ? -1 : this.labels.indexOf(record.label);
    if (record.label === null && !unlabelled) {
      throw lineError(fileName, record.line, 'no "label"; training and evaluation need one on every line');
    }
    if (record.label !== null && label < 0) {
      throw lineError(
        fileName,
        record.line,
        `label ${JSON.stringify(record.label)} never appears in the training data (its labels: ${this.labels.join(", ")}); drop the line or add training examples of it`,
      );
    }
    if (!this.tokenizer) return { line: record.line, x: record.x, label };
    const tokens = Array.from(this.tokenizer.encode(record.text ?? ""));
    if (tokens.length === 0)
      throw lineError(fileName, record.line, "the text holds no tokens; give some text");
    return { line: record.line, tokens, label };
  }
}

function argmax(values: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (values[from + i] > values[from + best]) best = i;
  return best;
}

/** The learner's state for fresh training on `train`: labels sorted, tokenizer from its texts. */
function freshState(train: ClassifyData, model: TaskModelOptions): ClassifyState {
  const counts = new Map<string, number>();
  for (const record of train.examples) {
    if (record.label === null)
      throw lineError(train.fileName, record.line, 'no "label"; training needs one on every line');
    counts.set(record.label, (counts.get(record.label) ?? 0) + 1);
  }
  const labels = [...counts.keys()].sort();
  if (labels.length < 2) {
    throw new ConfigError(
      `${train.fileName}: the training data has ${labels.length} label (${labels.join("")}); a classifier needs at least 2`,
    );
  }
  const { rest, embeddingSize } = splitEmbedding(model);
  let tokenizer: Tokenizer | null = null;
  let input: ModelConfig["input"] = { kind: "dense", size: train.features };
  if (train.kind === "text") {
    tokenizer = Tokenizer.fromText(train.tokens, train.examples.map((r) => r.text).join("\n"));
    input = { kind: "embedding", vocabSize: tokenizer.size, embeddingSize };
  }
  return {
    task: "classify",
    model: parseModelConfig({ ...rest, input, outputSize: 0 }),
    labels,
    tokenizer: tokenizer?.toJSON() ?? null,
    majority: labels.indexOf(mostFrequent(counts)),
  };
}

/** Steps of each record: its tokens under the state's tokenizer, or its feature rows. */
function classifyShape(state: ClassifyState, data: ClassifyData): TaskShape {
  const tokenizer = state.tokenizer ? Tokenizer.fromJSON(state.tokenizer) : null;
  let longest = 1;
  for (const record of data.examples) {
    const steps = tokenizer ? tokenizer.encode(record.text ?? "").length : (record.x?.length ?? 0);
    longest = Math.max(longest, steps);
  }
  return {
    model: state.model,
    classes: state.labels.length,
    longest,
    examples: data.examples.length,
    padded: true,
    masked: false,
    targetBytes: 0,
  };
}

const CLASSIFY_OPTIONS: readonly string[] = ["tokens"];

export const classifyTask: FitTask<
  ClassifyOptions,
  ClassifyData,
  ClassifyExample,
  ClassifyLearner,
  ClassifyState,
  ClassifyPrediction
> = {
  name: "classify",
  description: "one label per sequence (text or numeric steps), read from the last step",
  optionNames: CLASSIFY_OPTIONS,
  parse(text, fileName, options = {}) {
    checkTaskOptions("classify", options, CLASSIFY_OPTIONS);
    return parseClassify(text, fileName, options);
  },
  split: (data, fraction, rng) => {
    const { train, validation } = randomSplit(data, fraction, rng);
    return { train: { ...data, ...train }, validation: { ...data, ...validation } };
  },
  suggestModel: (train) =>
    train.kind === "text"
      ? { cell: "gru", hiddenSize: 64, embeddingSize: 16 }
      : { cell: "gru", hiddenSize: 32 },
  createLearner: (train, model, init = {}) => new ClassifyLearner(freshState(train, model), init.seed ?? 0),
  initialState: freshState,
  memoryShape: classifyShape,
  examples: (learner, data) => learner.encode(data),
  evaluate(learner, data) {
    learner.setTraining(false);
    const examples = learner.encode(data);
    const metrics = learner.evaluate(examples);
    const actual = Int32Array.from(examples, (e) => e.label);
    const { predicted } = learner.scores(examples);
    const baselinePredicted = new Int32Array(examples.length).fill(learner.majority);
    const baseline = confusionMatrix(baselinePredicted, actual, learner.labels.length);
    const evaluation: TaskEvaluation = {
      metrics,
      baselines: { majority: { accuracy: accuracy(baselinePredicted, actual), macroF1: macroF1(baseline) } },
      confusion: {
        labels: [...learner.labels],
        counts: confusionMatrix(predicted, actual, learner.labels.length),
      },
    };
    return evaluation;
  },
  predict(learner, data) {
    learner.setTraining(false);
    const examples = learner.encode(data, true);
    const { predicted, probabilities } = learner.scores(examples);
    const C = learner.labels.length;
    return Array.from(predicted, (p, i) => ({
      label: learner.labels[p],
      probabilities: Array.from(probabilities.subarray(i * C, (i + 1) * C)),
    }));
  },
  toJSON: (learner) => learner.toJSON(),
  fromJSON: (state, init = {}) => new ClassifyLearner(state, init.seed ?? 0),
};
