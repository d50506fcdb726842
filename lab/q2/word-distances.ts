// Q2.similarity: how far apart words are as one-hot vectors (every distinct pair, as the library's
// input layer builds them) and, for contrast, in the trained word model's two tables of word vectors
// (input embeddings and readout rows): nearest neighbours and the ranks of related pairs.

import { libraryInputs } from "../embeddings/inputs.js";
import { Lexicon, sampleWords } from "../embeddings/lexicon.js";
import { type LearnedVectors, learnedVectors, type VectorTable } from "../embeddings/neighbours.js";
import {
  cosineMatrix,
  type DistanceSpread,
  distanceSpread,
  pairGeometry,
  pickRows,
} from "../embeddings/vectors.js";
import {
  summarizeWordModel,
  type TrainedWordModel,
  type WordModelSpec,
  type WordModelSummary,
} from "../embeddings/word-model.js";
import { formatNumber } from "../format.js";
import { defineExperiment, type LabContext, type Verdict } from "../types.js";
import { describeWordModel, type Representation, trainedWordModel, WORD_MODEL } from "./setup.js";
import { figures, tables } from "./word-distances-figures.js";

export interface SimilarityStated {
  /** The representation the claim is about: one-hot vectors, or the trained model's input embeddings. */
  representation: Representation;
  /** Words compared (those in the vocabulary), with `randomWords` more drawn from the vocabulary. */
  words: string[];
  randomWords: number;
  /** Pairs of related words: is the first closer to the second than to other words? The first pair
   *  is the claim's (king, queen). */
  pairs: [string, string][];
  /** All distinct pairs count as equally far apart when their distances differ by at most this
   *  (relative to the largest distance, or absolute below 1: float round-off). */
  tolerance: number;
  /** Nearest neighbours listed per word. */
  neighbours: number;
  model: WordModelSpec;
}

/** The claim's pair (king, queen) in the representation the claim is about. */
export interface ClaimPair {
  a: string;
  b: string;
  cosine: number;
  distance: number;
}

export interface SimilarityData {
  model: WordModelSummary;
  /** Tokens of the vocabulary, and how many of them are words. */
  vocabSize: number;
  wordCount: number;
  /** The stated words found in the vocabulary, and how many more were drawn at random. */
  words: string[];
  randomWords: number;
  /** Distances and cosines over every distinct pair of all those words, in the claim's representation. */
  spread: DistanceSpread;
  claimPair: ClaimPair | null;
  /** The model's input embeddings and its readout's word vectors. */
  learned: LearnedVectors[];
  /** Cosines between the stated words' one-hot vectors (for the heatmap). */
  oneHotCosines: number[][];
}

/** The one-hot vectors of `ids` [ids.length×V], from the library's input layer. */
function oneHotRows(V: number, ids: readonly number[]): Float64Array {
  return Float64Array.from(libraryInputs({ kind: "onehot", vocabSize: V }, Int32Array.from(ids)));
}

/** The model's two tables of word vectors: its input embeddings (a row per word, learned when the word
 *  is read) and its readout's rows (a vector per word, learned at every step from the softmax). */
function wordVectorTables(trained: TrainedWordModel): VectorTable[] {
  const { model } = trained;
  return [
    {
      name: "input embeddings",
      parameter: "embedding.weight",
      values: model.params.value("embedding.weight"),
      initial: trained.initialEmbedding,
      width: model.params.shape("embedding.weight")[1],
    },
    {
      name: "readout word vectors",
      parameter: "linear.weight",
      values: model.params.value("linear.weight"),
      initial: trained.initialReadout,
      width: model.config.hiddenSize,
    },
  ];
}

