// Q2.dimension and Q2.sparsity: what a one-hot input costs against an embedding, measured for
// vocabularies of 1e2 to 1e5 words (bytes, parameters, time per token), and how sparse it is.

import { InputLayer } from "../../model/input-layer.js";
import { Params } from "../../model/params.js";
import { type Figure, formatNumber, type Table } from "../../report/page.js";
import { plotNumber } from "../../report/spec.js";
import {
  type CostPoint,
  type CostSweep,
  type CostSweepSpec,
  logLogSlope,
  measureCosts,
} from "../embeddings/costs.js";
import { wordVocabulary } from "../embeddings/word-model.js";
import { type ClaimResult, defineExperiment, type LabContext } from "../types.js";
import { WORD_MODEL } from "./q2-words.js";

/** The sweep both claims read (shared: measured once per lab run). */
export const COST_SWEEP: CostSweepSpec = {
  vocabSizes: [100, 1_000, 10_000, 100_000],
  hiddenSize: 128,
  embeddingSize: 64,
  bytesPerNumber: 4,
  bytesPerIndex: 4,
  productRows: 8,
  lookupRows: 1024,
  minMs: { full: 5, quick: 2 },
  trials: { full: 15, quick: 7 },
};

export function costSweep(ctx: LabContext, spec: CostSweepSpec): CostSweep {
  return ctx.shared(`q2.costs:${JSON.stringify(spec)}:${ctx.quick}`, () => {
    ctx.progress("Q2: timing one-hot products and embedding lookups");
    return measureCosts(spec, ctx.quick, ctx.rng("q2.costs"));
  });
}

const n4 = (v: number) => formatNumber(v, 4);
const n3 = (v: number) => formatNumber(v, 3);
const slope = (v: number) => v.toFixed(2);

function bytes(v: number): string {
  if (v >= 1e6) return `${n3(v / 1e6)} MB`;
  if (v >= 1e3) return `${n3(v / 1e3)} kB`;
  return `${n3(v)} B`;
}

// ---------------------------------------------------------------------------------------------
// Q2.dimension

/** How a token becomes the first layer's input: a one-hot vector multiplied densely ("dense") or
 *  the hot position used to read column i of W_ih ("index"); an embedding by a table lookup. */
export type OneHotImplementation = "dense" | "index";
export type Cost = "memory" | "compute";

export interface DimensionData {
  /** The representation the claim is about. */
  representation: "one-hot" | "embedding";
  /** The implementations of a one-hot input considered (ignored for an embedding: its lookup). */
  implementations: OneHotImplementation[];
  /** What the claim says grows with the vocabulary. */
  asserts: Cost[];
  /** A cost "grows with V" when the log-log slope of cost against V is at least this (cost ∝ V^p,
   *  p >= 0.5: at least like √V; a constant cost has p ≈ 0, a linear one p ≈ 1). */
  growthSlope: number;
  sweep: CostSweepSpec;
}

interface ImplementationCosts {
  name: string;
  /** Input-side bytes: parameters plus one token's input. */
  memory: number[];
  /** µs per token to the H-wide input of the cell. */
  compute: number[];
}

function implementationCosts(data: DimensionData, points: CostPoint[]): ImplementationCosts[] {
  const b = data.sweep.bytesPerNumber;
  if (data.representation === "embedding") {
    return [
      {
        name: "embedding lookup",
        memory: points.map((p) => p.params.embedding * b + p.tokenBytes.embeddingVector),
        compute: points.map((p) => p.micros.embeddingLookupProduct),
      },
    ];
  }
  if (data.implementations.length === 0)
    throw new Error("Q2.dimension: no one-hot implementation to measure");
  return data.implementations.map((impl) =>
    impl === "dense"
      ? {
          name: "one-hot, dense product",
          memory: points.map((p) => p.params.oneHot * b + p.tokenBytes.oneHotVector),
          compute: points.map((p) => p.micros.oneHotDense),
        }
      : {
          name: "one-hot, column lookup",
          memory: points.map((p) => p.params.oneHot * b + p.tokenBytes.oneHotIndex),
          compute: points.map((p) => p.micros.oneHotIndex),
        },
  );
}

