import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../src/lab/context.js";
import type { BoundData, RegimeData } from "../src/lab/experiments/q3-bound.js";
import {
  type MaxDerivativeData,
  numericalMax,
  type ProductData,
  type StepJacobianData,
} from "../src/lab/experiments/q3-jacobian.js";
import { q3Experiments } from "../src/lab/experiments/q3.js";
import { gradientFlow } from "../src/lab/gradients/flow.js";
import { productBack, stepBack } from "../src/lab/gradients/jacobian.js";
import { randomMatrixWithNorm, signedPermutation, spectralNorm } from "../src/lab/gradients/linalg.js";
import { sampleNet } from "../src/lab/gradients/nets.js";
import type { ClaimResult, Experiment } from "../src/lab/types.js";
import { Rng } from "../src/random.js";

// Q3's formula claims and the gradient sweep (the fast half; training is in lab-q3-training.test.ts).
// One quick context for the file, so the sweep is computed once, as in a lab run.
const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

function run<C>(id: string, change: (data: C) => C = (d) => d): ClaimResult {
  const e = q3Experiments.find((x) => x.id === id) as Experiment<C> | undefined;
  if (!e) throw new Error(`no experiment ${id}`);
  return e.run(change(structuredClone(e.data)), ctx);
}
const data = (r: ClaimResult) => r.data as Record<string, unknown>;
const maxError = (rows: unknown) => Math.max(...(rows as { maxError: number }[]).map((r) => r.maxError));

describe("the gradient-flow helpers", () => {
  it("spectralNorm matches a scaled signed permutation and randomMatrixWithNorm hits its norm", () => {
    const rng = new Rng(3);
    expect(spectralNorm(signedPermutation(rng, 7, 2.5), 7)).toBeCloseTo(2.5, 14);
    for (const H of [1, 5, 32])
      expect(spectralNorm(randomMatrixWithNorm(rng, H, 4.5), H)).toBeCloseTo(4.5, 12);
  });

  it("gradientFlow's dL/dh_t follow the correct step rule and product, and the seed's factor misses them", () => {
    const { spec, input } = sampleNet(new Rng(11), "driven", 6, 3, 12);
    const flow = gradientFlow(spec, input);
    const g = (t: number) => flow.grads.subarray(t * 6, (t + 1) * 6);
    const z = (t: number) => flow.pre.subarray(t * 6, (t + 1) * 6);
    const good = stepBack(spec.W, 6, Float64Array.from(g(5)), z(5), "sigma*(1-sigma)", "gradient-first");
    const bad = stepBack(spec.W, 6, Float64Array.from(g(5)), z(5), "dsigma*(1-dsigma)", "gradient-first");
    for (let i = 0; i < 6; i++) expect(good[i]).toBeCloseTo(g(4)[i], 14);
    expect(Math.max(...bad.map((v, i) => Math.abs(v - g(4)[i])))).toBeGreaterThan(1e-6);
    const g0 = productBack(spec, flow, 0, "sigma*(1-sigma)", "ordered");
    for (let i = 0; i < 6; i++) expect(g0[i] / g(0)[i]).toBeCloseTo(1, 10);
  });

  it("numericalMax finds the maximum of a parabola off the grid", () => {
    const found = numericalMax((z) => 2 - (z - 0.123456) ** 2, -5, 5, 0.01);
    expect(found.value).toBeCloseTo(2, 12);
    expect(found.z).toBeCloseTo(0.123456, 6);
  });
});

describe("Q3.step-jacobian", () => {
  it("the seed's factor sigma'(1 - sigma') fails against BPTT, by up to a quarter", () => {
    const r = run("Q3.step-jacobian");
    expect(r.verdict).toBe("fails");
    expect(maxError(data(r).errors)).toBeGreaterThan(0.2);
    expect(maxError(data(r).corrected)).toBeLessThan(1e-12);
    expect(r.correction).toContain("W^T diag(sigma'(z_{t+1}))");
  });

  it("with sigma(1 - sigma) the step rule holds; with W instead of W^T only the scalar net agrees", () => {
    const fixed = run<StepJacobianData>("Q3.step-jacobian", (d) => ({ ...d, factor: "sigma*(1-sigma)" }));
    expect(fixed.verdict).toBe("holds");
    expect(fixed.correction).toBeNull();
    const transposed = run<StepJacobianData>("Q3.step-jacobian", () => ({
      factor: "sigma*(1-sigma)",
      order: "weight-first",
    }));
    expect(transposed.verdict).toBe("partly");
  });
});

