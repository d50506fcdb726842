import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../src/lab/context.js";
import type { ClipNormData, ClipValueData } from "../src/lab/experiments/q3-clip.js";
import type { SkipData } from "../src/lab/experiments/q3-skip.js";
import { q3Experiments } from "../src/lab/experiments/q3.js";
import { ADDING_BASELINE_MSE, addingBatch } from "../src/lab/tasks/adding.js";
import { temporalOrderBatch } from "../src/lab/tasks/temporal-order.js";
import type { ClaimResult, Experiment } from "../src/lab/types.js";
import { Rng } from "../src/random.js";

// Q3's training claims (skip connections, clipping) in quick mode: one context, so the training runs
// are shared between a claim and its changed data, as in a lab run.
const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

function run<C>(id: string, change: (data: C) => C = (d) => d): ClaimResult {
  const e = q3Experiments.find((x) => x.id === id) as Experiment<C> | undefined;
  if (!e) throw new Error(`no experiment ${id}`);
  return e.run(change(structuredClone(e.data)), ctx);
}
const data = (r: ClaimResult) => r.data as Record<string, unknown>;

describe("the long-range tasks", () => {
  it("adding: two markers, one in each half, and the target is the sum of the marked values", () => {
    const T = 12;
    const B = 50;
    const batch = addingBatch(new Rng(1), T, B);
    let mse = 0;
    for (let b = 0; b < B; b++) {
      let sum = 0;
      const marks: number[] = [];
      for (let t = 0; t < T; t++) {
        if (batch.inputs[(t * B + b) * 2 + 1] === 1) {
          marks.push(t);
          sum += batch.inputs[(t * B + b) * 2];
        }
      }
      expect(marks.length).toBe(2);
      expect(marks[0]).toBeLessThan(T / 2);
      expect(marks[1]).toBeGreaterThanOrEqual(T / 2);
      expect(batch.values[(T - 1) * B + b]).toBeCloseTo(sum, 15);
      expect(batch.mask[(T - 1) * B + b]).toBe(1);
      mse += (sum - 1) ** 2 / B;
    }
    expect(batch.mask.reduce((a, v) => a + v, 0)).toBe(B);
    expect(mse).toBeGreaterThan(ADDING_BASELINE_MSE / 2);
    expect(mse).toBeLessThan(ADDING_BASELINE_MSE * 2);
  });

  it("temporal order: X or Y at two positions, the class is their order, asked at the last step only", () => {
    const T = 40;
    const B = 30;
    const batch = temporalOrderBatch(new Rng(2), T, B);
    for (let b = 0; b < B; b++) {
      const relevant: number[] = [];
      for (let t = 0; t < T; t++) {
        const row = batch.inputs.subarray((t * B + b) * 6, (t * B + b + 1) * 6);
        expect(row.reduce((a, v) => a + v, 0)).toBe(1);
        if (row[4] === 1 || row[5] === 1) relevant.push(row[5]);
      }
      expect(relevant.length).toBe(2);
      expect(batch.classes[(T - 1) * B + b]).toBe(2 * relevant[0] + relevant[1]);
      for (let t = 0; t < T - 1; t++) expect(batch.classes[t * B + b]).toBe(-1);
    }
  });
});

describe("Q3.skip", () => {
  it("delay 2 makes the gradient decay less but does not make temporal order learnable: partly", () => {
    const r = run("Q3.skip");
    expect(r.verdict).toBe("partly");
    const gradient = data(r).gradient as { gainLog10: number; decayPerStep: Record<string, number> };
    expect(gradient.gainLog10).toBeGreaterThan(5);
    expect(gradient.decayPerStep[2]).toBeGreaterThan(gradient.decayPerStep[0]);
    expect(gradient.decayPerStep[2]).toBeLessThan(1);
    const runs = (data(r).training as { runs: { delay: number; successes: number }[] }).runs;
    expect(runs.find((x) => x.delay === 0)?.successes).toBe(0);
    expect(runs.find((x) => x.delay === 6)?.successes).toBe(2);
    expect(r.figures?.map((f) => f.id)).toEqual(["q3-skip-distance", "q3-skip-training"]);
  });

  it("a delay of T/5 holds; M = 0 gives no second path and fails", () => {
    expect(run<SkipData>("Q3.skip", (d) => ({ ...d, delay: 6 })).verdict).toBe("holds");
    const none = run<SkipData>("Q3.skip", (d) => ({ ...d, skipNorm: 0 }));
    expect(none.verdict).toBe("fails");
    expect((data(none).gradient as { gainLog10: number }).gainLog10).toBeCloseTo(0, 9);
  });
});

describe("Q3.clip-value and Q3.clip-norm", () => {
  it("clipping by value turns real exploding gradients; claiming the same of norm clipping fails", () => {
    const r = run("Q3.clip-value");
    expect(r.verdict).toBe("holds");
    expect(data(r).minCosine as number).toBeLessThan(0.9);
    const norm = run<ClipValueData>("Q3.clip-value", (d) => ({ ...d, rule: "norm" }));
    expect(norm.verdict).toBe("fails");
    expect(1 - (data(norm).minCosine as number)).toBeLessThan(1e-12);
  });

  it("norm clipping keeps the direction and stops divergence, but is not better than dimension-scaled value clipping", () => {
    const r = run("Q3.clip-norm");
    expect(r.verdict).toBe("partly");
    const training = data(r).training as { rule: string; diverged: number; failed: number }[];
    const byRule = (rule: string) => training.find((t) => t.rule === rule);
    expect(byRule("none")?.diverged).toBe(2);
    expect(byRule("norm")?.failed).toBe(0);
    expect(byRule("value/sqrt(n)")?.failed).toBe(0);
    expect(byRule("value")?.failed).toBe(2);
    expect(r.figures?.map((f) => f.id)).toContain("q3-clip-norm-curves");
  });

  it("claiming that value clipping keeps the direction fails", () => {
    expect(run<ClipNormData>("Q3.clip-norm", (d) => ({ ...d, rule: "value" })).verdict).toBe("fails");
  });
});