function dimensionFigures(points: CostPoint[], spec: CostSweepSpec): Figure[] {
  const V = points.map((p) => p.V);
  const b = spec.bytesPerNumber;
  const line = (name: string, ys: number[], dashed = false) => ({
    name,
    x: V,
    y: ys.map(plotNumber),
    dots: true,
    dashed,
  });
  return [
    {
      id: "q2-dimension-bytes",
      title: "Bytes against vocabulary size",
      caption: `Per token (solid): a dense one-hot vector (${b}·V bytes), the same token as an index, an embedding vector (${b}·E, E = ${spec.embeddingSize}). Parameters of the input side (dashed): one-hot W_ih (H·V, H = ${spec.hiddenSize}) against the embedding table plus its W_ih (V·E + H·E). Log-log.`,
      spec: {
        kind: "line",
        x: { label: "vocabulary size V", log: true },
        y: { label: "bytes", log: true },
        series: [
          line(
            "one-hot vector (per token)",
            points.map((p) => p.tokenBytes.oneHotVector),
          ),
          line(
            "one-hot as index (per token)",
            points.map((p) => p.tokenBytes.oneHotIndex),
          ),
          line(
            "embedding vector (per token)",
            points.map((p) => p.tokenBytes.embeddingVector),
          ),
          line(
            "one-hot W_ih (parameters)",
            points.map((p) => p.params.oneHot * b),
            true,
          ),
          line(
            "embedding table + W_ih (parameters)",
            points.map((p) => p.params.embedding * b),
            true,
          ),
        ],
      },
    },
    {
      id: "q2-dimension-time",
      title: "Time per token against vocabulary size",
      caption: `From a token to the first layer's H-wide input (H = ${spec.hiddenSize}): the one-hot vector times W_ih with the library's matmul (${spec.productRows} rows per call), the same product read as column i of W_ih (a row copy of W_ihᵀ), the embedding lookup (a row copy, E = ${spec.embeddingSize}), and the lookup followed by its H×E product. Best of several timings; log-log.`,
      spec: {
        kind: "line",
        x: { label: "vocabulary size V", log: true },
        y: { label: "µs per token", log: true },
        series: [
          line(
            "one-hot × W_ih (dense matmul)",
            points.map((p) => p.micros.oneHotDense),
          ),
          line(
            "one-hot as column lookup",
            points.map((p) => p.micros.oneHotIndex),
          ),
          line(
            "embedding lookup",
            points.map((p) => p.micros.embeddingLookup),
          ),
          line(
            "embedding lookup + W_ih product",
            points.map((p) => p.micros.embeddingLookupProduct),
          ),
        ],
      },
    },
  ];
}

function costTable(points: CostPoint[]): Table {
  return {
    kind: "grid",
    title: "Measured costs per vocabulary size (µs per token)",
    columns: [
      "V",
      "one-hot W_ih params",
      "embedding params",
      "one-hot bytes/token",
      "dense product",
      "column lookup",
      "embedding lookup",
      "lookup + product",
    ],
    rows: points.map((p) => [
      p.V,
      p.params.oneHot,
      p.params.embedding,
      p.tokenBytes.oneHotVector,
      n4(p.micros.oneHotDense),
      n4(p.micros.oneHotIndex),
      n4(p.micros.embeddingLookup),
      n4(p.micros.embeddingLookupProduct),
    ]),
  };
}