describe("Q3.product", () => {
  it("fails with the seed's factor; the ordered product with sigma' holds", () => {
    const r = run("Q3.product");
    expect(r.verdict).toBe("fails");
    expect(maxError(data(r).errors)).toBeGreaterThan(0.5);
    const fixed = run<ProductData>("Q3.product", (d) => ({ ...d, factor: "sigma*(1-sigma)" }));
    expect(fixed.verdict).toBe("holds");
    expect(maxError(data(fixed).errors)).toBeLessThan(1e-12);
  });

  it("all factors first and then W to the power T holds only for the scalar net", () => {
    const power = run<ProductData>("Q3.product", () => ({
      factor: "sigma*(1-sigma)",
      form: "factors-then-power",
    }));
    expect(power.verdict).toBe("partly");
  });
});

describe("Q3.max-derivative", () => {
  it("finds 1/4 at z = 0 (sigma = 1/2)", () => {
    const r = run("Q3.max-derivative");
    expect(r.verdict).toBe("holds");
    expect(data(r).max as number).toBeCloseTo(0.25, 14);
    expect(Math.abs(data(r).argmax as number)).toBeLessThan(1e-6);
    expect((data(r).other as { max: number }).max).toBeCloseTo(3 / 16, 12);
  });

  it("a wrong maximum fails; the seed's literal factor does not peak at 1/4", () => {
    expect(run<MaxDerivativeData>("Q3.max-derivative", (d) => ({ ...d, claimedMax: 0.3 })).verdict).toBe(
      "fails",
    );
    const literal = run<MaxDerivativeData>("Q3.max-derivative", (d) => ({
      ...d,
      expression: "dsigma*(1-dsigma)",
    }));
    expect(literal.verdict).toBe("fails");
    expect(literal.correction).toContain("0.1875");
    expect(
      run<MaxDerivativeData>("Q3.max-derivative", (d) => ({ ...d, claimedSigmaAtMax: 0.6 })).verdict,
    ).toBe("partly");
  });
});

describe("Q3.bound", () => {
  it("is never exceeded on the sweep, and attained at z = 0", () => {
    const r = run("Q3.bound");
    expect(r.verdict).toBe("holds");
    expect(data(r).exceeded).toBe(0);
    expect(data(r).checks as number).toBeGreaterThan(10_000);
    expect(data(r).heldMaxLog10 as number).toBeCloseTo(0, 9);
    const ids = (r.figures ?? []).map((f) => f.id);
    expect(ids).toContain("q3-bound-distance");
  });

  it("a smaller constant, a smaller exponent or the max-entry norm is exceeded", () => {
    expect(run<BoundData>("Q3.bound", (d) => ({ ...d, constant: 0.125 })).verdict).toBe("fails");
    expect(run<BoundData>("Q3.bound", (d) => ({ ...d, exponent: { perStep: 0.5, offset: 0 } })).verdict).toBe(
      "fails",
    );
    expect(run<BoundData>("Q3.bound", (d) => ({ ...d, norm: "max-abs-entry" })).verdict).toBe("fails");
    const frobenius = run<BoundData>("Q3.bound", (d) => ({ ...d, norm: "frobenius" }));
    expect(frobenius.verdict).toBe("holds");
  });
});

describe("Q3.regime", () => {
  it("below 4 everything vanishes, so 'exploding' there fails; above 4 both regimes occur", () => {
    const r = run("Q3.regime");
    expect(r.verdict).toBe("fails");
    const below = data(r).below as { runs: number; vanishing: number; exploding: number };
    expect(below.runs).toBeGreaterThan(0);
    expect(below.vanishing).toBe(below.runs);
    const above = (data(r).corrected as { above: { vanishing: number; exploding: number } }).above;
    expect(above.vanishing).toBeGreaterThan(0);
    expect(above.exploding).toBeGreaterThan(0);
    expect(r.figures?.some((f) => f.spec.kind === "heatmap")).toBe(true);
  });

  it("the corrected statement holds; 'above 4 explodes' is only partly right; a threshold of 8 fails", () => {
    const corrected = run<RegimeData>("Q3.regime", () => ({
      threshold: 4,
      below: "vanishing",
      above: "either",
    }));
    expect(corrected.verdict).toBe("holds");
    expect(
      run<RegimeData>("Q3.regime", () => ({ threshold: 4, below: "vanishing", above: "exploding" })).verdict,
    ).toBe("partly");
    expect(
      run<RegimeData>("Q3.regime", () => ({ threshold: 8, below: "vanishing", above: "either" })).verdict,
    ).toBe("fails");
  });
});

describe("Q3 figures", () => {
  it("have ids prefixed q3-, lowercase and unique", () => {
    const ids = ["Q3.step-jacobian", "Q3.product", "Q3.max-derivative", "Q3.bound", "Q3.regime"].flatMap(
      (id) => (run(id).figures ?? []).map((f) => f.id),
    );
    for (const id of ids) expect(id).toMatch(/^q3-[a-z0-9-]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
