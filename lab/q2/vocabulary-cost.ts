// Q2.dimension: what a one-hot input costs against an embedding, measured for vocabularies of 1e2 to
// 1e5 words (bytes, parameters, time per token). A cost "grows with V" when its log-log slope against
// V reaches the stated threshold; the claim is judged per asserted cost and per implementation.

import { ConfigError } from "../../src/index.js";
import { type Figure, plotNumber, type Table } from "../../src/report/index.js";
import { type CostPoint, type CostSweepSpec, logLogSlope } from "../embeddings/costs.js";
import { formatNumber } from "../format.js";
import { defineExperiment, type Verdict } from "../types.js";
import { COST_SWEEP, costSweep, type Representation } from "./setup.js";

/** How a token becomes the first layer's input: a one-hot vector multiplied densely ("dense") or
 *  the hot position used to read column i of W_ih ("index"); an embedding by a table lookup. */
export type OneHotImplementation = "dense" | "index";
export type Cost = "memory" | "compute";

export interface DimensionStated {
  /** The representation the claim is about. */
  representation: Representation;
  /** The implementations of a one-hot input considered (ignored for an embedding: its lookup). */
  implementations: OneHotImplementation[];
  /** What the claim says grows with the vocabulary. */
  asserts: Cost[];
  /** A cost grows with V when the log-log slope of cost against V is at least this (cost ∝ V^p,
   *  p >= 0.5: at least like √V; a constant cost has p ≈ 0, a linear one p ≈ 1). */
  growthSlope: number;
  sweep: CostSweepSpec;
}

/** Log-log slopes against V of one implementation's memory (input-side bytes: parameters plus one
 *  token's input) and compute (µs per token to the H-wide input of the cell). */
export interface ImplementationSlopes {
  name: string;
  memory: number;
  compute: number;
}

/** Log-log slopes against V of every measured series, for the evidence. */
export interface SeriesSlopes {
  oneHotVector: number;
  oneHotParams: number;
  embeddingParams: number;
  dense: number;
  index: number;
  lookup: number;
  lookupProduct: number;
}

export interface DimensionData {
  points: CostPoint[];
  /** Seconds the timing sweep took. */
  seconds: number;
  /** One entry per implementation of the stated representation. */
  slopes: ImplementationSlopes[];
  series: SeriesSlopes;
}

/** The verdict on one asserted cost, with the implementations whose cost grows. */
export interface CostVerdict {
  cost: Cost;
  growing: string[];
  verdict: Verdict;
}

type Series = (p: CostPoint) => number;

function implementations(
  stated: DimensionStated,
  b: number,
): { name: string; memory: Series; compute: Series }[] {
  if (stated.representation === "embedding") {
    const memory: Series = (p) => p.params.embedding * b + p.tokenBytes.embeddingVector;
    return [{ name: "embedding lookup", memory, compute: (p) => p.micros.embeddingLookupProduct }];
  }
  if (stated.implementations.length === 0)
    throw new ConfigError("Q2.dimension: implementations is empty; name at least one of dense, index");
  return stated.implementations.map((impl) =>
    impl === "dense"
      ? {
          name: "one-hot, dense product",
          memory: (p) => p.params.oneHot * b + p.tokenBytes.oneHotVector,
          compute: (p) => p.micros.oneHotDense,
        }
      : {
          name: "one-hot, column lookup",
          memory: (p) => p.params.oneHot * b + p.tokenBytes.oneHotIndex,
          compute: (p) => p.micros.oneHotIndex,
        },
  );
}

function seriesSlopes(points: CostPoint[]): SeriesSlopes {
  const V = points.map((p) => p.V);
  const slope = (f: Series) => logLogSlope(V, points.map(f));
  return {
    oneHotVector: slope((p) => p.tokenBytes.oneHotVector),
    oneHotParams: slope((p) => p.params.oneHot),
    embeddingParams: slope((p) => p.params.embedding),
    dense: slope((p) => p.micros.oneHotDense),
    index: slope((p) => p.micros.oneHotIndex),
    lookup: slope((p) => p.micros.embeddingLookup),
    lookupProduct: slope((p) => p.micros.embeddingLookupProduct),
  };
}