function runDimension(data: DimensionData, ctx: LabContext): ClaimResult {
  const sweep = costSweep(ctx, data.sweep);
  const points = sweep.points;
  const V = points.map((p) => p.V);
  const impls = implementationCosts(data, points);
  const slopes = impls.map((impl) => ({
    name: impl.name,
    memory: logLogSlope(V, impl.memory),
    compute: logLogSlope(V, impl.compute),
  }));
  const grows = (cost: Cost) => slopes.filter((s) => s[cost] >= data.growthSlope).map((s) => s.name);
  const perCost = data.asserts.map((cost) => {
    const yes = grows(cost);
    const verdict = yes.length === slopes.length ? "holds" : yes.length === 0 ? "fails" : "partly";
    return { cost, yes, verdict };
  });
  const verdict = perCost.some((c) => c.verdict === "fails")
    ? "fails"
    : perCost.every((c) => c.verdict === "holds")
      ? "holds"
      : "partly";

  const first = points[0];
  const last = points[points.length - 1];
  const { hiddenSize: H, embeddingSize: E, bytesPerNumber: b } = data.sweep;
  const range = (f: (p: CostPoint) => number) =>
    `${n4(f(first))} µs at V = ${n4(first.V)} and ${n4(f(last))} µs at V = ${n4(last.V)}`;
  const all = {
    oneHotVector: logLogSlope(
      V,
      points.map((p) => p.tokenBytes.oneHotVector),
    ),
    oneHotParams: logLogSlope(
      V,
      points.map((p) => p.params.oneHot),
    ),
    embeddingParams: logLogSlope(
      V,
      points.map((p) => p.params.embedding),
    ),
    dense: logLogSlope(
      V,
      points.map((p) => p.micros.oneHotDense),
    ),
    index: logLogSlope(
      V,
      points.map((p) => p.micros.oneHotIndex),
    ),
    lookup: logLogSlope(
      V,
      points.map((p) => p.micros.embeddingLookup),
    ),
    lookupProduct: logLogSlope(
      V,
      points.map((p) => p.micros.embeddingLookupProduct),
    ),
  };
  const measured =
    `Measured for V = ${V.map(n4).join(", ")} (H = ${H}, E = ${E}, float32, ${sweep.seconds.toFixed(1)} s). ` +
    `Memory: a dense one-hot input takes ${b}·V bytes per token (${bytes(first.tokenBytes.oneHotVector)} to ${bytes(last.tokenBytes.oneHotVector)}), as an index ${bytes(first.tokenBytes.oneHotIndex)}, an embedding vector ${bytes(first.tokenBytes.embeddingVector)} at every V; ` +
    `one-hot W_ih has H·V parameters (${n4(first.params.oneHot)} to ${n4(last.params.oneHot)}, ${bytes(last.params.oneHot * b)}), the embedding table plus its W_ih V·E + H·E (${n4(first.params.embedding)} to ${n4(last.params.embedding)}, ${bytes(last.params.embedding * b)}). ` +
    `Time per token: the dense one-hot product W_ih x (library matmul) ${range((p) => p.micros.oneHotDense)} (log-log slope ${slope(all.dense)}); ` +
    `the same product read as column i of W_ih ${range((p) => p.micros.oneHotIndex)} (slope ${slope(all.index)}); ` +
    `the embedding lookup ${range((p) => p.micros.embeddingLookup)} (slope ${slope(all.lookup)}), with its H×E product ${range((p) => p.micros.embeddingLookupProduct)} (slope ${slope(all.lookupProduct)}). ` +
    `A cost grows with V when its log-log slope is at least ${data.growthSlope}; for the ${data.representation} representation: ` +
    slopes
      .map((s) => `${s.name}: memory slope ${slope(s.memory)}, compute slope ${slope(s.compute)}`)
      .join("; ") +
    `. Verdict per asserted cost: ${perCost.map((c) => `${c.cost} ${c.verdict}`).join(", ")}.`;

  let correction: string | null = null;
  if (verdict !== "holds") {
    const parts = perCost.map((c) => {
      if (c.verdict === "holds") {
        return c.cost === "memory"
          ? `Memory grows with V whatever the implementation (${slopes.map((s) => `${s.name} slope ${slope(s.memory)}`).join(", ")}): W_ih alone has H·V parameters (${bytes(last.params.oneHot * b)} at V = ${n4(last.V)}); an embedding table grows too (V·E, ${bytes(last.params.embeddingTable * b)}), H/E = ${n3(H / E)} times less, and what the embedding keeps constant is the per-token input (${bytes(last.tokenBytes.embeddingVector)} instead of ${bytes(last.tokenBytes.oneHotVector)})`
          : `compute grows with V in every implementation considered (${c.yes.join(", ")})`;
      }
      if (c.verdict === "partly") {
        const no = slopes.filter((s) => !c.yes.includes(s.name));
        return (
          `${c.cost === "memory" ? "memory" : "compute"} grows only for ${c.yes.join(", ")} (slope ${slopes
            .filter((s) => c.yes.includes(s.name))
            .map((s) => slope(s[c.cost]))
            .join(", ")}), not for ${no.map((s) => `${s.name} (slope ${slope(s[c.cost])})`).join(", ")}` +
          (c.cost === "compute"
            ? `: W_ih e_i is column i of W_ih, so a one-hot product need not cost more than a lookup (${n4(last.micros.oneHotIndex)} µs per token at V = ${n4(last.V)} against ${n4(last.micros.oneHotDense)} µs for the dense product, and ${n4(last.micros.embeddingLookup)} µs for an embedding lookup). "Compute grows with the vocabulary" holds for the naive dense product, not for the computation itself`
            : "")
        );
      }
      return `${c.cost} does not grow with V for the ${data.representation} representation (${slopes.map((s) => `${s.name} slope ${slope(s[c.cost])}`).join(", ")})`;
    });
    correction = `${parts.join("; ")}. Confirmed by the same measurements.`;
  }

  return {
    id: "Q2.dimension",
    verdict,
    evidence: measured,
    correction,
    figures: dimensionFigures(points, data.sweep),
    tables: [costTable(points)],
    data: { points, slopes, allSlopes: all, perCost, growthSlope: data.growthSlope, seconds: sweep.seconds },
  };
}

