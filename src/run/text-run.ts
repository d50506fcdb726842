import { unigramLoss } from "../data/corpus.js";
import { Tokenizer } from "../data/tokenizer.js";
import { ConfigError } from "../errors.js";
import { NGramModel } from "../eval/ngram.js";
import type { Checkpoint } from "../io/checkpoint.js";
import { toCheckpoint, type TrainingState } from "../io/model-checkpoint.js";
import type { ModelConfig } from "../model/config.js";
import { SequenceModel } from "../model/sequence-model.js";
import { Rng } from "../random.js";
import { createOptimizer } from "../train/optimizers.js";
import type { RunConfig } from "../train/run-config.js";
import { sampleText } from "../train/trainer.js";

// The pieces of a `rnnlab train` run that do not touch files: the text split into tokens, the
// model and optimizer of a fresh run, its samples and its checkpoint. The CLI and a browser
// Worker build the same run from the same config, so the same seed gives the same run in both.

export interface Corpus {
  /** The text's tokenizer; null for a run on token arrays. */
  tokenizer: Tokenizer | null;
  vocabSize: number;
  train: Int32Array;
  val: Int32Array;
  /** The n-gram that generated train and val, when the run uses one. */
  oracle: NGramModel | null;
}

export type TextCorpus = Corpus & { tokenizer: Tokenizer };

type CorpusSpec = Pick<RunConfig, "tokenizer" | "maxVocab" | "valFraction" | "oracle" | "seed">;

/** The text tokenized and split; the vocabulary comes from the training part (or `stored`). With
 *  an oracle, the text the model sees is the oracle's: an n-gram fitted to all of the text
 *  generates as many tokens, seeded, so a resumed run regenerates the same text. */
export function corpusFromText(spec: CorpusSpec, text: string, stored: Tokenizer | null): TextCorpus {
  const chars = Array.from(text);
  const cut = Math.round(chars.length * (1 - spec.valFraction));
  if (spec.oracle) {
    const tokenizer = stored ?? Tokenizer.fromText(spec.tokenizer, text, spec.maxVocab);
    const real = tokenizer.encode(text);
    const oracle = NGramModel.fit(real, spec.oracle, tokenizer.size);
    const stream = oracle.sample(real.length, new Rng(spec.seed + 104729), real.subarray(0, spec.oracle - 1));
    const split = Math.round(stream.length * (1 - spec.valFraction));
    const [train, val] = [stream.subarray(0, split), stream.subarray(split)];
    return { tokenizer, vocabSize: tokenizer.size, train, val, oracle };
  }
  const trainText = chars.slice(0, cut).join("");
  const tokenizer = stored ?? Tokenizer.fromText(spec.tokenizer, trainText, spec.maxVocab);
  const train = tokenizer.encode(trainText);
  const val = tokenizer.encode(chars.slice(cut).join(""));
  return { tokenizer, vocabSize: tokenizer.size, train, val, oracle: null };
}

/** Token ids in [0, vocabSize), split as text is: the last valFraction held out. */
export function corpusFromTokens(
  spec: Pick<RunConfig, "valFraction">,
  tokens: ArrayLike<number>,
  vocabSize: number,
): Corpus {
  if (!Number.isInteger(vocabSize) || vocabSize < 2) {
    throw new ConfigError(`data.vocabSize must be an integer >= 2, got ${vocabSize}`);
  }
  const ids = Int32Array.from(tokens);
  for (let i = 0; i < tokens.length; i++) {
    if (ids[i] !== tokens[i] || ids[i] < 0 || ids[i] >= vocabSize) {
      throw new ConfigError(
        `data.tokens[${i}] is ${tokens[i]}, not a token id in [0, ${vocabSize}): give integers below data.vocabSize`,
      );
    }
  }
  const cut = Math.round(ids.length * (1 - spec.valFraction));
  return { tokenizer: null, vocabSize, train: ids.subarray(0, cut), val: ids.subarray(cut), oracle: null };
}

/** The first split too short for one window of seqLen + 1 tokens, or null. */
export function shortPart(corpus: Corpus, seqLen: number): { part: string; tokens: number } | null {
  for (const [part, tokens] of [
    ["training", corpus.train],
    ["validation", corpus.val],
  ] as const) {
    if (tokens.length < seqLen + 1) return { part, tokens: tokens.length };
  }
  return null;
}

