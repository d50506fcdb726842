import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ConfigError } from "../src/index.js";
import { createLabContext } from "../lab/context.js";
import { logLogSlope } from "../lab/embeddings/costs.js";
import { libraryInputs, nonZeroFraction } from "../lab/embeddings/inputs.js";
import { q2 } from "../lab/q2/index.js";
import { type InputDensity, type SparsityData, sparsity } from "../lab/q2/input-density.js";
import { COST_SWEEP } from "../lab/q2/setup.js";
import {
  costVerdicts,
  type DimensionData,
  dimension,
  type ImplementationSlopes,
} from "../lab/q2/vocabulary-cost.js";

// Q2.dimension and Q2.sparsity. The judges on hand-made numbers; then measure → judge → describe,
// quick, on one context: the timing sweep is measured once and shared, as in a lab run. The verdicts
// rest on log-log slopes (1 against 0, threshold 0.5) and on exact densities, so a loaded machine
// moves the times but not the verdicts.

const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

/** Dimension data with only the slopes the judge reads. */
function slopesOnly(slopes: ImplementationSlopes[]): DimensionData {
  const series = {
    oneHotVector: 1,
    oneHotParams: 1,
    embeddingParams: 1,
    dense: 1,
    index: 0,
    lookup: 0,
    lookupProduct: 0,
  };
  return { points: [], seconds: 0, slopes, series };
}

const dense = (compute: number, memory = 1): ImplementationSlopes => ({ name: "dense", memory, compute });
const index = (compute: number, memory = 1): ImplementationSlopes => ({ name: "index", memory, compute });

function densities(...values: number[]): SparsityData {
  const rows = values.map((density, i): InputDensity => ({ label: `case ${i}`, V: 10 ** (i + 1), density }));
  return { densities: rows, waste: [] };
}

describe("the registry", () => {
  it("q2 lists Q2's four claims in CLAIMS.md order", () => {
    expect(q2.map((e) => e.id)).toEqual(["Q2.dimension", "Q2.growth", "Q2.similarity", "Q2.sparsity"]);
  });
});

describe("logLogSlope", () => {
  it("logLogSlope([1, 10, 100], [3, 30, 300]) is 1 and logLogSlope(xs, constant) is 0", () => {
    expect(logLogSlope([1, 10, 100], [3, 30, 300])).toBeCloseTo(1, 12);
    expect(logLogSlope([1, 10, 100], [5, 5, 5])).toBeCloseTo(0, 12);
    expect(logLogSlope([10, 100, 1000], [1, 100, 10000])).toBeCloseTo(2, 12);
  });
});

