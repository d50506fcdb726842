// Q2.similarity's figures and tables: the claim pair's nearest neighbours in each learned table,
// cosine heatmaps of the stated words (one-hot and learned), pair ranks and neighbour lists.

import { type Figure, type HeatmapCell, plotNumber, slug, type Table } from "../../src/report/index.js";
import type { LearnedVectors } from "../embeddings/neighbours.js";
import { type SimilarityData, type SimilarityStated, underTrainedNote } from "./word-distances.js";

const c2 = (v: number) => v.toFixed(2);
const tableSlug = (l: LearnedVectors) => (l.parameter === "embedding.weight" ? "input" : "readout");

function heatmap(words: readonly string[], cosines: number[][]): HeatmapCell[] {
  return cosines.flatMap((row, i) => row.map((c, j) => ({ x: words[j], y: words[i], value: plotNumber(c) })));
}

function neighbourFigures(data: SimilarityData, stated: SimilarityStated): Figure[] {
  const pair = data.claimPair ? [data.claimPair.a, data.claimPair.b] : [];
  return data.learned.flatMap((l) =>
    pair.flatMap((w): Figure[] => {
      const list = l.lists.find((x) => x.word === w);
      if (!list) return [];
      return [
        {
          id: `q2-similarity-${tableSlug(l)}-neighbours-${slug(w)}`,
          title: `Nearest neighbours of "${w}": ${l.name}`,
          caption: `Cosine (centred ${l.parameter}) of the ${stated.neighbours} words closest to "${w}" among the ${data.wordCount - 1} other words of the vocabulary (punctuation left out). As one-hot vectors, every one of them would have cosine 0.${underTrainedNote(data, stated, true)}`,
          spec: {
            kind: "bar",
            horizontal: true,
            bars: list.top.map((t) => ({ label: t.word, value: plotNumber(t.cosine) })),
            x: { label: "cosine", domain: [0, 1] },
            height: 60 + 22 * list.top.length,
          },
        },
      ];
    }),
  );
}

export function figures(data: SimilarityData, stated: SimilarityStated): Figure[] {
  const color = { label: "cosine", scheme: "viridis" };
  return [
    ...neighbourFigures(data, stated),
    {
      id: "q2-similarity-onehot-cosine",
      title: "Cosine between one-hot vectors",
      caption: "Every distinct pair: 0 (the identity matrix).",
      spec: { kind: "heatmap", cells: heatmap(data.words, data.oneHotCosines), color },
    },
    ...data.learned.map(
      (l): Figure => ({
        id: `q2-similarity-${tableSlug(l)}-cosine`,
        title: `Cosine between learned ${l.name}`,
        caption: `The same words in the trained model's ${l.parameter} (centred): graded similarities.${underTrainedNote(data, stated, true)}`,
        spec: { kind: "heatmap", cells: heatmap(data.words, l.cosines), color },
      }),
    ),
  ];
}

export function tables(data: SimilarityData): Table[] {
  const { learned } = data;
  const ranks: Table = {
    kind: "grid",
    title: `Rank of the second word among the first word's neighbours (of ${data.wordCount - 1}; one-hot: all tied at cosine 0)`,
    columns: ["pair", ...learned.flatMap((l) => [`${l.name}: rank`, "cosine", "at init"])],
    rows: (learned[0]?.pairs ?? []).map((p, k) => [
      `${p.a} – ${p.b}`,
      ...learned.flatMap((l) => [l.pairs[k].rank, c2(l.pairs[k].cosine), l.initialPairs[k].rank]),
    ]),
  };
  const neighbours = learned.map(
    (l): Table => ({
      kind: "grid",
      title: `Nearest neighbours: ${l.name} (cosine, centred ${l.parameter})`,
      columns: ["word", { label: "nearest neighbours", width: "80%" }],
      rows: l.lists.map((x) => [x.word, x.top.map((t) => `${t.word} ${c2(t.cosine)}`).join(", ")]),
    }),
  );
  return [ranks, ...neighbours];
}
