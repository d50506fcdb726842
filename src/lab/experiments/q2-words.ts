// Q2.growth and Q2.similarity, on a small word-level language model trained on the bundled corpus:
// what adding a word costs each representation (shown by growing the trained model's vocabulary), and
// how far apart words are as one-hot vectors and as learned embeddings.

import { Tokenizer } from "../../data/tokenizer.js";
import { InputLayer } from "../../model/input-layer.js";
import { GATES } from "../../model/param-shapes.js";
import { Params } from "../../model/params.js";
import type { SequenceModel } from "../../model/sequence-model.js";
import { type Figure, formatNumber, type Table } from "../../report/page.js";
import { type HeatmapCell, plotNumber } from "../../report/spec.js";
import {
  centerRows,
  cosinesTo,
  type PairGeometry,
  pairGeometry,
  pickRows,
  rankByCosine,
} from "../embeddings/vectors.js";
import {
  addWord,
  foldToOneHot,
  type ParamChange,
  type TrainedWordModel,
  trainWordModel,
  type WordModelSpec,
  wordVocabulary,
} from "../embeddings/word-model.js";
import { type ClaimResult, defineExperiment, type LabContext } from "../types.js";

/** The word model both claims read (shared: trained once per lab run). About 30 to 45 s on one core in a
 *  full run (900 steps of 512 words: 1.6 passes over the corpus), 3 s in a quick one. The 599 most
 *  frequent tokens cover the words the lab looks at (king, queen, woman...) and keep the readout,
 *  which dominates the cost, small. */
export const WORD_MODEL: WordModelSpec = {
  lowercase: true,
  maxVocab: 600,
  cell: "gru",
  hiddenSize: 32,
  embeddingSize: 32,
  embeddingInitScale: 0.05,
  seqLen: 16,
  batch: 32,
  lr: 0.01,
  clipNorm: 1,
  steps: { full: 900, quick: 60 },
};

export function trainedWordModel(ctx: LabContext, spec: WordModelSpec): TrainedWordModel {
  return ctx.shared(`q2.word-model:${JSON.stringify(spec)}:${ctx.quick}`, () => {
    const vocabulary = ctx.shared(`q2.vocab:${spec.lowercase}:${spec.maxVocab}`, () =>
      wordVocabulary(ctx.corpus(), spec),
    );
    ctx.progress("Q2: training the word model");
    return trainWordModel(
      vocabulary,
      spec,
      ctx.quick,
      { init: ctx.rng("q2.word-model.init"), batches: ctx.rng("q2.word-model.batches") },
      ctx.progress,
    );
  });
}

const n4 = (v: number) => formatNumber(v, 4);
const c2 = (v: number) => v.toFixed(2);

function describeModel(t: TrainedWordModel): string {
  const c = t.model.config;
  const E = c.input.kind === "embedding" ? c.input.embeddingSize : 0;
  return `a word-level ${c.cell.toUpperCase()} language model (V = ${t.tokenizer.size} tokens of the lower-cased corpus, E = ${E}, H = ${c.hiddenSize}) trained with teacher forcing for ${t.steps} steps in ${t.seconds.toFixed(1)} s (training loss ${t.lossFirst.toFixed(2)} → ${t.lossLast.toFixed(2)} nats per word)`;
}

/** A (T, B) batch of consecutive corpus windows, time-major. */
function corpusBatch(stream: Int32Array, T: number, B: number, ctx: LabContext, label: string): Int32Array {
  const rng = ctx.rng(label);
  const tokens = new Int32Array(T * B);
  for (let b = 0; b < B; b++) {
    const o = rng.int(stream.length - T);
    for (let t = 0; t < T; t++) tokens[t * B + b] = stream[o + t];
  }
  return tokens;
}

