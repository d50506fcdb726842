// Q2.growth: what adding a word costs each representation, shown on the trained word model. The word
// is added to the model as it is (an embedding model) and to its exact one-hot equivalent (W_ih
// folded with the table), each rebuilt one word larger with the trained weights copied over; the
// claim is judged by how many of the old words' input vectors changed length.

import { ConfigError, type Rng, type SequenceModel, Tokenizer } from "../../src/index.js";
import type { Figure, Table } from "../../src/report/index.js";
import {
  addWord,
  foldToOneHot,
  type NewWordWeights,
  type ParamChange,
  summarizeWordModel,
  type WordModelSpec,
  type WordModelSummary,
} from "../embeddings/word-model.js";
import { defineExperiment, type LabContext } from "../types.js";
import { describeWordModel, type Representation, trainedWordModel, WORD_MODEL } from "./setup.js";

export interface GrowthStated {
  /** The representation the claim is about. */
  representation: Representation;
  /** The word added: null for the most frequent corpus word outside the vocabulary. */
  newWord: string | null;
  /** Old words' outputs count as unchanged when they move by at most this (float32 logits). */
  tolerance: number;
  model: WordModelSpec;
}

/** One representation's model before and after the word was added. */
export interface GrownModel {
  representation: Representation;
  /** Entries of an input vector, before and after. */
  widthBefore: number;
  widthAfter: number;
  /** Old words whose input vector changed length. */
  vectorsLengthened: number;
  changes: ParamChange[];
  /** New parameters, and old ones whose value changed. */
  added: number;
  changed: number;
  /** max |Δ logit| of the old words' outputs on corpus text, before and after adding the word. */
  oldOutputsDiff: number;
}

export interface GrowthData {
  model: WordModelSummary;
  newWord: string;
  /** Vocabulary size before the word was added. */
  V: number;
  /** Shape of the one-hot equivalent's W_ih ([gates·H × V]). */
  foldedShape: number[];
  /** max |Δ logit| between the embedding model and its one-hot equivalent, before growing. */
  foldDiff: number;
  /** The same between the two grown models, on text containing the new word. */
  grownAgree: number;
  results: Record<Representation, GrownModel>;
}

/** The batch the logits are compared on: T steps of B windows of the corpus. */
const T = 24;
const B = 8;

/** A (T, B) batch of consecutive corpus windows, time-major. */
function corpusBatch(stream: Int32Array, rng: Rng): Int32Array {
  const tokens = new Int32Array(T * B);
  for (let b = 0; b < B; b++) {
    const o = rng.int(stream.length - T);
    for (let t = 0; t < T; t++) tokens[t * B + b] = stream[o + t];
  }
  return tokens;
}

function logits(model: SequenceModel, tokens: Int32Array): Float64Array {
  return Float64Array.from(model.forward({ T, B, tokens }));
}

/** max |a − b| over the first `cols` logits of each of the T·B rows ([rows×colsA] and [rows×colsB]). */
function maxLogitDiff(a: Float64Array, colsA: number, b: Float64Array, colsB: number, cols: number): number {
  let worst = 0;
  for (let r = 0; r < T * B; r++)
    for (let k = 0; k < cols; k++) worst = Math.max(worst, Math.abs(a[r * colsA + k] - b[r * colsB + k]));
  return worst;
}

function pickNewWord(stated: GrowthStated, ctx: LabContext, vocab: readonly string[]): string {
  const corpus = stated.model.lowercase ? ctx.corpus().toLowerCase() : ctx.corpus();
  const word =
    stated.newWord ?? Tokenizer.fromText("word", corpus, stated.model.maxVocab + 1).vocab[vocab.length];
  if (vocab.includes(word))
    throw new ConfigError(`Q2.growth: "${word}" is already in the vocabulary; pick a word outside it`);
  return word;
}

/** The new word's weights: an embedding row drawn like the trained table's start, the one-hot column
 *  that computes the same (W_ih · row), a readout row and bias as PyTorch draws them. */
