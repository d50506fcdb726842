// Q2.sparsity: the fraction of non-zero entries of the first layer's inputs, as the library's input
// layer builds them (random tokens for vocabularies of 1e2 to 1e5 words, and a stretch of the corpus),
// and what a dense product that ignores the zeros costs (the Q2 timing sweep).

import type { InputConfig } from "../../src/index.js";
import { type Figure, plotNumber, type Table } from "../../src/report/index.js";
import type { CostSweepSpec } from "../embeddings/costs.js";
import { libraryInputs, nonZeroFraction } from "../embeddings/inputs.js";
import { formatNumber } from "../format.js";
import { defineExperiment, type LabContext } from "../types.js";
import { COST_SWEEP, costSweep, type Representation, sharedVocabulary, WORD_MODEL } from "./setup.js";

export interface SparsityStated {
  representation: Representation;
  /** Vocabulary sizes whose inputs are built (random tokens), besides the corpus's own vocabulary. */
  vocabSizes: number[];
  /** Also measure the inputs of a stretch of the corpus, tokenized as the word model does. */
  corpus: { lowercase: boolean; maxVocab: number; tokens: number };
  /** Inputs count as sparse when at most this fraction of their entries is non-zero. */
  maxDensity: number;
  /** Width of the embedding vectors (when the representation is an embedding). */
  embeddingSize: number;
  /** Random tokens per measurement. */
  rows: number;
  /** The timing sweep that shows what ignoring the sparsity costs. */
  sweep: CostSweepSpec;
}

export interface InputDensity {
  label: string;
  V: number;
  /** Fraction of non-zero entries. */
  density: number;
}

/** What a dense one-hot product W_ih x spends on the zeros of x. */
export interface DenseProductWaste {
  V: number;
  /** Multiply-adds that touch a zero: 1 − 1/V. */
  wastedFraction: number;
  /** µs per token of the dense product. */
  denseMicros: number;
  /** Its time over the column lookup's (the same result, zeros skipped). */
  speedup: number;
}

export interface SparsityData {
  densities: InputDensity[];
  waste: DenseProductWaste[];
}

function density(stated: SparsityStated, V: number, tokens: Int32Array, ctx: LabContext): number {
  const input: InputConfig =
    stated.representation === "one-hot"
      ? { kind: "onehot", vocabSize: V }
      : { kind: "embedding", vocabSize: V, embeddingSize: stated.embeddingSize };
  return nonZeroFraction(libraryInputs(input, tokens, ctx.rng(`q2.sparsity.table.${V}`)));
}

function corpusDensity(stated: SparsityStated, ctx: LabContext): InputDensity {
  const { tokenizer, stream } = sharedVocabulary(ctx, stated.corpus);
  const start = ctx.rng("q2.sparsity.corpus").int(stream.length - stated.corpus.tokens);
  const tokens = stream.slice(start, start + stated.corpus.tokens);
  const V = tokenizer.size;
  return { label: `corpus words, V = ${formatNumber(V)}`, V, density: density(stated, V, tokens, ctx) };
}

const sparseOnes = (data: SparsityData, stated: SparsityStated) =>
  data.densities.filter((d) => d.density <= stated.maxDensity);

function evidence(data: SparsityData, stated: SparsityStated): string {
  const sparse = sparseOnes(data, stated);
  const last = data.waste[data.waste.length - 1];
  const densities = data.densities.map((d) => `${d.label}: ${d.density.toPrecision(3)}`).join("; ");
  return (
    `The first layer's ${stated.representation} inputs built by the library's input layer (${stated.rows} random tokens per V, and ${stated.corpus.tokens} consecutive words of the corpus) have these fractions of non-zero entries: ${densities}. ` +
    `Inputs count as sparse at most ${stated.maxDensity} non-zero: ${sparse.length} of ${data.densities.length} cases are. ` +
    `What ignoring the sparsity costs (one-hot, timing sweep): a dense product $W_{ih} x$ spends a fraction $1 - 1/V$ of its multiply-adds on zeros (${(100 * last.wastedFraction).toPrecision(6)}% at V = ${formatNumber(last.V)}); ` +
    `measured, the dense product took ${data.waste.map((w) => `${formatNumber(w.denseMicros)} µs`).join(", ")} per token for V = ${data.waste.map((w) => formatNumber(w.V)).join(", ")}, and the column lookup that exploits the sparsity (same result) was ${data.waste.map((w) => `${formatNumber(w.speedup, 3)}×`).join(", ")} faster.`
  );
}

