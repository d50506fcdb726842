import { UNKNOWN } from "../data/tokenizer.js";
import { ConfigError } from "../errors.js";
import type { ModelConfig } from "../model/config.js";
import { parseModelConfig } from "../model/config-schema.js";
import { padSequences } from "../model/pad.js";
import { type Batch, SequenceModel } from "../model/sequence-model.js";
import { chunks, EVAL_CHUNK, type Learner, setModelTraining } from "./learner.js";
import type { Metrics } from "./metrics.js";
import { checkKeys, type Dataset, lineError, mostFrequent, parseJsonLines, randomSplit } from "./source.js";
import { checkTaskOptions, type FitTask, splitEmbedding } from "./task.js";

// tag (aligned many-to-many): JSONL {"tokens": [...], "tags": [...]}, one tag per token. The model
// is a SequenceModel over an embedding of the training tokens (token 0: <unk>) with a readout of one
// logit per tag at every step and cross-entropy there (bidirectional allowed: each step reads
// [forward h_t, reverse h_t]). Scored by per-token accuracy; the baseline gives each token the tag
// it had most often in training, and an unknown token the most frequent tag overall.

export interface TagRecord {
  line: number;
  tokens: string[];
  /** null: none given (predict only). */
  tags: string[] | null;
}

export type TagData = Dataset<TagRecord>;

export interface TagExample {
  line: number;
  tokens: number[];
  tags: number[];
}

export interface TagState {
  task: "tag";
  model: ModelConfig;
  /** The token vocabulary, <unk> first. */
  vocab: string[];
  tags: string[];
  /** The baseline: per vocabulary entry, its most frequent training tag (<unk>: the overall one). */
  tokenTags: number[];
}

export function parseTag(text: string, fileName: string): TagData {
  const examples = parseJsonLines(text, fileName).map(({ line, value }) => {
    checkKeys(fileName, line, value, ["tokens", "tags"]);
    const tokens = stringList(fileName, line, value.tokens, "tokens");
    if (value.tags === undefined || value.tags === null) return { line, tokens, tags: null };
    const tags = stringList(fileName, line, value.tags, "tags");
    if (tags.length !== tokens.length) {
      throw lineError(
        fileName,
        line,
        `${tokens.length} tokens but ${tags.length} tags; give one tag per token`,
      );
    }
    return { line, tokens, tags };
  });
  return { fileName, examples };
}

function stringList(fileName: string, line: number, value: unknown, key: string): string[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw lineError(fileName, line, `"${key}" must be a non-empty list of strings like ["The", "cat"]`);
  }
  const bad = value.findIndex((v) => typeof v !== "string" || v === "");
  if (bad >= 0)
    throw lineError(
      fileName,
      line,
      `"${key}" entry ${bad + 1} is ${JSON.stringify(value[bad])}, not a non-empty string`,
    );
  return value as string[];
}

export class TagLearner implements Learner<TagExample> {
  readonly monitor = { metric: "accuracy", mode: "max" } as const;
  readonly model: SequenceModel;
  readonly vocab: string[];
  readonly tags: string[];
  readonly tokenTags: number[];
  private readonly index: Map<string, number>;

  constructor(state: TagState, seed = 0) {
    this.vocab = state.vocab;
    this.tags = state.tags;
    this.tokenTags = state.tokenTags;
    this.index = new Map(state.vocab.map((token, i) => [token, i]));
    this.model = new SequenceModel(state.model, { seed });
  }

  get params() {
    return this.model.params;
  }

  toJSON(): TagState {
    return {
      task: "tag",
      model: this.model.config,
      vocab: [...this.vocab],
      tags: [...this.tags],
      tokenTags: [...this.tokenTags],
    };
  }

  setTraining(training: boolean): void {
    setModelTraining(this.model, training);
  }

  /** Padded tokens and the tag at each step, −1 past a row's length. */
  batch(examples: readonly TagExample[]): { batch: Batch; classes: Int32Array } {
    const padded = padSequences(examples.map((e) => e.tokens));
    const classes = new Int32Array(padded.T * padded.B).fill(-1);
    examples.forEach((e, b) => {
      e.tags.forEach((tag, t) => {
        classes[t * padded.B + b] = tag;
      });
    });
    return { batch: { T: padded.T, B: padded.B, tokens: padded.tokens, lengths: padded.lengths }, classes };
  }

  lossAndGrad(examples: readonly TagExample[]): number {
    const { batch, classes } = this.batch(examples);
    return this.model.lossAndGrad(batch, { classes }).loss;
  }

  /** The predicted tag of every step of every example. */
  predictTags(examples: readonly TagExample[]): number[][] {
    const out: number[][] = [];
    const O = this.tags.length;
    for (const part of chunks(examples, EVAL_CHUNK)) {
      const { batch } = this.batch(part);
      const logits = this.model.forward(batch);
      part.forEach((e, b) => {
        out.push(e.tokens.map((_, t) => argmax(logits, (t * batch.B + b) * O, O)));
      });
    }
    return out;
  }

