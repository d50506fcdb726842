import type { Lexicon } from "./lexicon.js";
import {
  centerRows,
  cosineMatrix,
  cosinesTo,
  meanOffDiagonal,
  type Neighbour,
  pairGeometry,
  pickRows,
  rankByCosine,
} from "./vectors.js";

// Nearest neighbours and pair ranks in a learned table of word vectors (a row per vocabulary token).
// The table is centred first: every row of a trained table shares a common direction, which lifts all
// raw cosines alike (the raw mean over random pairs is kept to show it).

export interface WordNeighbours {
  word: string;
  top: { word: string; cosine: number }[];
}

export interface PairRank {
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

/** A table of word vectors, trained and as it started. */
export interface VectorTable {
  name: string;
  parameter: string;
  values: ArrayLike<number>;
  initial: ArrayLike<number>;
  width: number;
}

/** What is asked of a table: the listed words' neighbours, the pairs' ranks, the random words' mean. */
export interface NeighbourQuery {
  words: readonly string[];
  pairs: readonly (readonly [string, string])[];
  neighbours: number;
  randomIds: readonly number[];
}

export interface LearnedVectors {
  name: string;
  parameter: string;
  width: number;
  lists: WordNeighbours[];
  pairs: PairRank[];
  /** The same pairs at initialization. */
  initialPairs: PairRank[];
  /** Mean raw (uncentred) cosine between the random words. */
  rawMeanCosine: number;
  /** Cosines (centred) between the query's words, in their order. */
  cosines: number[][];
}

export function learnedVectors(table: VectorTable, lexicon: Lexicon, query: NeighbourQuery): LearnedVectors {
  const { width } = table;
  const V = lexicon.size;
  const centred = centerRows(table.values, V, width, 1);
  const wordIds = query.words.map((w) => lexicon.id(w));
  return {
    name: table.name,
    parameter: table.parameter,
    width,
    lists: query.words.map((word) => ({
      word,
      top: wordNeighbours(centred, lexicon, width, lexicon.id(word))
        .slice(0, query.neighbours)
        .map((n) => ({ word: lexicon.vocab[n.id], cosine: n.cosine })),
    })),
    pairs: pairRanks(centred, lexicon, width, query.pairs),
    initialPairs: pairRanks(centerRows(table.initial, V, width, 1), lexicon, width, query.pairs),
    rawMeanCosine: meanOffDiagonal(
      pairGeometry(pickRows(table.values, width, query.randomIds), query.randomIds.length, width),
    ),
    cosines: cosineMatrix(pairGeometry(pickRows(centred, width, wordIds), wordIds.length, width)),
  };
}

/** Every other word, nearest first. */
function wordNeighbours(table: Float64Array, lexicon: Lexicon, width: number, id: number): Neighbour[] {
  return rankByCosine(cosinesTo(table, lexicon.size, width, id), id, 1).filter((n) => lexicon.isWord(n.id));
}

/** The rank of b among a's neighbours, for each pair of words of the vocabulary. */
function pairRanks(
  table: Float64Array,
  lexicon: Lexicon,
  width: number,
  pairs: NeighbourQuery["pairs"],
): PairRank[] {
  return pairs
    .filter(([a, b]) => lexicon.hasWords(a, b))
    .map(([a, b]) => {
      const list = wordNeighbours(table, lexicon, width, lexicon.id(a));
      const rank = list.findIndex((n) => n.id === lexicon.id(b)) + 1;
      const mean = list.reduce((s, n) => s + n.cosine, 0) / list.length;
      const sd = Math.sqrt(list.reduce((s, n) => s + (n.cosine - mean) ** 2, 0) / list.length);
      return { a, b, cosine: list[rank - 1].cosine, rank, of: list.length, mean, sd };
    });
}