function measure(stated: SimilarityStated, ctx: LabContext): SimilarityData {
  const trained = trainedWordModel(ctx, stated.model);
  const { model } = trained;
  const lexicon = new Lexicon(trained.tokenizer.vocab);
  const V = lexicon.size;
  const words = stated.words.filter((w) => lexicon.has(w));
  const ids = words.map((w) => lexicon.id(w));
  const randomIds = sampleWords(lexicon, ids, stated.randomWords, ctx.rng("q2.similarity.words"));
  const all = [...ids, ...randomIds];
  const E = model.params.shape("embedding.weight")[1];
  const table = model.params.value("embedding.weight");
  const geometry =
    stated.representation === "one-hot"
      ? pairGeometry(oneHotRows(V, all), all.length, V)
      : pairGeometry(pickRows(table, E, all), all.length, E);
  const pair = stated.pairs.find(([a, b]) => words.includes(a) && words.includes(b));
  const at = (a: string, b: string) => words.indexOf(a) * geometry.n + words.indexOf(b);
  const query = { words, pairs: stated.pairs, neighbours: stated.neighbours, randomIds };
  return {
    model: summarizeWordModel(trained),
    vocabSize: V,
    wordCount: lexicon.wordCount,
    words,
    randomWords: randomIds.length,
    spread: distanceSpread(geometry),
    claimPair: pair
      ? {
          a: pair[0],
          b: pair[1],
          cosine: geometry.cosine[at(...pair)],
          distance: geometry.distance[at(...pair)],
        }
      : null,
    learned: wordVectorTables(trained).map((t) => learnedVectors(t, lexicon, query)),
    oneHotCosines: cosineMatrix(pairGeometry(oneHotRows(V, ids), ids.length, V)),
  };
}

/** Whether every distinct pair is equally far apart, to the stated tolerance. */
export function equidistant(spread: DistanceSpread, tolerance: number): boolean {
  return spread.maxDistance - spread.minDistance <= tolerance * Math.max(1, spread.maxDistance);
}

const c2 = (v: number) => v.toFixed(2);

function median(xs: number[]): number {
  const sorted = [...xs].sort((x, y) => x - y);
  return sorted.length ? sorted[Math.floor((sorted.length - 1) / 2)] : Number.NaN;
}

/** One table of learned vectors: the claim pair's rank, the other pairs' ranks, the first word's nearest. */
function describeLearned(l: LearnedVectors, wordCount: number): string {
  const first = l.pairs[0];
  const head = first
    ? `${first.a}–${first.b} cosine ${c2(first.cosine)}, ${first.b} ranks ${first.rank} of ${first.of} among ${first.a}'s neighbours (${first.a}'s mean cosine with all words ${c2(first.mean)} ± ${c2(first.sd)}; at initialization ${first.b} ranked ${l.initialPairs[0].rank})`
    : "";
  const rest = l.pairs
    .slice(1)
    .map((p) => `${p.a}–${p.b} ${p.rank}`)
    .join(", ");
  const ranks = (ps: LearnedVectors["pairs"]) => median(ps.map((p) => p.rank));
  const nearest = l.lists.find((x) => x.word === first?.a);
  const nearestText = nearest
    ? `; ${nearest.word}'s nearest: ${nearest.top
        .slice(0, 5)
        .map((t) => `${t.word} ${c2(t.cosine)}`)
        .join(", ")}`
    : "";
  return `${l.name} (${l.parameter}, ${l.width} numbers per word; raw cosine of random pairs ${c2(l.rawMeanCosine)}): ${head}; other pairs' ranks ${rest} (median ${ranks(l.pairs)} of ${first?.of ?? wordCount - 1}; ${ranks(l.initialPairs)} at initialization)${nearestText}`;
}