  evaluate(examples: readonly TagExample[]): Metrics {
    let lossSum = 0;
    let count = 0;
    for (const part of chunks(examples, EVAL_CHUNK)) {
      const { batch, classes } = this.batch(part);
      this.model.forward(batch);
      const { loss, count: n } = this.model.loss({ classes });
      lossSum += loss * n;
      count += n;
    }
    return { loss: lossSum / count, accuracy: tokenAccuracy(this.predictTags(examples), examples) };
  }

  /** Records as examples; an unknown token becomes <unk>, an unknown tag is an error. */
  encode(data: TagData, untagged = false): TagExample[] {
    return data.examples.map((record) => {
      const tokens = record.tokens.map((token) => this.index.get(token) ?? 0);
      if (record.tags === null) {
        if (untagged) return { line: record.line, tokens, tags: [] };
        throw lineError(
          data.fileName,
          record.line,
          'no "tags"; training and evaluation need one tag per token',
        );
      }
      const tags = record.tags.map((tag) => {
        const k = this.tags.indexOf(tag);
        if (k < 0) {
          throw lineError(
            data.fileName,
            record.line,
            `tag ${JSON.stringify(tag)} never appears in the training data (its tags: ${this.tags.join(", ")}); drop the line or add training examples of it`,
          );
        }
        return k;
      });
      return { line: record.line, tokens, tags };
    });
  }
}

function tokenAccuracy(predicted: number[][], examples: readonly TagExample[]): number {
  let hits = 0;
  let total = 0;
  examples.forEach((e, i) => {
    e.tags.forEach((tag, t) => {
      if (predicted[i][t] === tag) hits++;
      total++;
    });
  });
  return hits / total;
}

function argmax(values: ArrayLike<number>, from: number, n: number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (values[from + i] > values[from + best]) best = i;
  return best;
}

/** Vocabulary, tags and the baseline's table from the training records. */
function freshState(train: TagData, model: Parameters<typeof splitEmbedding>[0]): TagState {
  const tagCounts = new Map<string, number>();
  const byToken = new Map<string, Map<string, number>>();
  for (const record of train.examples) {
    if (record.tags === null)
      throw lineError(train.fileName, record.line, 'no "tags"; training needs one tag per token');
    record.tokens.forEach((token, t) => {
      const tag = (record.tags as string[])[t];
      tagCounts.set(tag, (tagCounts.get(tag) ?? 0) + 1);
      const counts = byToken.get(token) ?? new Map<string, number>();
      counts.set(tag, (counts.get(tag) ?? 0) + 1);
      byToken.set(token, counts);
    });
  }
  const tags = [...tagCounts.keys()].sort();
  if (tags.length < 2)
    throw new ConfigError(
      `${train.fileName}: the training data has only ${tags.length} tag; tagging needs at least 2`,
    );
  byToken.delete(UNKNOWN);
  const vocab = [UNKNOWN, ...byToken.keys()];
  const tokenTags = vocab.map((token) => tags.indexOf(mostFrequent(byToken.get(token) ?? tagCounts)));
  const { rest, embeddingSize } = splitEmbedding(model);
  const input = { kind: "embedding" as const, vocabSize: vocab.length, embeddingSize };
  const config = parseModelConfig({ ...rest, input, outputSize: tags.length, loss: "cross-entropy" });
  return { task: "tag", model: config, vocab, tags, tokenTags };
}

const TAG_OPTIONS: readonly string[] = [];

export const tagTask: FitTask<Record<string, never>, TagData, TagExample, TagLearner, TagState, string[]> = {
  name: "tag",
  description: "one tag per token (aligned many-to-many), scored by per-token accuracy",
  optionNames: TAG_OPTIONS,
  parse(text, fileName, options) {
    checkTaskOptions("tag", options, TAG_OPTIONS);
    return parseTag(text, fileName);
  },
  split: (data, fraction, rng) => randomSplit(data, fraction, rng),
  suggestModel: () => ({ cell: "gru", hiddenSize: 64, embeddingSize: 32, bidirectional: true }),
  createLearner: (train, model, init = {}) => new TagLearner(freshState(train, model), init.seed ?? 0),
  initialState: freshState,
  memoryShape: (state, data) => ({
    model: state.model,
    classes: 0,
    longest: data.examples.reduce((most, record) => Math.max(most, record.tokens.length), 1),
    examples: data.examples.length,
    padded: true,
    masked: false,
    targetBytes: 4, // the classes of every step (Int32Array)
  }),
  examples: (learner, data) => learner.encode(data),
  evaluate(learner, data) {
    learner.setTraining(false);
    const examples = learner.encode(data);
    const baseline = examples.map((e) => e.tokens.map((token) => learner.tokenTags[token]));
    return {
      metrics: learner.evaluate(examples),
      baselines: { "most frequent tag per token": { accuracy: tokenAccuracy(baseline, examples) } },
    };
  },
  predict(learner, data) {
    learner.setTraining(false);
    const examples = learner.encode(data, true);
    return learner.predictTags(examples).map((tags) => tags.map((k) => learner.tags[k]));
  },
  toJSON: (learner) => learner.toJSON(),
  fromJSON: (state, init = {}) => new TagLearner(state, init.seed ?? 0),
};