/** max |a − b| over the first `cols` columns of [rows×colsA] and [rows×colsB] logits. */
function maxLogitDiff(
  a: ArrayLike<number>,
  colsA: number,
  b: ArrayLike<number>,
  colsB: number,
  rows: number,
  cols: number,
): number {
  let worst = 0;
  for (let r = 0; r < rows; r++)
    for (let k = 0; k < cols; k++) worst = Math.max(worst, Math.abs(a[r * colsA + k] - b[r * colsB + k]));
  return worst;
}

function logits(model: SequenceModel, tokens: Int32Array, T: number, B: number): Float64Array {
  return Float64Array.from(model.forward({ T, B, tokens }));
}

// ---------------------------------------------------------------------------------------------
// Q2.growth

export interface GrowthData {
  /** The representation the claim is about. */
  representation: "one-hot" | "embedding";
  /** The word added: null for the most frequent corpus word outside the vocabulary. */
  newWord: string | null;
  /** Old words' outputs count as unchanged when they move by at most this (float32 logits). */
  tolerance: number;
  model: WordModelSpec;
}

interface Grown {
  representation: "one-hot" | "embedding";
  widthBefore: number;
  widthAfter: number;
  /** Old words whose input vector changed length. */
  vectorsLengthened: number;
  changes: ParamChange[];
  added: number;
  changed: number;
  /** max |Δ logit| of the old words' outputs on corpus text, before and after adding the word. */
  oldOutputsDiff: number;
}