export const dimension = defineExperiment<DimensionData>({
  id: "Q2.dimension",
  question: "Q2",
  title: "One-hot width: memory and compute against vocabulary size",
  claim: "A one-hot vector has one entry per vocabulary word: memory and compute grow with the vocabulary.",
  data: {
    representation: "one-hot",
    implementations: ["dense", "index"],
    asserts: ["memory", "compute"],
    growthSlope: 0.5,
    sweep: COST_SWEEP,
  },
  cost: 4,
  run: runDimension,
});

// ---------------------------------------------------------------------------------------------
// Q2.sparsity

export interface SparsityData {
  representation: "one-hot" | "embedding";
  /** Vocabulary sizes whose inputs are built (random tokens), besides the corpus's own vocabulary. */
  vocabSizes: number[];
  /** Also measure the inputs of a batch of the corpus, tokenized as the word model does. */
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

/** Fraction of non-zero entries of the first layer's input, built by the library's InputLayer. */
function inputDensity(
  representation: SparsityData["representation"],
  V: number,
  E: number,
  tokens: Int32Array,
  ctx: LabContext,
): number {
  const params =
    representation === "one-hot"
      ? new Params([], "float32")
      : new Params([{ name: "embedding.weight", shape: [V, E] }], "float32");
  if (representation === "embedding") {
    // Only the rows used need values: N(0, 1) as PyTorch initializes an embedding.
    const table = params.value("embedding.weight");
    const rng = ctx.rng(`q2.sparsity.table.${V}`);
    for (const t of new Set(tokens)) for (let j = 0; j < E; j++) table[t * E + j] = rng.normal();
  }
  const layer = new InputLayer(
    representation === "one-hot"
      ? { kind: "onehot", vocabSize: V }
      : { kind: "embedding", vocabSize: V, embeddingSize: E },
    "float32",
    "embedding.weight",
  );
  const x = layer.forward(params, tokens.length, tokens, null);
  let nonZero = 0;
  for (let i = 0; i < x.length; i++) if (x[i] !== 0) nonZero++;
  return nonZero / x.length;
}

function runSparsity(data: SparsityData, ctx: LabContext): ClaimResult {
  const rows: { label: string; V: number; density: number }[] = [];
  for (const V of data.vocabSizes) {
    const rng = ctx.rng(`q2.sparsity.tokens.${V}`);
    const tokens = Int32Array.from({ length: data.rows }, () => rng.int(V));
    rows.push({
      label: `random tokens, V = ${n4(V)}`,
      V,
      density: inputDensity(data.representation, V, data.embeddingSize, tokens, ctx),
    });
  }
  const vocabulary = ctx.shared(`q2.vocab:${data.corpus.lowercase}:${data.corpus.maxVocab}`, () =>
    wordVocabulary(ctx.corpus(), data.corpus),
  );
  const corpusV = vocabulary.tokenizer.size;
  const start = ctx.rng("q2.sparsity.corpus").int(vocabulary.stream.length - data.corpus.tokens);
  const corpusTokens = vocabulary.stream.slice(start, start + data.corpus.tokens);
  rows.push({
    label: `corpus words, V = ${n4(corpusV)}`,
    V: corpusV,
    density: inputDensity(data.representation, corpusV, data.embeddingSize, corpusTokens, ctx),
  });
  const sparse = rows.filter((r) => r.density <= data.maxDensity);
  const verdict = sparse.length === rows.length ? "holds" : sparse.length === 0 ? "fails" : "partly";

  const sweep = costSweep(ctx, data.sweep);
  const waste = sweep.points.map((p) => ({
    V: p.V,
    wastedFraction: 1 - p.usefulMacs / p.denseMacs,
    speedup: p.micros.oneHotDense / p.micros.oneHotIndex,
  }));
  const lastWaste = waste[waste.length - 1];
  const densities = rows.map((r) => `${r.label}: ${r.density.toPrecision(3)}`).join("; ");
  const evidence =
    `The first layer's ${data.representation} inputs built by the library's input layer (${data.rows} random tokens per V, and ${data.corpus.tokens} consecutive words of the corpus) have these fractions of non-zero entries: ${densities}. ` +
    `Inputs count as sparse at most ${data.maxDensity} non-zero: ${sparse.length} of ${rows.length} cases are. ` +
    `What ignoring the sparsity costs (one-hot, timing sweep): a dense product W_ih x spends a fraction 1 − 1/V of its multiply-adds on zeros (${(100 * lastWaste.wastedFraction).toPrecision(6)}% at V = ${n4(lastWaste.V)}); ` +
    `measured, the dense product took ${sweep.points.map((p) => `${n4(p.micros.oneHotDense)} µs`).join(", ")} per token for V = ${waste.map((w) => n4(w.V)).join(", ")}, and the column lookup that exploits the sparsity (same result) was ${waste.map((w) => `${n3(w.speedup)}×`).join(", ")} faster.`;
  let correction: string | null = null;
  if (verdict === "partly") {
    const minV = Math.min(...sparse.map((r) => r.V));
    correction = `${data.representation} inputs are sparse (at most ${data.maxDensity} non-zero) only for vocabularies of ${n4(minV)} words or more here (density ${rows
      .map((r) => r.density.toPrecision(3))
      .join(", ")}); confirmed by the same measurement.`;
  } else if (verdict === "fails") {
    correction = `${data.representation} inputs are dense: ${densities} non-zero (the threshold for sparse is ${data.maxDensity}); a one-hot input has exactly one non-zero, density 1/V. Confirmed by the same measurement.`;
  }
  const figures: Figure[] = [
    {
      id: "q2-sparsity-density",
      title: "Fraction of non-zero input entries against vocabulary size",
      caption: `Measured on the inputs the library's input layer builds (${data.representation}); the rule is the threshold below which the inputs count as sparse.`,
      spec: {
        kind: "line",
        x: { label: "vocabulary size V", log: true },
        y: { label: "fraction non-zero", log: true },
        series: [
          {
            name: `${data.representation} inputs`,
            x: rows.map((r) => r.V).sort((a, b) => a - b),
            y: [...rows].sort((a, b) => a.V - b.V).map((r) => plotNumber(r.density)),
            dots: true,
          },
        ],
        rules: [{ axis: "y", value: data.maxDensity, label: "sparse below" }],
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
            x: waste.map((w) => w.V),
            y: waste.map((w) => plotNumber(w.speedup)),
            dots: true,
          },
          {
            name: "multiply-adds: dense / useful (= V)",
            x: waste.map((w) => w.V),
            y: waste.map((w) => w.V),
            dashed: true,
          },
        ],
      },
    },
  ];
  return {
    id: "Q2.sparsity",
    verdict,
    evidence,
    correction,
    figures,
    tables: [
      {
        kind: "grid",
        title: "Fraction of non-zero input entries",
        columns: ["inputs", "V", "non-zero fraction", "1/V"],
        rows: rows.map((r) => [r.label, r.V, r.density.toPrecision(4), (1 / r.V).toPrecision(4)]),
      },
    ],
    data: { densities: rows, maxDensity: data.maxDensity, waste },
  };
}

export const sparsity = defineExperiment<SparsityData>({
  id: "Q2.sparsity",
  question: "Q2",
  title: "One-hot inputs: fraction of non-zeros",
  claim: "One-hot inputs are sparse.",
  data: {
    representation: "one-hot",
    vocabSizes: COST_SWEEP.vocabSizes,
    corpus: { lowercase: WORD_MODEL.lowercase, maxVocab: WORD_MODEL.maxVocab, tokens: 512 },
    maxDensity: 0.1,
    embeddingSize: COST_SWEEP.embeddingSize,
    rows: 256,
    sweep: COST_SWEEP,
  },
  cost: 1,
  run: runSparsity,
});