describe("the library's inputs", () => {
  it("libraryInputs(one-hot, 3 tokens of V = 4) is three rows of e_token", () => {
    const x = libraryInputs({ kind: "onehot", vocabSize: 4 }, Int32Array.from([2, 0, 3]));
    expect(Array.from(x)).toEqual([0, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
    expect(nonZeroFraction(x)).toBe(0.25);
  });
});

describe("Q2.dimension judge", () => {
  const stated = dimension.stated;

  it("judge: memory and compute slopes exactly at the threshold 0.5 in both implementations → holds", () => {
    expect(dimension.judge(slopesOnly([dense(0.5, 0.5), index(0.5, 0.5)]), stated)).toBe("holds");
  });

  it("judge: the column lookup's compute slope 0.4999, just under the threshold → partly", () => {
    const data = slopesOnly([dense(1.05), index(0.4999)]);
    expect(dimension.judge(data, stated)).toBe("partly");
    expect(costVerdicts(data.slopes, stated)).toEqual([
      { cost: "memory", growing: ["dense", "index"], verdict: "holds" },
      { cost: "compute", growing: ["dense"], verdict: "partly" },
    ]);
  });

  it("judge: no compute slope reaches 0.5 → fails, though memory grows everywhere", () => {
    expect(dimension.judge(slopesOnly([dense(0.49), index(0.02)]), stated)).toBe("fails");
  });

  it("judge: asserting memory alone, with compute flat → holds", () => {
    expect(dimension.judge(slopesOnly([dense(0), index(0)]), { ...stated, asserts: ["memory"] })).toBe(
      "holds",
    );
  });
});

describe("Q2.sparsity judge", () => {
  const stated = sparsity.stated;

  it("judge: every density at most maxDensity, one exactly at 0.1 → holds", () => {
    expect(sparsity.judge(densities(0.01, 0.1), stated)).toBe("holds");
  });

  it("judge: one density of 0.1000001, just over maxDensity → partly", () => {
    expect(sparsity.judge(densities(0.01, 0.1000001), stated)).toBe("partly");
  });

  it("judge: every density over maxDensity → fails", () => {
    expect(sparsity.judge(densities(0.5, 1), stated)).toBe("fails");
  });
});

describe("Q2.dimension", () => {
  it("run(Q2.dimension) is partly: memory grows in every implementation, compute only for the dense product", () => {
    const r = dimension.run(ctx);
    expect(r.verdict).toBe("partly");
    expect(r.data.points.map((p) => p.V)).toEqual([100, 1_000, 10_000, 100_000]);
    for (const p of r.data.points) {
      expect(p.params.oneHot).toBe(COST_SWEEP.hiddenSize * p.V);
      expect(p.params.embedding).toBe(
        p.V * COST_SWEEP.embeddingSize + COST_SWEEP.hiddenSize * COST_SWEEP.embeddingSize,
      );
      expect(p.tokenBytes.oneHotVector).toBe(4 * p.V);
    }
    const [denseSlopes, indexSlopes] = r.data.slopes;
    expect(denseSlopes.name).toContain("dense");
    expect(denseSlopes.compute).toBeGreaterThan(0.5);
    expect(indexSlopes.compute).toBeLessThan(0.5);
    expect(denseSlopes.memory).toBeCloseTo(1, 2);
    expect(indexSlopes.memory).toBeCloseTo(1, 2);
    expect(r.data.series.lookup).toBeLessThan(0.5);
    expect(r.correction).toContain("column i of $W_{ih}$");
    expect(r.figures?.map((f) => f.id)).toEqual(["q2-dimension-bytes", "q2-dimension-time"]);
  });

  it("run(Q2.dimension, implementations = [dense]) holds: the naive product's memory and compute both grow", () => {
    const r = dimension.run(ctx, { ...dimension.stated, implementations: ["dense"] });
    expect(r.verdict).toBe("holds");
    expect(r.correction).toBeNull();
  });

  it("run(Q2.dimension, representation = embedding) fails: an embedding's per-token compute is constant", () => {
    const r = dimension.run(ctx, { ...dimension.stated, representation: "embedding" });
    expect(r.verdict).toBe("fails");
    expect(r.correction).toContain("compute does not grow");
  });

  it("run(Q2.dimension, asserts = [memory]) holds: memory grows whatever the implementation", () => {
    expect(dimension.run(ctx, { ...dimension.stated, asserts: ["memory"] }).verdict).toBe("holds");
  });

  it("measure(Q2.dimension, implementations = []) throws a ConfigError naming the field", () => {
    expect(() => dimension.measure({ ...dimension.stated, implementations: [] }, ctx)).toThrow(ConfigError);
    expect(() => dimension.measure({ ...dimension.stated, implementations: [] }, ctx)).toThrow(
      /implementations/,
    );
  });
});

describe("Q2.sparsity", () => {
  it("run(Q2.sparsity) holds: one-hot inputs have exactly 1/V non-zero entries", () => {
    const r = sparsity.run(ctx);
    expect(r.verdict).toBe("holds");
    const { densities: rows, waste } = r.data;
    expect(rows.length).toBe(5);
    for (const x of rows) expect(x.density).toBe(1 / x.V);
    expect(rows.at(-1)?.V).toBe(600);
    expect(waste.at(-1)?.wastedFraction).toBeCloseTo(1 - 1e-5, 12);
    // Exploiting the sparsity (a column lookup) beats the dense product by orders of magnitude at V = 1e5.
    expect(waste.at(-1)?.speedup).toBeGreaterThan(100);
  });

  it("run(Q2.sparsity, representation = embedding) fails: embedding inputs are dense", () => {
    const r = sparsity.run(ctx, { ...sparsity.stated, representation: "embedding" });
    expect(r.verdict).toBe("fails");
    for (const x of r.data.densities) expect(x.density).toBeGreaterThan(0.99);
  });

  it("run(Q2.sparsity, vocabSizes = [2, 4, 100]) is partly: a one-hot of 2 or 4 words is half or a quarter non-zero", () => {
    const r = sparsity.run(ctx, { ...sparsity.stated, vocabSizes: [2, 4, 100] });
    expect(r.verdict).toBe("partly");
    expect(r.data.densities.slice(0, 2).map((d) => d.density)).toEqual([0.5, 0.25]);
    expect(r.correction).toContain("100 words or more");
  });
});