function correction(data: SparsityData, stated: SparsityStated): string {
  const sparse = sparseOnes(data, stated);
  if (sparse.length > 0) {
    const minV = Math.min(...sparse.map((d) => d.V));
    return `${stated.representation} inputs are sparse (at most ${stated.maxDensity} non-zero) only for vocabularies of ${formatNumber(minV)} words or more here (density ${data.densities.map((d) => d.density.toPrecision(3)).join(", ")}); confirmed by the same measurement.`;
  }
  const densities = data.densities.map((d) => `${d.label}: ${d.density.toPrecision(3)}`).join("; ");
  return `${stated.representation} inputs are dense: ${densities} non-zero (the threshold for sparse is ${stated.maxDensity}); a one-hot input has exactly one non-zero, density 1/V. Confirmed by the same measurement.`;
}

function figures(data: SparsityData, stated: SparsityStated): Figure[] {
  const byV = [...data.densities].sort((a, b) => a.V - b.V);
  const V = data.waste.map((w) => w.V);
  return [
    {
      id: "q2-sparsity-density",
      title: "Fraction of non-zero input entries against vocabulary size",
      caption: `Measured on the inputs the library's input layer builds (${stated.representation}); the rule is the threshold below which the inputs count as sparse.`,
      spec: {
        kind: "line",
        x: { label: "vocabulary size V", log: true },
        y: { label: "fraction non-zero", log: true },
        series: [
          {
            name: `${stated.representation} inputs`,
            x: byV.map((d) => d.V),
            y: byV.map((d) => plotNumber(d.density)),
            dots: true,
          },
        ],
        rules: [{ axis: "y", value: stated.maxDensity, label: "sparse below" }],
      },
    },
    {
      id: "q2-sparsity-waste",
      title: "What a dense one-hot product wastes",
      caption:
        "Time of the dense one-hot product over the time of the column lookup that gives the same result, per token, and the ratio of multiply-adds (V): the dense product's extra work is the zeros.",
      spec: {
        kind: "line",
        x: { label: "vocabulary size V", log: true },
        y: { label: "ratio", log: true },
        series: [
          {
            name: "time: dense product / column lookup",
            x: V,
            y: data.waste.map((w) => plotNumber(w.speedup)),
            dots: true,
          },
          { name: "multiply-adds: dense / useful (= V)", x: V, y: V, dashed: true },
        ],
      },
    },
  ];
}

function densityTable(data: SparsityData): Table {
  return {
    kind: "grid",
    title: "Fraction of non-zero input entries",
    columns: ["inputs", "V", "non-zero fraction", "1/V"],
    rows: data.densities.map((d) => [d.label, d.V, d.density.toPrecision(4), (1 / d.V).toPrecision(4)]),
  };
}

export const sparsity = defineExperiment<SparsityStated, SparsityData>({
  id: "Q2.sparsity",
  question: "Q2",
  title: "One-hot inputs: fraction of non-zeros",
  claim: "One-hot inputs are sparse.",
  stated: {
    representation: "one-hot",
    vocabSizes: COST_SWEEP.vocabSizes,
    corpus: { lowercase: WORD_MODEL.lowercase, maxVocab: WORD_MODEL.maxVocab, tokens: 512 },
    maxDensity: 0.1,
    embeddingSize: COST_SWEEP.embeddingSize,
    rows: 256,
    sweep: COST_SWEEP,
  },
  cost: 1,
  measure(stated, ctx) {
    const densities = stated.vocabSizes.map((V): InputDensity => {
      const rng = ctx.rng(`q2.sparsity.tokens.${V}`);
      const tokens = Int32Array.from({ length: stated.rows }, () => rng.int(V));
      return { label: `random tokens, V = ${formatNumber(V)}`, V, density: density(stated, V, tokens, ctx) };
    });
    densities.push(corpusDensity(stated, ctx));
    const waste = costSweep(ctx, stated.sweep).points.map((p) => ({
      V: p.V,
      wastedFraction: 1 - p.usefulMacs / p.denseMacs,
      denseMicros: p.micros.oneHotDense,
      speedup: p.micros.oneHotDense / p.micros.oneHotIndex,
    }));
    return { densities, waste };
  },
  judge(data, stated) {
    const sparse = sparseOnes(data, stated).length;
    return sparse === data.densities.length ? "holds" : sparse === 0 ? "fails" : "partly";
  },
  describe(data, verdict, stated) {
    return {
      evidence: evidence(data, stated),
      correction: verdict === "holds" ? null : correction(data, stated),
      figures: figures(data, stated),
      tables: [densityTable(data)],
    };
  },
});
