import {
  type CellKind,
  ConfigError,
  createOptimizer,
  type ModelConfig,
  type Rng,
  SequenceModel,
  Tokenizer,
  Trainer,
} from "../../src/index.js";
import { matmulTransB } from "../../src/kernels/index.js";

// A small word-level language model trained on the bundled corpus, whose input embeddings the lab
// inspects (nearest neighbours), and the vocabulary surgery that shows what adding a word costs a
// trained model in each representation.

export interface WordModelSpec {
  /** Lower-case the corpus first, so that "KING" in speaker names and "king" in speech are one word. */
  lowercase: boolean;
  /** The tokenizer keeps the maxVocab − 1 most frequent words (the rest is <unk>). */
  maxVocab: number;
  cell: CellKind;
  hiddenSize: number;
  embeddingSize: number;
  /** The embedding table starts at N(0, 1)·scale instead of PyTorch's N(0, 1): with a small start,
   *  the cosines after a minute of training reflect what was learned rather than the initial noise. */
  embeddingInitScale: number;
  seqLen: number;
  batch: number;
  /** Adam, constant learning rate (the trainer's default schedule); gradients clipped to this 2-norm. */
  lr: number;
  clipNorm: number;
  /** Optimizer steps in a full run and in a quick run. */
  steps: { full: number; quick: number };
}

export interface Vocabulary {
  tokenizer: Tokenizer;
  /** The corpus as token ids. */
  stream: Int32Array;
}

export interface TrainedWordModel extends Vocabulary {
  model: SequenceModel;
  /** The embedding table before training (a copy), for comparison. */
  initialEmbedding: Float32Array;
  /** The readout's weights [V×H] before training (a copy). */
  initialReadout: Float32Array;
  steps: number;
  /** Mean training loss (nats per word) over the first and the last 10% of the steps. */
  lossFirst: number;
  lossLast: number;
  seconds: number;
}

/** The corpus tokenized into words as the spec says. */
export function wordVocabulary(
  text: string,
  spec: Pick<WordModelSpec, "lowercase" | "maxVocab">,
): Vocabulary {
  const corpus = spec.lowercase ? text.toLowerCase() : text;
  const tokenizer = Tokenizer.fromText("word", corpus, spec.maxVocab);
  return { tokenizer, stream: tokenizer.encode(corpus) };
}

export function wordModelConfig(spec: WordModelSpec, vocabSize: number): ModelConfig {
  return {
    cell: spec.cell,
    activation: "tanh",
    straightThrough: false,
    skip: 0,
    hiddenSize: spec.hiddenSize,
    layers: 1,
    input: { kind: "embedding", vocabSize, embeddingSize: spec.embeddingSize },
    outputSize: vocabSize,
    loss: "cross-entropy",
    dtype: "float32",
  };
}

/** Next-word training with teacher forcing (the library's Trainer) for the spec's number of steps. */
export function trainWordModel(
  vocabulary: Vocabulary,
  spec: WordModelSpec,
  quick: boolean,
  rngs: { init: Rng; batches: Rng },
  progress: (message: string) => void = () => {},
): TrainedWordModel {
  const started = performance.now();
  const { tokenizer, stream } = vocabulary;
  const model = new SequenceModel(wordModelConfig(spec, tokenizer.size), { rng: rngs.init });
  const table = model.params.value("embedding.weight");
  for (let i = 0; i < table.length; i++) table[i] *= spec.embeddingInitScale;
  const initialEmbedding = Float32Array.from(table);
  const initialReadout = Float32Array.from(model.params.value("linear.weight"));
  const optimizer = createOptimizer({ name: "adam", lr: spec.lr }, model);
  const trainer = new Trainer({
    model,
    optimizer,
    data: stream,
    seqLen: spec.seqLen,
    batch: spec.batch,
    feed: { kind: "teacher-forcing" },
    clip: { kind: "norm", maxNorm: spec.clipNorm, normType: 2 },
    rng: rngs.batches,
  });
  const steps = quick ? spec.steps.quick : spec.steps.full;
  const losses: number[] = [];
  for (let i = 0; i < steps; i++) {
    losses.push(trainer.trainStep().loss);
    if ((i + 1) % 50 === 0) progress(`word model: step ${i + 1}/${steps}, loss ${losses[i].toFixed(2)}`);
  }
  const tenth = Math.max(1, Math.floor(steps / 10));
  const mean = (xs: number[]) => xs.reduce((s, v) => s + v, 0) / xs.length;
  return {
    tokenizer,
    stream,
    model,
    initialEmbedding,
    initialReadout,
    steps,
    lossFirst: mean(losses.slice(0, tenth)),
    lossLast: mean(losses.slice(-tenth)),
    seconds: (performance.now() - started) / 1000,
  };
}

/** The one-hot model that computes exactly what an embedding model computes: W_ih' = W_ih · Eᵀ
 *  [G·H×V] (a one-hot product reads column i of W_ih', which is W_ih E[i]); every other parameter copied. */