function newWordWeights(
  model: SequenceModel,
  spec: WordModelSpec,
  rng: Rng,
): Record<Representation, NewWordWeights> {
  const wih = model.params.value("rnn.weight_ih_l0");
  const [GH, E] = model.params.shape("rnn.weight_ih_l0");
  const row = Array.from({ length: E }, () => spec.embeddingInitScale * rng.normal());
  const column = Array.from({ length: GH }, (_, g) => {
    let s = 0;
    for (let j = 0; j < E; j++) s += wih[g * E + j] * row[j];
    return s;
  });
  const bound = 1 / Math.sqrt(model.config.hiddenSize);
  const readoutRow = Array.from({ length: model.config.hiddenSize }, () => rng.uniformIn(-bound, bound));
  const readoutBias = rng.uniformIn(-bound, bound);
  return {
    embedding: { embeddingRow: row, readoutRow, readoutBias },
    "one-hot": { weightIhColumn: column, readoutRow, readoutBias },
  };
}

function grownModel(
  representation: Representation,
  old: SequenceModel,
  grown: ReturnType<typeof addWord>,
  tokens: Int32Array,
): GrownModel {
  const V = old.config.outputSize;
  const widthBefore = old.input.width;
  const widthAfter = grown.model.input.width;
  return {
    representation,
    widthBefore,
    widthAfter,
    vectorsLengthened: widthAfter !== widthBefore ? V : 0,
    changes: grown.changes,
    added: grown.changes.reduce((s, ch) => s + ch.added, 0),
    changed: grown.changes.reduce((s, ch) => s + ch.changed, 0),
    oldOutputsDiff: maxLogitDiff(logits(old, tokens), V, logits(grown.model, tokens), V + 1, V),
  };
}

function measure(stated: GrowthStated, ctx: LabContext): GrowthData {
  const trained = trainedWordModel(ctx, stated.model);
  const { tokenizer, stream, model } = trained;
  const V = tokenizer.size;
  const newWord = pickNewWord(stated, ctx, tokenizer.vocab);
  const oneHot = foldToOneHot(model);
  const weights = newWordWeights(model, stated.model, ctx.rng("q2.growth.new-word"));
  const grownEmbedding = addWord(model, weights.embedding);
  const grownOneHot = addWord(oneHot, weights["one-hot"]);
  const tokens = corpusBatch(stream, ctx.rng("q2.growth.batch"));
  // Text with the new word in it: the two grown models still compute the same function.
  const withNew = Int32Array.from(tokens, (t, i) => (i % 5 === 2 ? V : t));
  return {
    model: summarizeWordModel(trained),
    newWord,
    V,
    foldedShape: [...oneHot.params.shape("rnn.weight_ih_l0")],
    foldDiff: maxLogitDiff(logits(model, tokens), V, logits(oneHot, tokens), V, V),
    grownAgree: maxLogitDiff(
      logits(grownEmbedding.model, withNew),
      V + 1,
      logits(grownOneHot.model, withNew),
      V + 1,
      V + 1,
    ),
    results: {
      "one-hot": grownModel("one-hot", oneHot, grownOneHot, tokens),
      embedding: grownModel("embedding", model, grownEmbedding, tokens),
    },
  };
}

function describeGrown(g: GrownModel, V: number, tolerance: number): string {
  const grown = g.changes.filter((ch) => ch.added > 0);
  const kept = g.changes.filter((ch) => ch.added === 0).map((ch) => ch.name);
  const carried = g.changed === 0 && g.oldOutputsDiff <= tolerance;
  const shape = (s: number[]) => s.join("×");
  const moved =
    g.oldOutputsDiff === 0
      ? "are bit for bit the same"
      : `move by at most ${g.oldOutputsDiff.toExponential(1)}`;
  return (
    `${g.representation === "one-hot" ? "One-hot" : "Embedding"}: ${g.vectorsLengthened} of the ${V} old input vectors change length (${g.widthBefore} → ${g.widthAfter} entries); ` +
    grown
      .map(
        (ch) =>
          `${ch.name} [${shape(ch.oldShape)}] → [${shape(ch.newShape)}] (+${ch.added}${ch.rowsLengthened ? `, all ${ch.rowsLengthened} rows one longer` : ""})`,
      )
      .join(", ") +
    `; ${kept.join(", ")} keep their shape; ${g.added} new parameters, ${g.changed} old ones changed; the old words' logits ${moved}${carried ? " (unchanged)" : " (CHANGED: the surgery did not carry the weights over)"}`
  );
}