/** Why a language model cannot be bidirectional: it predicts token t + 1 from tokens 0..t, and a
 *  reverse direction would read token t + 1 itself. Bidirectional layers are for classify and tag. */
export const BIDIRECTIONAL_LM =
  "a language model cannot be bidirectional: its reverse direction reads the very token it must predict (bidirectional layers are for classify and tag tasks)";

/** The model config of a run for a vocabulary of V tokens: a next-token language model. */
export function runModelConfig(spec: Pick<RunConfig, "model">, V: number): ModelConfig {
  if (spec.model.bidirectional) throw new ConfigError(`model.bidirectional: ${BIDIRECTIONAL_LM}`);
  const { embedding, ...rest } = spec.model;
  return {
    ...rest,
    input:
      embedding === "onehot"
        ? { kind: "onehot", vocabSize: V }
        : { kind: "embedding", vocabSize: V, embeddingSize: embedding },
    outputSize: V,
    loss: "cross-entropy",
  };
}

/** A fresh run's model, optimizer and generator (the model initialised from the seed). */
export function freshRun(spec: Pick<RunConfig, "model" | "optimizer" | "seed">, V: number): TrainingState {
  const rng = new Rng(spec.seed);
  const model = new SequenceModel(runModelConfig(spec, V), { rng, seed: spec.seed });
  const optimizer = createOptimizer(spec.optimizer, model);
  return { model, optimizer, rng, step: 0 };
}

/** A free-running sample primed with the start of the validation split; its own generator, so
 *  sampling never shifts the training stream. */
export function runSample(
  model: SequenceModel,
  corpus: Corpus,
  spec: Pick<RunConfig, "seed" | "sampleLength">,
  step: number,
  options: { temperature?: number; topP?: number; length?: number } = {},
): { tokens: Int32Array; text: string | null } {
  const length = options.length ?? spec.sampleLength;
  if (length === 0) return { tokens: new Int32Array(0), text: corpus.tokenizer ? "" : null };
  const prime = corpus.val.subarray(0, Math.min(8, corpus.val.length));
  const rng = new Rng(spec.seed * 7919 + step);
  const { temperature, topP } = options;
  const tokens = sampleText(model, prime, length, rng, { temperature, topP });
  return { tokens, text: corpus.tokenizer ? corpus.tokenizer.decode(tokens) : null };
}

/** The run's checkpoint: its state, and in `extra` the tokenizer, the training options and the
 *  thread count (a step's gradient is summed over the threads' shards, so its float rounding
 *  depends on their number: a resume continues the run exactly only on as many), so `rnnlab
 *  sample`, `eval` and `--resume` need nothing else. */
export function runCheckpoint(
  state: TrainingState,
  corpus: Corpus,
  spec: RunConfig,
  threads: number | null,
): Checkpoint {
  const baseline = unigramLoss(corpus.val, corpus.vocabSize);
  // A GPU run (threads null) stores no thread count: any resume differs from it in float rounding.
  const counted = threads === null ? {} : { threads };
  const extra = corpus.tokenizer
    ? { tokenizer: corpus.tokenizer.toJSON(), train: spec, unigramLoss: baseline, ...counted }
    : { train: spec, unigramLoss: baseline, ...counted };
  return toCheckpoint({ ...state, extra });
}

/** The most threads a run trains on (the CLI's --threads bound). */
export const MAX_THREADS = 64;

/** The thread count a run's checkpoint was trained on (extra.threads), null in checkpoints written
 *  before it was stored; a ConfigError when it is not a count from 1 to MAX_THREADS. */
export function storedThreadCount(checkpoint: Checkpoint): number | null {
  const value = checkpoint.extra?.threads;
  if (value === undefined) return null;
  if (typeof value !== "number" || !Number.isInteger(value) || value < 1 || value > MAX_THREADS) {
    throw new ConfigError(
      `the checkpoint's extra.threads is ${JSON.stringify(value)}, not a thread count from 1 to ${MAX_THREADS}; the file was edited: start a new run`,
    );
  }
  return value;
}
