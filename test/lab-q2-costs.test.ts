import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../src/lab/context.js";
import { logLogSlope } from "../src/lab/embeddings/costs.js";
import type { DimensionData, SparsityData } from "../src/lab/experiments/q2-costs.js";
import { COST_SWEEP, q2Experiments } from "../src/lab/experiments/q2.js";
import type { ClaimResult, Experiment } from "../src/lab/types.js";

// Q2.dimension and Q2.sparsity, quick, on one context: the timing sweep is measured once and shared,
// as in a lab run. The verdicts rest on log-log slopes (1 against 0, threshold 0.5) and on exact
// densities, so a loaded machine moves the times but not the verdicts.

const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

function run<C>(id: string, change: (data: C) => C = (d) => d): ClaimResult {
  const e = q2Experiments.find((x) => x.id === id) as Experiment<C> | undefined;
  if (!e) throw new Error(`no experiment ${id}`);
  return e.run(change(structuredClone(e.data)), ctx);
}

interface DimensionResult {
  points: {
    V: number;
    params: { oneHot: number; embedding: number };
    tokenBytes: { oneHotVector: number };
  }[];
  slopes: { name: string; memory: number; compute: number }[];
  allSlopes: Record<string, number>;
}

describe("logLogSlope", () => {
  it("logLogSlope([1, 10, 100], [3, 30, 300]) is 1 and logLogSlope(xs, constant) is 0", () => {
    expect(logLogSlope([1, 10, 100], [3, 30, 300])).toBeCloseTo(1, 12);
    expect(logLogSlope([1, 10, 100], [5, 5, 5])).toBeCloseTo(0, 12);
    expect(logLogSlope([10, 100, 1000], [1, 100, 10000])).toBeCloseTo(2, 12);
  });
});

describe("Q2.dimension", () => {
  it("run(Q2.dimension) is partly: memory grows in every implementation, compute only for the dense product", () => {
    const r = run("Q2.dimension");
    expect(r.verdict).toBe("partly");
    const d = r.data as unknown as DimensionResult;
    expect(d.points.map((p) => p.V)).toEqual([100, 1_000, 10_000, 100_000]);
    for (const p of d.points) {
      expect(p.params.oneHot).toBe(COST_SWEEP.hiddenSize * p.V);
      expect(p.params.embedding).toBe(
        p.V * COST_SWEEP.embeddingSize + COST_SWEEP.hiddenSize * COST_SWEEP.embeddingSize,
      );
      expect(p.tokenBytes.oneHotVector).toBe(4 * p.V);
    }
    const [dense, index] = d.slopes;
    expect(dense.name).toContain("dense");
    expect(dense.compute).toBeGreaterThan(0.5);
    expect(index.compute).toBeLessThan(0.5);
    expect(dense.memory).toBeCloseTo(1, 2);
    expect(index.memory).toBeCloseTo(1, 2);
    expect(d.allSlopes.lookup).toBeLessThan(0.5);
    expect(r.correction).toContain("column i of W_ih");
    expect(r.figures?.map((f) => f.id)).toEqual(["q2-dimension-bytes", "q2-dimension-time"]);
  });

  it("run(Q2.dimension, implementations = [dense]) holds: the naive product's memory and compute both grow", () => {
    const r = run<DimensionData>("Q2.dimension", (d) => ({ ...d, implementations: ["dense"] }));
    expect(r.verdict).toBe("holds");
    expect(r.correction).toBeNull();
  });

  it("run(Q2.dimension, representation = embedding) fails: an embedding's per-token compute is constant", () => {
    const r = run<DimensionData>("Q2.dimension", (d) => ({ ...d, representation: "embedding" }));
    expect(r.verdict).toBe("fails");
    expect(r.correction).toContain("compute does not grow");
  });

  it("run(Q2.dimension, asserts = [memory]) holds: memory grows whatever the implementation", () => {
    const r = run<DimensionData>("Q2.dimension", (d) => ({ ...d, asserts: ["memory"] }));
    expect(r.verdict).toBe("holds");
  });
});

describe("Q2.sparsity", () => {
  it("run(Q2.sparsity) holds: one-hot inputs have exactly 1/V non-zero entries", () => {
    const r = run("Q2.sparsity");
    expect(r.verdict).toBe("holds");
    const d = r.data as {
      densities: { V: number; density: number }[];
      waste: { V: number; speedup: number; wastedFraction: number }[];
    };
    expect(d.densities.length).toBe(5);
    for (const x of d.densities) expect(x.density).toBe(1 / x.V);
    expect(d.densities.at(-1)?.V).toBe(600);
    expect(d.waste.at(-1)?.wastedFraction).toBeCloseTo(1 - 1e-5, 12);
    // Exploiting the sparsity (a column lookup) beats the dense product by orders of magnitude at V = 1e5.
    expect(d.waste.at(-1)?.speedup).toBeGreaterThan(100);
  });

  it("run(Q2.sparsity, representation = embedding) fails: embedding inputs are dense", () => {
    const r = run<SparsityData>("Q2.sparsity", (d) => ({ ...d, representation: "embedding" }));
    expect(r.verdict).toBe("fails");
    const d = r.data as { densities: { density: number }[] };
    for (const x of d.densities) expect(x.density).toBeGreaterThan(0.99);
  });

  it("run(Q2.sparsity, vocabSizes = [2, 4, 100]) is partly: a one-hot of 2 or 4 words is half or a quarter non-zero", () => {
    const r = run<SparsityData>("Q2.sparsity", (d) => ({ ...d, vocabSizes: [2, 4, 100] }));
    expect(r.verdict).toBe("partly");
    expect(r.correction).toContain("100 words or more");
  });
});