function evidence(data: SimilarityData, stated: SimilarityStated, equal: boolean): string {
  const { spread: s, claimPair: pair, wordCount } = data;
  const spread = s.maxDistance - s.minDistance;
  const pairText = pair
    ? `; ${pair.a}–${pair.b}: cosine ${pair.cosine}, distance ${pair.distance.toPrecision(7)} (√2 = ${Math.SQRT2.toPrecision(7)}), as for any other pair`
    : "";
  const verdictText = equal
    ? ` — every pair equally far apart (spread ${spread.toExponential(1)} ≤ ${stated.tolerance} relative)${pairText}. `
    : ` — not equally far apart (spread ${spread.toPrecision(3)} > ${stated.tolerance} relative). `;
  return (
    `${stated.representation === "one-hot" ? "One-hot" : "Learned input embedding"} vectors of ${data.words.length + data.randomWords} words (${data.words.join(", ")}, and ${data.randomWords} drawn at random from the ${wordCount} words of the ${data.vocabSize}-token vocabulary), all ${formatNumber(s.pairs)} distinct pairs: cosine from ${s.minCosine.toPrecision(4)} to ${s.maxCosine.toPrecision(4)}, distance from ${s.minDistance.toPrecision(7)} to ${s.maxDistance.toPrecision(7)}` +
    verdictText +
    `By contrast, the word vectors of ${describeWordModel(data.model)} are graded (cosines of the centred tables; ranks among the ${wordCount - 1} other words, about ${Math.round(wordCount / 2)} expected by chance). In the ${data.learned.map((l) => describeLearned(l, wordCount)).join(". In the ")}.` +
    underTrainedNote(data, stated)
  );
}

/** Quick mode trains the word model too briefly for its neighbour lists to mean anything: say so
 *  (`brief`: the caption's version). */
export function underTrainedNote(data: SimilarityData, stated: SimilarityStated, brief = false): string {
  const full = stated.model.steps.full;
  if (data.model.steps >= full) return "";
  if (brief)
    return ` Quick run: after ${data.model.steps} training steps these similarities are noise; the full lab trains ${full}.`;
  return ` At ${data.model.steps} training steps (a quick run) the learned neighbours and ranks are noise, not similarity: the verdict rests on the one-hot vectors alone. The full lab (\`rnnlab lab --only Q2.similarity\`, without --quick) trains the word model for ${full} steps, enough for related words to rank near each other.`;
}

function correction(data: SimilarityData, stated: SimilarityStated): string {
  const s = data.spread;
  const first = data.learned[0]?.pairs[0];
  const learned = first
    ? `; ${first.a}–${first.b} cosine ${c2(first.cosine)} after centring, rank ${first.rank} of ${first.of}`
    : "";
  return `Only one-hot vectors (distinct standard basis vectors) are all equally far apart: cosine 0, distance √2 for every pair. The ${stated.representation} vectors are not (cosine from ${s.minCosine.toFixed(2)} to ${s.maxCosine.toFixed(2)}, distance from ${s.minDistance.toPrecision(3)} to ${s.maxDistance.toPrecision(3)}${learned}): they carry graded similarity. Confirmed by the same computation.`;
}

export const similarity = defineExperiment<SimilarityStated, SimilarityData>({
  id: "Q2.similarity",
  question: "Q2",
  title: "One-hot distances against learned similarity (king, queen)",
  claim:
    "One-hot vectors carry no similarity: every pair of distinct words is equally far apart (king is no closer to queen than to any other word).",
  stated: {
    representation: "one-hot",
    words: [
      "king",
      "queen",
      "prince",
      "lord",
      "duke",
      "man",
      "woman",
      "father",
      "mother",
      "good",
      "night",
      "day",
    ],
    randomWords: 200,
    pairs: [
      ["king", "queen"],
      ["queen", "king"],
      ["king", "prince"],
      ["lord", "duke"],
      ["man", "woman"],
      ["father", "mother"],
      ["brother", "sister"],
      ["night", "day"],
      ["good", "noble"],
    ],
    tolerance: 1e-12,
    neighbours: 10,
    model: WORD_MODEL,
  },
  cost: 2,
  measure,
  judge(data, stated): Verdict {
    return equidistant(data.spread, stated.tolerance) ? "holds" : "fails";
  },
  describe(data, verdict, stated) {
    return {
      evidence: evidence(data, stated, verdict === "holds"),
      correction: verdict === "holds" ? null : correction(data, stated),
      figures: figures(data, stated),
      tables: tables(data),
    };
  },
});
