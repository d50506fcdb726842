import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../src/lab/context.js";
import {
  type ClosedFormData,
  evalClosedForm,
  type MeaningData,
  type OutputData,
  q1Experiments,
  type RecurrenceData,
} from "../src/lab/experiments/q1.js";
import type { ClaimResult, Experiment } from "../src/lab/types.js";
import { cloneWired, runWired } from "../src/lab/wired/net.js";
import { Q1_SEED, q1Network } from "../src/lab/wired/networks.js";
import { Rng } from "../src/random.js";

// One quick context for the file: the sequences are shared between the claims, as in a lab run.
const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

function experiment<C>(id: string): Experiment<C> {
  const e = q1Experiments.find((x) => x.id === id);
  if (!e) throw new Error(`no experiment ${id}`);
  return e as Experiment<C>;
}
function run<C>(id: string, change: (data: C) => C = (d) => d): ClaimResult {
  const e = experiment<C>(id);
  return e.run(change(structuredClone(e.data)), ctx);
}
const data = (r: ClaimResult) => r.data as Record<string, unknown>;

describe("the closed form against runWired (Q1)", () => {
  it("h_T = Σ (−1)^{T−i} x_i + (−1)^T h_0 equals the simulated recurrence for odd and even T, h_0 != 0", () => {
    const rng = new Rng(7);
    const form = { x: { i: 1, T: 1, c: 0 }, h0: { T: 1, c: 0 } };
    for (let T = 1; T <= 25; T++) {
      const x = Array.from({ length: T }, () => rng.uniformIn(-1, 1));
      const h0 = 0.75;
      const net = cloneWired(q1Network(Q1_SEED));
      net.layers[0].initial = [h0];
      const h = runWired(
        net,
        x.map((v) => [v]),
      ).states[0][T][0];
      expect(Math.abs(evalClosedForm(form, x, h0) - h)).toBeLessThan(1e-12);
      // The seed's form is right for even T and wrong (by a lot) for odd T.
      const seed = evalClosedForm({ x: { i: 1, T: 0, c: 0 }, h0: { T: 0, c: 0 } }, x, h0);
      if (T % 2 === 0) expect(Math.abs(seed - h)).toBeLessThan(1e-12);
      else expect(Math.abs(seed - h)).toBeGreaterThan(1e-3);
    }
  });
});

describe("Q1.recurrence", () => {
  it("run(Q1.recurrence) holds: the wired network is h_t = x_t − h_{t−1}, y = σ(10 h_T)", () => {
    const r = run("Q1.recurrence");
    expect(r.verdict).toBe("holds");
    expect(data(r).wrong).toBe(0);
    expect(data(r).cases).toBeGreaterThan(100);
    expect(JSON.stringify(r.tables)).toContain("h_t = 1·x_t − 1·h_{t-1}");
  });
  it("run(Q1.recurrence, recurrent weight +1) fails", () => {
    const r = run<RecurrenceData>("Q1.recurrence", (d) => {
      d.network.layers[0].recurrentWeights = [[1]];
      return d;
    });
    expect(r.verdict).toBe("fails");
    expect(r.correction).not.toBeNull();
  });
});

describe("Q1.closed-form", () => {
  it("run(Q1.closed-form) is partly: the seed's form holds for even T only; the search finds (−1)^{T−i}, (−1)^T", () => {
    const r = run("Q1.closed-form");
    expect(r.verdict).toBe("partly");
    const d = data(r) as {
      groups: { group: string; wrong: number; cases: number }[];
      condition: string;
      formsMatching: number;
      corrected: string;
      maxCorrectedError: number;
    };
    expect(d.condition).toBe("even T");
    for (const g of d.groups) expect(g.wrong).toBe(g.group.includes("even") ? 0 : g.cases);
    expect(d.formsMatching).toBe(1);
    expect(d.corrected).toBe("h_T = Σ_{i=1..T} (−1)^{T−i} x_i + (−1)^{T} h_0");
    expect(d.maxCorrectedError).toBeLessThan(1e-12);
    expect(r.evidence).toContain("First counterexample");
    expect(r.correction).toContain("(−1)^{T−i}");
  });
  it("run(Q1.closed-form, exponent T − i and (−1)^T h_0) holds", () => {
    const r = run<ClosedFormData>("Q1.closed-form", (d) => ({
      ...d,
      form: { x: { i: -1, T: 1, c: 0 }, h0: { T: 1, c: 0 } },
    }));
    expect(r.verdict).toBe("holds");
    expect(r.correction).toBeNull();
  });
  it("run(Q1.closed-form, every x_i with +) fails", () => {
    const r = run<ClosedFormData>("Q1.closed-form", (d) => ({
      ...d,
      form: { x: { i: 0, T: 0, c: 0 }, h0: { T: 0, c: 0 } },
    }));
    expect(r.verdict).toBe("fails");
  });
});

describe("Q1.output", () => {
  it("run(Q1.output) fails: 10 h_0 outside σ puts y_T outside (0, 1)", () => {
    const r = run("Q1.output");
    expect(r.verdict).toBe("fails");
    const d = data(r) as {
      outsideUnitInterval: number;
      cases: number;
      withZeroH0: { verdict: string; condition: string };
      maxCorrectedError: number;
    };
    expect(d.outsideUnitInterval).toBe(d.cases);
    expect(d.withZeroH0).toEqual({ verdict: "partly", condition: "even T" });
    expect(d.maxCorrectedError).toBeLessThan(1e-12);
    expect(r.correction).toContain("inside σ");
  });
  it("run(Q1.output, 10·(−1)^T h_0 inside σ and (−1)^{T−i}) holds", () => {
    const r = run<OutputData>("Q1.output", (d) => ({
      ...d,
      output: {
        scale: 10,
        x: { i: 1, T: 1, c: 0 },
        h0: { placement: "inside", factor: 10, sign: { T: 1, c: 0 } },
      },
    }));
    expect(r.verdict).toBe("holds");
  });
  it("run(Q1.output, h_0 inside σ with the seed's signs) is partly (even T)", () => {
    const r = run<OutputData>("Q1.output", (d) => ({
      ...d,
      output: { ...d.output, h0: { placement: "inside", factor: 10, sign: { T: 0, c: 0 } } },
    }));
    expect(r.verdict).toBe("partly");
    expect(data(r).condition).toBe("even T");
  });
});

describe("Q1.meaning", () => {
  it("run(Q1.meaning) holds: an alternating sum from the last step, thresholded by σ(10·)", () => {
    const r = run("Q1.meaning");
    expect(r.verdict).toBe("holds");
    const d = data(r) as { violations: number; minHigh: number; maxLow: number; binarySequences: number };
    expect(d.violations).toBe(0);
    expect(d.binarySequences).toBe(2 ** 11 - 2);
    expect(d.minHigh).toBeCloseTo(1 / (1 + Math.exp(-10)), 12);
    expect(r.evidence).toContain("x_T + x_{T−2}");
  });
  it("run(Q1.meaning, counted from the first step) is no longer holds", () => {
    const r = run<MeaningData>("Q1.meaning", (d) => ({
      ...d,
      statement: { ...d.statement, anchor: "start" },
    }));
    expect(r.verdict).toBe("partly");
    expect((data(r).violations as number) > 0).toBe(true);
  });
  it("run(Q1.meaning, y >= 0.99999 claimed for D >= 1) is no longer holds (σ(10) = 0.9999546)", () => {
    const r = run<MeaningData>("Q1.meaning", (d) => ({ ...d, statement: { ...d.statement, high: 0.99999 } }));
    expect(r.verdict).not.toBe("holds");
  });
});