function evidence(data: GrowthData, stated: GrowthStated): string {
  const { V, newWord, results } = data;
  const subject = results[stated.representation];
  const exactly = (d: number) => (d === 0 ? "exactly" : `to ${d.toExponential(1)}`);
  return (
    `On ${describeWordModel(data.model)}, and on its exact one-hot equivalent ($W_{ih}' = W_{ih} E^\\top$, [${data.foldedShape.join("×")}]; logits agree ${exactly(data.foldDiff)}), the word "${newWord}" was added (V → ${V + 1}) by building each model anew and copying the trained weights. ` +
    `${describeGrown(results["one-hot"], V, stated.tolerance)}. ${describeGrown(results.embedding, V, stated.tolerance)}. ` +
    `The two grown models still agree on text containing "${newWord}" (max |Δ logit| ${data.grownAgree.toExponential(1)}). ` +
    `For the ${stated.representation} representation, ${subject.vectorsLengthened} of ${V} old vectors (${((100 * subject.vectorsLengthened) / V).toFixed(0)}%) changed length. ` +
    "In both, the readout gains a row, since a word to predict is one more output."
  );
}

function correction(data: GrowthData, stated: GrowthStated): string {
  const oneHot = data.results["one-hot"];
  const subject = data.results[stated.representation];
  return `Adding a word changes the length of every one-hot vector (${oneHot.vectorsLengthened} of ${data.V}: ${oneHot.widthBefore} → ${oneHot.widthAfter}) and of every row of $W_{ih}$, but no ${stated.representation} vector (${subject.widthBefore} → ${subject.widthAfter} entries): the embedding table gains one row of ${data.model.embeddingSize} numbers, and nothing else of the input side changes; confirmed on the trained model by the same surgery.`;
}

const REPRESENTATIONS: readonly Representation[] = ["one-hot", "embedding"];

function changeTable(data: GrowthData): Table {
  return {
    kind: "grid",
    title: `Adding "${data.newWord}" to the trained model: every parameter`,
    columns: [
      "representation",
      "parameter",
      "shape before",
      "shape after",
      "new entries",
      "old values changed",
      "rows lengthened",
    ],
    rows: REPRESENTATIONS.flatMap((r) =>
      data.results[r].changes.map((ch) => [
        r,
        ch.name,
        ch.oldShape.join("×"),
        ch.newShape.join("×"),
        ch.added,
        ch.changed,
        ch.rowsLengthened,
      ]),
    ),
  };
}

function paramsFigure(data: GrowthData): Figure {
  return {
    id: "q2-growth-params",
    title: `What adding one word costs each representation (V = ${data.V} → ${data.V + 1})`,
    caption:
      "New parameters per parameter tensor, for the trained model as an embedding model and as its one-hot equivalent.",
    spec: {
      kind: "bar",
      bars: REPRESENTATIONS.flatMap((r) =>
        data.results[r].changes
          .filter((ch) => ch.added > 0)
          .map((ch) => ({ label: ch.name, value: ch.added, group: r })),
      ),
      y: { label: "new parameters" },
    },
  };
}

export const growth = defineExperiment<GrowthStated, GrowthData>({
  id: "Q2.growth",
  question: "Q2",
  title: "Adding a word: which vectors change length",
  claim: "Adding a word to the vocabulary changes the length of every vector.",
  stated: { representation: "one-hot", newWord: null, tolerance: 1e-5, model: WORD_MODEL },
  cost: 50,
  measure,
  judge(data, stated) {
    const lengthened = data.results[stated.representation].vectorsLengthened;
    return lengthened === data.V ? "holds" : lengthened === 0 ? "fails" : "partly";
  },
  describe(data, verdict, stated) {
    return {
      evidence: evidence(data, stated),
      correction: verdict === "holds" ? null : correction(data, stated),
      figures: [paramsFigure(data)],
      tables: [changeTable(data)],
    };
  },
});