function runGrowth(data: GrowthData, ctx: LabContext): ClaimResult {
  const trained = trainedWordModel(ctx, data.model);
  const { tokenizer, stream } = trained;
  const emb = trained.model;
  const c = emb.config;
  const V = tokenizer.size;
  const H = c.hiddenSize;
  const E = c.input.kind === "embedding" ? c.input.embeddingSize : 0;
  const GH = GATES[c.cell] * H;
  const oneHot = foldToOneHot(emb);

  const corpus = data.model.lowercase ? ctx.corpus().toLowerCase() : ctx.corpus();
  const newWord = data.newWord ?? Tokenizer.fromText("word", corpus, data.model.maxVocab + 1).vocab[V];
  if (tokenizer.vocab.includes(newWord))
    throw new Error(`Q2.growth: "${newWord}" is already in the vocabulary`);

  // The new word's weights: an embedding row drawn like the trained table's start, the one-hot
  // column that computes the same (W_ih · row), a readout row and bias as PyTorch draws them.
  const rng = ctx.rng("q2.growth.new-word");
  const row = Array.from({ length: E }, () => data.model.embeddingInitScale * rng.normal());
  const wih = emb.params.value("rnn.weight_ih_l0");
  const column = Array.from({ length: GH }, (_, g) => {
    let s = 0;
    for (let j = 0; j < E; j++) s += wih[g * E + j] * row[j];
    return s;
  });
  const bound = 1 / Math.sqrt(H);
  const readoutRow = Array.from({ length: H }, () => rng.uniformIn(-bound, bound));
  const readoutBias = rng.uniformIn(-bound, bound);
  const embGrown = addWord(emb, { embeddingRow: row, readoutRow, readoutBias });
  const oneHotGrown = addWord(oneHot, { weightIhColumn: column, readoutRow, readoutBias });

  // Old words' outputs, before and after, on corpus text (old tokens only).
  const T = 24;
  const B = 8;
  const tokens = corpusBatch(stream, T, B, ctx, "q2.growth.batch");
  const before = logits(emb, tokens, T, B);
  const foldDiff = maxLogitDiff(before, V, logits(oneHot, tokens, T, B), V, T * B, V);
  const grownOf = (representation: "one-hot" | "embedding"): Grown => {
    const [old, grown] = representation === "one-hot" ? [oneHot, oneHotGrown] : [emb, embGrown];
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
      oldOutputsDiff: maxLogitDiff(
        logits(old, tokens, T, B),
        V,
        logits(grown.model, tokens, T, B),
        V + 1,
        T * B,
        V,
      ),
    };
  };
  const results = { "one-hot": grownOf("one-hot"), embedding: grownOf("embedding") };
  // Text with the new word in it: the two grown models still compute the same function.
  const withNew = Int32Array.from(tokens, (t, i) => (i % 5 === 2 ? V : t));
  const grownAgree = maxLogitDiff(
    logits(embGrown.model, withNew, T, B),
    V + 1,
    logits(oneHotGrown.model, withNew, T, B),
    V + 1,
    T * B,
    V + 1,
  );

  const subject = results[data.representation];
  const fraction = subject.vectorsLengthened / V;
  const verdict = fraction === 1 ? "holds" : fraction === 0 ? "fails" : "partly";
  const carried = (g: Grown) => g.changed === 0 && g.oldOutputsDiff <= data.tolerance;
  const describe = (g: Grown) => {
    const grownParams = g.changes.filter((ch) => ch.added > 0);
    const kept = g.changes.filter((ch) => ch.added === 0).map((ch) => ch.name);
    return (
      `${g.representation === "one-hot" ? "One-hot" : "Embedding"}: ${g.vectorsLengthened} of the ${V} old input vectors change length (${g.widthBefore} → ${g.widthAfter} entries); ` +
      grownParams
        .map(
          (ch) =>
            `${ch.name} [${ch.oldShape.join("×")}] → [${ch.newShape.join("×")}] (+${ch.added}${ch.rowsLengthened ? `, all ${ch.rowsLengthened} rows one longer` : ""})`,
        )
        .join(", ") +
      `; ${kept.join(", ")} keep their shape; ${g.added} new parameters, ${g.changed} old ones changed; the old words' logits ${g.oldOutputsDiff === 0 ? "are bit for bit the same" : `move by at most ${g.oldOutputsDiff.toExponential(1)}`}${carried(g) ? " (unchanged)" : " (CHANGED: the surgery did not carry the weights over)"}`
    );
  };
  const evidence =
    `On ${describeModel(trained)}, and on its exact one-hot equivalent (W_ih' = W_ih Eᵀ, [${GH}×${V}]; logits agree ${foldDiff === 0 ? "exactly" : `to ${foldDiff.toExponential(1)}`}), the word "${newWord}" was added (V → ${V + 1}) by building each model anew and copying the trained weights. ` +
    `${describe(results["one-hot"])}. ${describe(results.embedding)}. ` +
    `The two grown models still agree on text containing "${newWord}" (max |Δ logit| ${grownAgree.toExponential(1)}). ` +
    `For the ${data.representation} representation, ${subject.vectorsLengthened} of ${V} old vectors (${(100 * fraction).toFixed(0)}%) changed length. ` +
    `In both, the readout gains a row, since a word to predict is one more output.`;
  const correction =
    verdict === "holds"
      ? null
      : `Adding a word changes the length of every one-hot vector (${results["one-hot"].vectorsLengthened} of ${V}: ${results["one-hot"].widthBefore} → ${results["one-hot"].widthAfter}) and of every row of W_ih, but no ${data.representation} vector (${subject.widthBefore} → ${subject.widthAfter} entries): the embedding table gains one row of ${E} numbers, and nothing else of the input side changes; confirmed on the trained model by the same surgery.`;

  const changeTable: Table = {
    kind: "grid",
    title: `Adding "${newWord}" to the trained model: every parameter`,
    columns: [
      "representation",
      "parameter",
      "shape before",
      "shape after",
      "new entries",
      "old values changed",
      "rows lengthened",
    ],
    rows: (["one-hot", "embedding"] as const).flatMap((r) =>
      results[r].changes.map((ch) => [
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
  const figure: Figure = {
    id: "q2-growth-params",
    title: `What adding one word costs each representation (V = ${V} → ${V + 1})`,
    caption:
      "New parameters per parameter tensor, for the trained model as an embedding model and as its one-hot equivalent.",
    spec: {
      kind: "bar",
      bars: (["one-hot", "embedding"] as const).flatMap((r) =>
        results[r].changes
          .filter((ch) => ch.added > 0)
          .map((ch) => ({ label: ch.name, value: ch.added, group: r })),
      ),
      y: { label: "new parameters" },
    },
  };
  return {
    id: "Q2.growth",
    verdict,
    evidence,
    correction,
    figures: [figure],
    tables: [changeTable],
    data: { newWord, V, foldDiff, grownAgree, results, tolerance: data.tolerance },
  };
}

export const growth = defineExperiment<GrowthData>({
  id: "Q2.growth",
  question: "Q2",
  title: "Adding a word: which vectors change length",
  claim: "Adding a word to the vocabulary changes the length of every vector.",
  data: { representation: "one-hot", newWord: null, tolerance: 1e-5, model: WORD_MODEL },
  cost: 50,
  run: runGrowth,
});

// ---------------------------------------------------------------------------------------------
// Q2.similarity

export interface SimilarityData {
  /** The representation the claim is about: one-hot vectors, or the trained model's input embeddings. */
  representation: "one-hot" | "embedding";
  /** Words compared (those in the vocabulary), with `randomWords` more drawn from the vocabulary. */
  words: string[];
  randomWords: number;
  /** Pairs of related words: is the first closer to the second than to other words? The first pair
   *  is the claim's (king, queen). */
  pairs: [string, string][];
  /** All distinct pairs count as equally far apart when their distances differ by at most this
   *  (relative to the largest distance: float round-off). */
  tolerance: number;
  /** Nearest neighbours listed per word. */
  neighbours: number;
  model: WordModelSpec;
}

interface WordNeighbours {
  word: string;
  top: { word: string; cosine: number }[];
}

interface PairRank {
  a: string;
  b: string;
  cosine: number;
  /** b's rank among a's neighbours (1 = nearest), out of `of` words. */
  rank: number;
  of: number;
  /** a's mean cosine (± sd) with every other word. */
  mean: number;
  sd: number;
}

/** Nearest neighbours and pair ranks in one table of learned word vectors. */
interface LearnedVectors {
  name: string;
  parameter: string;
  width: number;
  lists: WordNeighbours[];
  pairs: PairRank[];
  /** The same pairs at initialization. */
  initialPairs: PairRank[];
  /** Mean raw (uncentred) cosine between the random words. */
  rawMeanCosine: number;
  centred: Float64Array;
}

function spreadOf(g: PairGeometry): {
  minD: number;
  maxD: number;
  minCos: number;
  maxCos: number;
  pairs: number;
} {
  let minD = Number.POSITIVE_INFINITY;
  let maxD = 0;
  let minCos = Number.POSITIVE_INFINITY;
  let maxCos = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < g.n; i++) {
    for (let j = i + 1; j < g.n; j++) {
      minD = Math.min(minD, g.distance[i * g.n + j]);
      maxD = Math.max(maxD, g.distance[i * g.n + j]);
      minCos = Math.min(minCos, g.cosine[i * g.n + j]);
      maxCos = Math.max(maxCos, g.cosine[i * g.n + j]);
    }
  }
  return { minD, maxD, minCos, maxCos, pairs: (g.n * (g.n - 1)) / 2 };
}

function meanOffDiagonal(g: PairGeometry): number {
  let s = 0;
  for (let i = 0; i < g.n; i++) for (let j = i + 1; j < g.n; j++) s += g.cosine[i * g.n + j];
  return s / ((g.n * (g.n - 1)) / 2);
}

function runSimilarity(data: SimilarityData, ctx: LabContext): ClaimResult {
  const trained = trainedWordModel(ctx, data.model);
  const { tokenizer, model } = trained;
  const V = tokenizer.size;
  const c = model.config;
  const E = c.input.kind === "embedding" ? c.input.embeddingSize : 0;
  const H = c.hiddenSize;
  const idOf = new Map(tokenizer.vocab.map((w, i) => [w, i]));
  const words = data.words.filter((w) => idOf.has(w));
  const ids = words.map((w) => idOf.get(w) as number);
  // Words are tokens with a letter: punctuation and the newline token are left out of the random
  // sample, the neighbour lists and the ranks.
  const isWord = (id: number) => id > 0 && /\p{L}/u.test(tokenizer.vocab[id]);
  const wordCount = tokenizer.vocab.filter((_, i) => isWord(i)).length;
  const pool = Array.from({ length: V }, (_, i) => i).filter((i) => isWord(i) && !ids.includes(i));
  const rng = ctx.rng("q2.similarity.words");
  const randomIds: number[] = [];
  for (let k = 0; k < Math.min(data.randomWords, pool.length); k++) {
    const j = k + rng.int(pool.length - k);
    [pool[k], pool[j]] = [pool[j], pool[k]];
    randomIds.push(pool[k]);
  }
  const all = [...ids, ...randomIds];

  // The claim: the vectors of the representation it is about, as the library builds them, and the
  // distances between every distinct pair.
  const table = model.params.value("embedding.weight");
  const oneHotRows = (rows: number[]) => {
    const layer = new InputLayer({ kind: "onehot", vocabSize: V }, "float32", "embedding.weight");
    return Float64Array.from(
      layer.forward(new Params([], "float32"), rows.length, Int32Array.from(rows), null),
    );
  };
  const subject =
    data.representation === "one-hot"
      ? { x: oneHotRows(all), width: V }
      : { x: pickRows(table, E, all), width: E };
  const geometry = pairGeometry(subject.x, all.length, subject.width);
  const spread = spreadOf(geometry);
  const equal = spread.maxD - spread.minD <= data.tolerance * Math.max(1, spread.maxD);
  const verdict = equal ? "holds" : "fails";
  const claimPair = data.pairs.find(([a, b]) => idOf.has(a) && idOf.has(b)) ?? null;
  const subjectPair = claimPair
    ? (() => {
        const i = all.indexOf(idOf.get(claimPair[0]) as number);
        const j = all.indexOf(idOf.get(claimPair[1]) as number);
        return {
          cosine: geometry.cosine[i * geometry.n + j],
          distance: geometry.distance[i * geometry.n + j],
        };
      })()
    : null;

  // What a language model learns instead: its input embeddings (a row per word, learned when the
  // word is read) and its readout's rows (a vector per word, learned at every step from the softmax),
  // both centred: every row of such a table shares a common direction, which lifts all raw cosines
  // alike (the raw mean is reported).
  const learnedOf = (
    name: string,
    parameter: string,
    values: ArrayLike<number>,
    initial: ArrayLike<number>,
    width: number,
  ): LearnedVectors => {
    const centred = centerRows(values, V, width, 1);
    const centredInit = centerRows(initial, V, width, 1);
    const ranked = (tab: Float64Array, id: number) =>
      rankByCosine(cosinesTo(tab, V, width, id), id, 1).filter((r) => isWord(r.id));
    const pairRanks = (tab: Float64Array): PairRank[] =>
      data.pairs
        .filter(([a, b]) => isWord(idOf.get(a) ?? 0) && isWord(idOf.get(b) ?? 0))
        .map(([a, b]) => {
          const list = ranked(tab, idOf.get(a) as number);
          const rank = list.findIndex((r) => r.id === idOf.get(b)) + 1;
          const mean = list.reduce((s, r) => s + r.cosine, 0) / list.length;
          const sd = Math.sqrt(list.reduce((s, r) => s + (r.cosine - mean) ** 2, 0) / list.length);
          return { a, b, cosine: list[rank - 1].cosine, rank, of: list.length, mean, sd };
        });
    return {
      name,
      parameter,
      width,
      lists: words.map((w) => ({
        word: w,
        top: ranked(centred, idOf.get(w) as number)
          .slice(0, data.neighbours)
          .map((r) => ({ word: tokenizer.vocab[r.id], cosine: r.cosine })),
      })),
      pairs: pairRanks(centred),
      initialPairs: pairRanks(centredInit),
      rawMeanCosine: meanOffDiagonal(
        pairGeometry(pickRows(values, width, randomIds), randomIds.length, width),
      ),
      centred,
    };
  };
  const learned = [
    learnedOf("input embeddings", "embedding.weight", table, trained.initialEmbedding, E),
    learnedOf(
      "readout word vectors",
      "linear.weight",
      model.params.value("linear.weight"),
      trained.initialReadout,
      H,
    ),
  ];

  const medianRank = (ps: PairRank[]) => {
    const r = ps.map((p) => p.rank).sort((x, y) => x - y);
    return r.length ? r[Math.floor((r.length - 1) / 2)] : Number.NaN;
  };
  const learnedText = learned
    .map((l) => {
      const first = l.pairs[0];
      const head = first
        ? `${first.a}–${first.b} cosine ${c2(first.cosine)}, ${first.b} ranks ${first.rank} of ${first.of} among ${first.a}'s neighbours (${first.a}'s mean cosine with all words ${c2(first.mean)} ± ${c2(first.sd)}; at initialization ${first.b} ranked ${l.initialPairs[0].rank})`
        : "";
      const rest = l.pairs
        .slice(1)
        .map((p) => `${p.a}–${p.b} ${p.rank}`)
        .join(", ");
      const king = l.lists.find((x) => x.word === first?.a);
      return `${l.name} (${l.parameter}, ${l.width} numbers per word; raw cosine of random pairs ${c2(l.rawMeanCosine)}): ${head}; other pairs' ranks ${rest} (median ${medianRank(l.pairs)} of ${first?.of ?? wordCount - 1}; ${medianRank(l.initialPairs)} at initialization)${
        king
          ? `; ${king.word}'s nearest: ${king.top
              .slice(0, 5)
              .map((t) => `${t.word} ${c2(t.cosine)}`)
              .join(", ")}`
          : ""
      }`;
    })
    .join(". In the ");
  const evidence =
    `${data.representation === "one-hot" ? "One-hot" : "Learned input embedding"} vectors of ${all.length} words (${words.join(", ")}, and ${randomIds.length} drawn at random from the ${wordCount} words of the ${V}-token vocabulary), all ${n4(spread.pairs)} distinct pairs: cosine from ${spread.minCos.toPrecision(4)} to ${spread.maxCos.toPrecision(4)}, distance from ${spread.minD.toPrecision(7)} to ${spread.maxD.toPrecision(7)}` +
    (equal
      ? ` — every pair equally far apart (spread ${(spread.maxD - spread.minD).toExponential(1)} ≤ ${data.tolerance} relative)${subjectPair && claimPair ? `; ${claimPair[0]}–${claimPair[1]}: cosine ${subjectPair.cosine}, distance ${subjectPair.distance.toPrecision(7)} (√2 = ${Math.SQRT2.toPrecision(7)}), as for any other pair` : ""}. `
      : ` — not equally far apart (spread ${(spread.maxD - spread.minD).toPrecision(3)} > ${data.tolerance} relative). `) +
    `By contrast, the word vectors of ${describeModel(trained)} are graded (cosines of the centred tables; ranks among the ${wordCount - 1} other words, about ${Math.round(wordCount / 2)} expected by chance). In the ${learnedText}.`;
  const correction = equal
    ? null
    : `Only one-hot vectors (distinct standard basis vectors) are all equally far apart: cosine 0, distance √2 for every pair. The ${data.representation} vectors are not (cosine from ${spread.minCos.toFixed(2)} to ${spread.maxCos.toFixed(2)}, distance from ${spread.minD.toPrecision(3)} to ${spread.maxD.toPrecision(3)}${learned[0].pairs[0] ? `; ${learned[0].pairs[0].a}–${learned[0].pairs[0].b} cosine ${c2(learned[0].pairs[0].cosine)} after centring, rank ${learned[0].pairs[0].rank} of ${learned[0].pairs[0].of}` : ""}): they carry graded similarity. Confirmed by the same computation.`;

  const slug = (w: string) => w.toLowerCase().replace(/[^a-z0-9]+/g, "-");
  const figures: Figure[] = [];
  for (const l of learned) {
    for (const w of claimPair ?? []) {
      const list = l.lists.find((x) => x.word === w);
      if (!list) continue;
      figures.push({
        id: `q2-similarity-${l.parameter === "embedding.weight" ? "input" : "readout"}-neighbours-${slug(w)}`,
        title: `Nearest neighbours of "${w}": ${l.name}`,
        caption: `Cosine (centred ${l.parameter}) of the ${data.neighbours} words closest to "${w}" among the ${wordCount - 1} other words of the vocabulary (punctuation left out). As one-hot vectors, every one of them would have cosine 0.`,
        spec: {
          kind: "bar",
          horizontal: true,
          bars: list.top.map((t) => ({ label: t.word, value: plotNumber(t.cosine) })),
          x: { label: "cosine", domain: [0, 1] },
          height: 60 + 22 * list.top.length,
        },
      });
    }
  }
  const heat = (g: PairGeometry): HeatmapCell[] => {
    const cells: HeatmapCell[] = [];
    for (let i = 0; i < g.n; i++)
      for (let j = 0; j < g.n; j++)
        cells.push({ x: words[j], y: words[i], value: plotNumber(g.cosine[i * g.n + j]) });
    return cells;
  };
  figures.push({
    id: "q2-similarity-onehot-cosine",
    title: "Cosine between one-hot vectors",
    caption: "Every distinct pair: 0 (the identity matrix).",
    spec: {
      kind: "heatmap",
      cells: heat(pairGeometry(oneHotRows(ids), ids.length, V)),
      color: { label: "cosine", scheme: "viridis" },
    },
  });
  for (const l of learned) {
    figures.push({
      id: `q2-similarity-${l.parameter === "embedding.weight" ? "input" : "readout"}-cosine`,
      title: `Cosine between learned ${l.name}`,
      caption: `The same words in the trained model's ${l.parameter} (centred): graded similarities.`,
      spec: {
        kind: "heatmap",
        cells: heat(pairGeometry(pickRows(l.centred, l.width, ids), ids.length, l.width)),
        color: { label: "cosine", scheme: "viridis" },
      },
    });
  }
  const tables: Table[] = [
    {
      kind: "grid",
      title: `Rank of the second word among the first word's neighbours (of ${wordCount - 1}; one-hot: all tied at cosine 0)`,
      columns: ["pair", ...learned.flatMap((l) => [`${l.name}: rank`, "cosine", "at init"])],
      rows: learned[0].pairs.map((p, k) => [
        `${p.a} – ${p.b}`,
        ...learned.flatMap((l) => [l.pairs[k].rank, c2(l.pairs[k].cosine), l.initialPairs[k].rank]),
      ]),
    },
    ...learned.map(
      (l): Table => ({
        kind: "grid",
        title: `Nearest neighbours: ${l.name} (cosine, centred ${l.parameter})`,
        columns: ["word", { label: "nearest neighbours", width: "80%" }],
        rows: l.lists.map((x) => [x.word, x.top.map((t) => `${t.word} ${c2(t.cosine)}`).join(", ")]),
      }),
    ),
  ];
  return {
    id: "Q2.similarity",
    verdict,
    evidence,
    correction,
    figures,
    tables,
    data: {
      representation: data.representation,
      spread,
      equal,
      claimPair: subjectPair,
      learned: learned.map(({ centred: _, ...rest }) => rest),
      training: {
        steps: trained.steps,
        seconds: trained.seconds,
        lossFirst: trained.lossFirst,
        lossLast: trained.lossLast,
      },
    },
  };
}

export const similarity = defineExperiment<SimilarityData>({
  id: "Q2.similarity",
  question: "Q2",
  title: "One-hot distances against learned similarity (king, queen)",
  claim:
    "One-hot vectors carry no similarity: every pair of distinct words is equally far apart (king is no closer to queen than to any other word).",
  data: {
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
  run: runSimilarity,
});