/** Per asserted cost: holds when it grows in every implementation, fails in none, partly between. */
export function costVerdicts(
  slopes: readonly ImplementationSlopes[],
  stated: DimensionStated,
): CostVerdict[] {
  return stated.asserts.map((cost) => {
    const growing = slopes.filter((s) => s[cost] >= stated.growthSlope).map((s) => s.name);
    const verdict = growing.length === slopes.length ? "holds" : growing.length === 0 ? "fails" : "partly";
    return { cost, growing, verdict };
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

function evidence(data: DimensionData, perCost: CostVerdict[], stated: DimensionStated): string {
  const { points, series } = data;
  const [first, last] = [points[0], points[points.length - 1]];
  const { hiddenSize: H, embeddingSize: E, bytesPerNumber: b } = stated.sweep;
  const range = (f: Series) =>
    `${n4(f(first))} µs at V = ${n4(first.V)} and ${n4(f(last))} µs at V = ${n4(last.V)}`;
  return (
    `Measured for V = ${points.map((p) => n4(p.V)).join(", ")} (H = ${H}, E = ${E}, float32, ${data.seconds.toFixed(1)} s). ` +
    `Memory: a dense one-hot input takes ${b}·V bytes per token (${bytes(first.tokenBytes.oneHotVector)} to ${bytes(last.tokenBytes.oneHotVector)}), as an index ${bytes(first.tokenBytes.oneHotIndex)}, an embedding vector ${bytes(first.tokenBytes.embeddingVector)} at every V; ` +
    `one-hot $W_{ih}$ has $H \\cdot V$ parameters (${n4(first.params.oneHot)} to ${n4(last.params.oneHot)}, ${bytes(last.params.oneHot * b)}), the embedding table plus its $W_{ih}$ $V \\cdot E + H \\cdot E$ (${n4(first.params.embedding)} to ${n4(last.params.embedding)}, ${bytes(last.params.embedding * b)}). ` +
    `Time per token: the dense one-hot product $W_{ih} x$ (library matmul) ${range((p) => p.micros.oneHotDense)} (log-log slope ${slope(series.dense)}); ` +
    `the same product read as column i of $W_{ih}$ ${range((p) => p.micros.oneHotIndex)} (slope ${slope(series.index)}); ` +
    `the embedding lookup ${range((p) => p.micros.embeddingLookup)} (slope ${slope(series.lookup)}), with its $H \\times E$ product ${range((p) => p.micros.embeddingLookupProduct)} (slope ${slope(series.lookupProduct)}). ` +
    `A cost grows with V when its log-log slope is at least ${stated.growthSlope}; for the ${stated.representation} representation: ` +
    data.slopes
      .map((s) => `${s.name}: memory slope ${slope(s.memory)}, compute slope ${slope(s.compute)}`)
      .join("; ") +
    `. Verdict per asserted cost: ${perCost.map((c) => `${c.cost} ${c.verdict}`).join(", ")}.`
  );
}

/** One sentence per asserted cost: what grows, in which implementation, and why. */
function correctionOf(c: CostVerdict, data: DimensionData, stated: DimensionStated): string {
  const { slopes, points } = data;
  const last = points[points.length - 1];
  const { hiddenSize: H, embeddingSize: E, bytesPerNumber: b } = stated.sweep;
  const listed = (ss: ImplementationSlopes[]) =>
    ss.map((s) => `${s.name} slope ${slope(s[c.cost])}`).join(", ");
  if (c.verdict === "holds" && c.cost === "memory")
    return `Memory grows with V whatever the implementation (${listed(slopes)}): $W_{ih}$ alone has $H \\cdot V$ parameters (${bytes(last.params.oneHot * b)} at V = ${n4(last.V)}); an embedding table grows too ($V \\cdot E$, ${bytes(last.params.embeddingTable * b)}), H/E = ${n3(H / E)} times less, and what the embedding keeps constant is the per-token input (${bytes(last.tokenBytes.embeddingVector)} instead of ${bytes(last.tokenBytes.oneHotVector)})`;
  if (c.verdict === "holds")
    return `compute grows with V in every implementation considered (${c.growing.join(", ")})`;
  if (c.verdict !== "partly")
    return `${c.cost} does not grow with V for the ${stated.representation} representation (${listed(slopes)})`;
  const grows = slopes.filter((s) => c.growing.includes(s.name));
  const flat = slopes.filter((s) => !c.growing.includes(s.name));
  const why =
    c.cost === "compute"
      ? `: $W_{ih} e_i$ is column i of $W_{ih}$, so a one-hot product need not cost more than a lookup (${n4(last.micros.oneHotIndex)} µs per token at V = ${n4(last.V)} against ${n4(last.micros.oneHotDense)} µs for the dense product, and ${n4(last.micros.embeddingLookup)} µs for an embedding lookup). "Compute grows with the vocabulary" holds for the naive dense product, not for the computation itself`
      : "";
  return `${c.cost} grows only for ${c.growing.join(", ")} (slope ${grows.map((s) => slope(s[c.cost])).join(", ")}), not for ${flat.map((s) => `${s.name} (slope ${slope(s[c.cost])})`).join(", ")}${why}`;
}

function line(name: string, V: number[], ys: number[], dashed = false) {
  return { name, x: V, y: ys.map(plotNumber), dots: true, dashed };
}

function figures(points: CostPoint[], spec: CostSweepSpec): Figure[] {
  const V = points.map((p) => p.V);
  const b = spec.bytesPerNumber;
  const series = (name: string, f: Series, dashed = false) => line(name, V, points.map(f), dashed);
  return [
    {
      id: "q2-dimension-bytes",
      title: "Bytes against vocabulary size",
      caption: `Per token (solid): a dense one-hot vector ($${b} \\cdot V$ bytes), the same token as an index, an embedding vector ($${b} \\cdot E$, E = ${spec.embeddingSize}). Parameters of the input side (dashed): one-hot $W_{ih}$ ($H \\cdot V$, H = ${spec.hiddenSize}) against the embedding table plus its $W_{ih}$ ($V \\cdot E + H \\cdot E$). Log-log.`,
      spec: {
        kind: "line",
        x: { label: "vocabulary size V", log: true },
        y: { label: "bytes", log: true },
        series: [
          series("one-hot vector (per token)", (p) => p.tokenBytes.oneHotVector),
          series("one-hot as index (per token)", (p) => p.tokenBytes.oneHotIndex),
          series("embedding vector (per token)", (p) => p.tokenBytes.embeddingVector),
          series("one-hot W_ih (parameters)", (p) => p.params.oneHot * b, true),
          series("embedding table + W_ih (parameters)", (p) => p.params.embedding * b, true),
        ],
      },
    },
    {
      id: "q2-dimension-time",
      title: "Time per token against vocabulary size",
      caption: `From a token to the first layer's H-wide input (H = ${spec.hiddenSize}): the one-hot vector times $W_{ih}$ with the library's matmul (${spec.productRows} rows per call), the same product read as column i of $W_{ih}$ (a row copy of $W_{ih}^\\top$), the embedding lookup (a row copy, E = ${spec.embeddingSize}), and the lookup followed by its $H \\times E$ product. Best of several timings; log-log.`,
      spec: {
        kind: "line",
        x: { label: "vocabulary size V", log: true },
        y: { label: "µs per token", log: true },
        series: [
          series("one-hot × W_ih (dense matmul)", (p) => p.micros.oneHotDense),
          series("one-hot as column lookup", (p) => p.micros.oneHotIndex),
          series("embedding lookup", (p) => p.micros.embeddingLookup),
          series("embedding lookup + W_ih product", (p) => p.micros.embeddingLookupProduct),
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
      "one-hot $W_{ih}$ params",
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

export const dimension = defineExperiment<DimensionStated, DimensionData>({
  id: "Q2.dimension",
  question: "Q2",
  title: "One-hot width: memory and compute against vocabulary size",
  claim: "A one-hot vector has one entry per vocabulary word: memory and compute grow with the vocabulary.",
  stated: {
    representation: "one-hot",
    implementations: ["dense", "index"],
    asserts: ["memory", "compute"],
    growthSlope: 0.5,
    sweep: COST_SWEEP,
  },
  cost: 4,
  measure(stated, ctx) {
    const { points, seconds } = costSweep(ctx, stated.sweep);
    const V = points.map((p) => p.V);
    const slopes = implementations(stated, stated.sweep.bytesPerNumber).map((impl) => ({
      name: impl.name,
      memory: logLogSlope(V, points.map(impl.memory)),
      compute: logLogSlope(V, points.map(impl.compute)),
    }));
    return { points, seconds, slopes, series: seriesSlopes(points) };
  },
  judge(data, stated) {
    const perCost = costVerdicts(data.slopes, stated).map((c) => c.verdict);
    if (perCost.includes("fails")) return "fails";
    return perCost.every((v) => v === "holds") ? "holds" : "partly";
  },
  describe(data, verdict, stated) {
    const perCost = costVerdicts(data.slopes, stated);
    const correction =
      verdict === "holds"
        ? null
        : `${perCost.map((c) => correctionOf(c, data, stated)).join("; ")}. Confirmed by the same measurements.`;
    return {
      evidence: evidence(data, perCost, stated),
      correction,
      figures: figures(data.points, stated.sweep),
      tables: [costTable(data.points)],
    };
  },
});