export function foldToOneHot(model: SequenceModel): SequenceModel {
  const c = model.config;
  if (c.input.kind !== "embedding") throw new ConfigError("foldToOneHot needs an embedding model");
  const { vocabSize: V, embeddingSize: E } = c.input;
  const [GH] = model.params.shape("rnn.weight_ih_l0");
  const folded = new SequenceModel({ ...c, input: { kind: "onehot", vocabSize: V } });
  for (const name of folded.params.names) {
    if (name === "rnn.weight_ih_l0") {
      const w = folded.params.value(name);
      w.fill(0);
      matmulTransB(w, model.params.value(name), model.params.value("embedding.weight"), GH, E, V);
    } else folded.params.value(name).set(model.params.value(name));
  }
  return folded;
}

/** How one parameter changed when the vocabulary grew. */
export interface ParamChange {
  name: string;
  oldShape: number[];
  newShape: number[];
  /** Entries that did not exist before. */
  added: number;
  /** Old entries whose value differs after the copy (0 when the old weights carry over). */
  changed: number;
  /** Rows of the old matrix (vectors) whose length changed. */
  rowsLengthened: number;
}

/** New entries of the grown parameters: a row of the embedding table (embedding models), a column
 *  of W_ih (one-hot models), a row of the readout and its bias. */
export interface NewWordWeights {
  embeddingRow?: ArrayLike<number>;
  weightIhColumn?: ArrayLike<number>;
  readoutRow: ArrayLike<number>;
  readoutBias: number;
}

/** A copy of `model` with one more word (id V, input and output), old weights carried over. */
export function addWord(
  model: SequenceModel,
  weights: NewWordWeights,
): { model: SequenceModel; changes: ParamChange[] } {
  const c = model.config;
  if (c.input.kind === "dense")
    throw new ConfigError("addWord needs a token model (embedding or one-hot input)");
  const V = c.input.vocabSize;
  const config: ModelConfig = {
    ...c,
    input:
      c.input.kind === "embedding" ? { ...c.input, vocabSize: V + 1 } : { kind: "onehot", vocabSize: V + 1 },
    outputSize: c.outputSize + 1,
  };
  const grown = new SequenceModel(config);
  const changes: ParamChange[] = [];
  for (const name of grown.params.names) {
    const oldShape = [...model.params.shape(name)];
    const newShape = [...grown.params.shape(name)];
    const [R0, C0] = oldShape.length === 2 ? oldShape : [oldShape[0], 1];
    const [R1, C1] = newShape.length === 2 ? newShape : [newShape[0], 1];
    const from = model.params.value(name);
    const to = grown.params.value(name);
    // New entries first (the last row, or the last column), then the old block on top of them.
    for (let r = 0; r < R1; r++) {
      for (let k = 0; k < C1; k++) {
        if (r < R0 && k < C0) continue;
        to[r * C1 + k] = newEntry(name, r, k, weights);
      }
    }
    for (let r = 0; r < R0; r++) for (let k = 0; k < C0; k++) to[r * C1 + k] = from[r * C0 + k];
    let changed = 0;
    for (let r = 0; r < R0; r++)
      for (let k = 0; k < C0; k++) if (to[r * C1 + k] !== from[r * C0 + k]) changed++;
    changes.push({
      name,
      oldShape,
      newShape,
      added: R1 * C1 - R0 * C0,
      changed,
      rowsLengthened: C1 !== C0 ? R0 : 0,
    });
  }
  return { model: grown, changes };
}

function newEntry(name: string, row: number, col: number, w: NewWordWeights): number {
  const pick = (values: ArrayLike<number> | undefined, i: number) => {
    if (!values) throw new ConfigError(`addWord: no new values given for ${name}; pass them in the weights`);
    return values[i];
  };
  if (name === "embedding.weight") return pick(w.embeddingRow, col);
  if (name === "rnn.weight_ih_l0") return pick(w.weightIhColumn, row);
  if (name === "linear.weight") return pick(w.readoutRow, col);
  if (name === "linear.bias") return w.readoutBias;
  throw new ConfigError(`addWord: ${name} was not expected to grow with the vocabulary`);
}

/** What the evidence says of a trained word model (JSON-able). */
export interface WordModelSummary {
  cell: CellKind;
  vocabSize: number;
  embeddingSize: number;
  hiddenSize: number;
  steps: number;
  seconds: number;
  lossFirst: number;
  lossLast: number;
}

export function summarizeWordModel(trained: TrainedWordModel): WordModelSummary {
  const c = trained.model.config;
  return {
    cell: c.cell,
    vocabSize: trained.tokenizer.size,
    embeddingSize: c.input.kind === "embedding" ? c.input.embeddingSize : 0,
    hiddenSize: c.hiddenSize,
    steps: trained.steps,
    seconds: trained.seconds,
    lossFirst: trained.lossFirst,
    lossLast: trained.lossLast,
  };
}
