import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createLabContext } from "../lab/context.js";
import { gradientFlow } from "../lab/gradients/flow.js";
import { productBack, stepBack } from "../lab/gradients/jacobian.js";
import { randomMatrixWithNorm, signedPermutation, spectralNorm } from "../lab/gradients/linalg.js";
import { sampleNet } from "../lab/gradients/nets.js";
import { BOUND_SLACK, bound, judgeBound, type WorstCheck } from "../lab/q3/bound.js";
import { q3 } from "../lab/q3/index.js";
import { AGREE_TOLERANCE, type ErrorsBySize } from "../lab/q3/jacobian-suite.js";
import {
  ARGMAX_TOLERANCE,
  MAX_TOLERANCE,
  type MaxDerivativeClaim,
  type MaxDerivativeData,
  maxDerivative,
  numericalMax,
} from "../lab/q3/max-derivative.js";
import { product } from "../lab/q3/product.js";
import {
  CORRECTED_REGIME,
  classifyRatio,
  judgeRegime,
  type RegimeClaim,
  regime,
  type SideCounts,
} from "../lab/q3/regime.js";
import { type StepJacobianData, stepJacobian } from "../lab/q3/step-jacobian.js";
import { Rng } from "../src/index.js";

// Q3's formula claims and the gradient sweep (the fast half; training is in lab-q3-training.test.ts).
// Judges on hand-made data first, then the experiments on one quick context for the file, so the
// sweep is computed once, as in a lab run.
const ctx = createLabContext({ quick: true, corpus: () => readFileSync("data/tinyshakespeare.txt", "utf8") });

const errorRow = (H: number, maxError: number, checks = 30): ErrorsBySize => ({
  H,
  nets: 3,
  checks,
  maxError,
  medianError: maxError / 2,
});
const stepData = (errors: ErrorsBySize[]): StepJacobianData => ({
  nets: 9,
  errors,
  corrected: errors,
  literalOverCorrect: { min: 0.75, max: 1 },
});
const judgeStep = (errors: ErrorsBySize[]) => stepJacobian.judge(stepData(errors), stepJacobian.stated);

describe("the agreement judge of Q3.step-jacobian and Q3.product", () => {
  it("judge: an error exactly at the tolerance at every size → holds", () => {
    const rows = [errorRow(1, AGREE_TOLERANCE), errorRow(4, AGREE_TOLERANCE), errorRow(16, 1e-15)];
    expect(judgeStep(rows)).toBe("holds");
  });

  it("judge: the scalar net agrees, H = 4 just over the tolerance → partly", () => {
    expect(judgeStep([errorRow(1, 1e-15), errorRow(4, AGREE_TOLERANCE * 1.001), errorRow(16, 1e-15)])).toBe(
      "partly",
    );
  });

  it("judge: the scalar net just over the tolerance → fails, whatever the others", () => {
    expect(judgeStep([errorRow(1, AGREE_TOLERANCE * 1.001), errorRow(4, 1e-15), errorRow(16, 1e-15)])).toBe(
      "fails",
    );
  });

  it("judge: a NaN error agrees with nothing → fails", () => {
    expect(judgeStep([errorRow(1, Number.NaN), errorRow(4, 1e-15)])).toBe("fails");
  });

  it("judge: no checks at all → inconclusive", () => {
    expect(judgeStep([])).toBe("inconclusive");
    expect(judgeStep([errorRow(1, Number.NEGATIVE_INFINITY, 0)])).toBe("inconclusive");
  });

  it("Q3.product's judge reads its errors the same way", () => {
    const data = { nets: 9, errors: [errorRow(1, 1e-15), errorRow(4, 0.5)], ordered: [], power: [] };
    expect(product.judge(data, product.stated)).toBe("partly");
  });
});

describe("the judge of Q3.max-derivative", () => {
  const found = (value: number, sigmaAtMax: number): MaxDerivativeData => ({
    step: 1e-3,
    found: { z: 0, value },
    sigmaAtMax,
    other: { expression: "dsigma*(1-dsigma)", z: 0, value: 3 / 16 },
  });
  const claim: MaxDerivativeClaim = { expression: "sigma*(1-sigma)", claimedMax: 0, claimedSigmaAtMax: 0 };

  it("judge: a maximum off by exactly the tolerance, at the claimed place → holds", () => {
    expect(maxDerivative.judge(found(MAX_TOLERANCE, 0), claim)).toBe("holds");
  });

  it("judge: a maximum off by just over the tolerance → fails, even at the right place", () => {
    expect(maxDerivative.judge(found(MAX_TOLERANCE * 1.01, 0), claim)).toBe("fails");
  });

  it("judge: the right value with sigma off by exactly the argmax tolerance → holds; just over → partly", () => {
    expect(maxDerivative.judge(found(0, ARGMAX_TOLERANCE), claim)).toBe("holds");
    expect(maxDerivative.judge(found(0, ARGMAX_TOLERANCE * 1.01), claim)).toBe("partly");
  });

  it("judge: a NaN maximum → fails", () => {
    expect(maxDerivative.judge(found(Number.NaN, 0), claim)).toBe("fails");
  });
});

describe("the judge of Q3.bound", () => {
  const slack = Math.log10(1 + BOUND_SLACK);
  const worst = (log10Excess: number): WorstCheck => ({
    log10Excess,
    family: "centred",
    H: 1,
    norm: 1,
    d: 183,
  });

  it("judge: measured/bound exactly 1 + slack at worst → holds", () => {
    expect(judgeBound({ checks: 36_000, worst: worst(slack) })).toBe("holds");
  });

  it("judge: a bound exceeded once, by just over the slack → fails", () => {
    expect(judgeBound({ checks: 36_000, worst: worst(slack * 1.01) })).toBe("fails");
  });

  it("judge: a bound attained (measured/bound 1) or loose → holds", () => {
    expect(judgeBound({ checks: 10, worst: worst(0) })).toBe("holds");
    expect(judgeBound({ checks: 10, worst: worst(-70) })).toBe("holds");
  });

  it("judge: every gradient underflowed (no finite excess) → holds; nothing checked → inconclusive", () => {
    expect(judgeBound({ checks: 10, worst: null })).toBe("holds");
    expect(judgeBound({ checks: 0, worst: null })).toBe("inconclusive");
  });
});

describe("the judge of Q3.regime", () => {
  const side = (vanishing: number, exploding: number, marginal = 0): SideCounts => ({
    runs: vanishing + exploding + marginal,
    vanishing,
    exploding,
    marginal,
  });
  const seed: RegimeClaim = regime.stated;

  it("classifyRatio: exactly 1e-2 and 1e2 are marginal; just beyond them vanishing and exploding", () => {
    expect(classifyRatio(-2)).toBe("marginal");
    expect(classifyRatio(-2 - 1e-12)).toBe("vanishing");
    expect(classifyRatio(2)).toBe("marginal");
    expect(classifyRatio(2 + 1e-12)).toBe("exploding");
    expect(classifyRatio(Number.NEGATIVE_INFINITY)).toBe("vanishing");
  });

  it("judge: every run below the threshold vanishes, 'exploding' stated there → fails", () => {
    expect(judgeRegime({ below: side(75, 0), above: side(64, 19, 7) }, seed)).toBe("fails");
  });

  it("judge: the corrected claim with both regimes above → holds; one exploding run above is enough", () => {
    expect(judgeRegime({ below: side(75, 0), above: side(64, 19, 7) }, CORRECTED_REGIME)).toBe("holds");
    expect(judgeRegime({ below: side(75, 0), above: side(1, 1) }, CORRECTED_REGIME)).toBe("holds");
  });

  it("judge: one marginal run among those below → 'vanishing' below fails", () => {
    expect(judgeRegime({ below: side(74, 0, 1), above: side(64, 19) }, CORRECTED_REGIME)).toBe("fails");
  });

  it("judge: right below, 'either' above with no explosion → partly; 'exploding' above with a vanishing run → partly", () => {
    expect(judgeRegime({ below: side(75, 0), above: side(90, 0) }, CORRECTED_REGIME)).toBe("partly");
    const exploding: RegimeClaim = { ...CORRECTED_REGIME, above: "exploding" };
    expect(judgeRegime({ below: side(75, 0), above: side(1, 89) }, exploding)).toBe("partly");
    expect(judgeRegime({ below: side(75, 0), above: side(0, 90) }, exploding)).toBe("holds");
  });

  it("judge: no run on a side the claim speaks of → inconclusive; a silent side is not checked", () => {
    expect(judgeRegime({ below: side(0, 0), above: side(64, 19) }, CORRECTED_REGIME)).toBe("inconclusive");
    expect(judgeRegime({ below: side(75, 0), above: side(0, 0) }, CORRECTED_REGIME)).toBe("inconclusive");
    const silent: RegimeClaim = { ...CORRECTED_REGIME, above: null };
    expect(judgeRegime({ below: side(75, 0), above: side(0, 0) }, silent)).toBe("holds");
  });
});

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

const worstOf = (rows: ErrorsBySize[]) => Math.max(...rows.map((r) => r.maxError));

describe("Q3.step-jacobian", () => {
  it("the seed's factor sigma'(1 - sigma') fails against BPTT, by up to a quarter", () => {
    const r = stepJacobian.run(ctx);
    expect(r.verdict).toBe("fails");
    expect(worstOf(r.data.errors)).toBeGreaterThan(0.2);
    expect(worstOf(r.data.corrected)).toBeLessThan(1e-12);
    expect(r.correction).toContain("W^\\top \\operatorname{diag}(\\sigma'(z_{t+1}))");
  });

  it("with sigma(1 - sigma) the step rule holds; with W instead of W^T only the scalar net agrees", () => {
    const fixed = stepJacobian.run(ctx, { ...stepJacobian.stated, factor: "sigma*(1-sigma)" });
    expect(fixed.verdict).toBe("holds");
    expect(fixed.correction).toBeNull();
    const transposed = stepJacobian.run(ctx, { factor: "sigma*(1-sigma)", order: "weight-first" });
    expect(transposed.verdict).toBe("partly");
  });
});

describe("Q3.product", () => {
  it("fails with the seed's factor; the ordered product with sigma' holds", () => {
    const r = product.run(ctx);
    expect(r.verdict).toBe("fails");
    expect(worstOf(r.data.errors)).toBeGreaterThan(0.5);
    const fixed = product.run(ctx, { ...product.stated, factor: "sigma*(1-sigma)" });
    expect(fixed.verdict).toBe("holds");
    expect(worstOf(fixed.data.errors)).toBeLessThan(1e-12);
  });

  it("all factors first and then W to the power T holds only for the scalar net", () => {
    const power = product.run(ctx, { factor: "sigma*(1-sigma)", form: "factors-then-power" });
    expect(power.verdict).toBe("partly");
  });
});

describe("Q3.max-derivative", () => {
  it("finds 1/4 at z = 0 (sigma = 1/2)", () => {
    const r = maxDerivative.run(ctx);
    expect(r.verdict).toBe("holds");
    expect(r.data.found.value).toBeCloseTo(0.25, 14);
    expect(Math.abs(r.data.found.z)).toBeLessThan(1e-6);
    expect(r.data.other.value).toBeCloseTo(3 / 16, 12);
  });

  it("a wrong maximum fails; the seed's literal factor does not peak at 1/4", () => {
    expect(maxDerivative.run(ctx, { ...maxDerivative.stated, claimedMax: 0.3 }).verdict).toBe("fails");
    const literal = maxDerivative.run(ctx, { ...maxDerivative.stated, expression: "dsigma*(1-dsigma)" });
    expect(literal.verdict).toBe("fails");
    expect(literal.correction).toContain("0.1875");
    expect(maxDerivative.run(ctx, { ...maxDerivative.stated, claimedSigmaAtMax: 0.6 }).verdict).toBe(
      "partly",
    );
  });
});

describe("Q3.bound", () => {
  it("is never exceeded on the sweep, and attained at z = 0", () => {
    const r = bound.run(ctx);
    expect(r.verdict).toBe("holds");
    expect(r.data.exceeded).toBe(0);
    expect(r.data.checks).toBeGreaterThan(10_000);
    expect(r.data.heldMaxLog10).toBeCloseTo(0, 9);
    expect((r.figures ?? []).map((f) => f.id)).toContain("q3-bound-distance");
  });

  it("a smaller constant, a smaller exponent or the max-entry norm is exceeded", () => {
    const stated = bound.stated;
    expect(bound.run(ctx, { ...stated, constant: 0.125 }).verdict).toBe("fails");
    expect(bound.run(ctx, { ...stated, exponent: { perStep: 0.5, offset: 0 } }).verdict).toBe("fails");
    const maxEntry = bound.run(ctx, { ...stated, norm: "max-abs-entry" });
    expect(maxEntry.verdict).toBe("fails");
    expect(maxEntry.data.exceeded).toBeGreaterThan(0);
    expect(maxEntry.correction).toContain(`0 of ${maxEntry.data.seed.checks} checks exceed it`);
    expect(bound.run(ctx, { ...stated, norm: "frobenius" }).verdict).toBe("holds");
  });
});

describe("Q3.regime", () => {
  it("below 4 everything vanishes, so 'exploding' there fails; above 4 both regimes occur", () => {
    const r = regime.run(ctx);
    expect(r.verdict).toBe("fails");
    const { below, above } = r.data;
    expect(below.runs).toBeGreaterThan(0);
    expect(below.vanishing).toBe(below.runs);
    expect(above.vanishing).toBeGreaterThan(0);
    expect(above.exploding).toBeGreaterThan(0);
    expect(r.figures?.some((f) => f.spec.kind === "heatmap")).toBe(true);
  });

  it("the corrected statement holds; 'above 4 explodes' is only partly right; a threshold of 8 fails", () => {
    const corrected = regime.run(ctx, CORRECTED_REGIME);
    expect(corrected.verdict).toBe("holds");
    expect(corrected.correction).toBeNull();
    expect(regime.run(ctx, { ...CORRECTED_REGIME, above: "exploding" }).verdict).toBe("partly");
    expect(regime.run(ctx, { ...CORRECTED_REGIME, threshold: 8 }).verdict).toBe("fails");
  });
});

describe("Q3's registry and figures", () => {
  it("lists the eight Q3 claims in CLAIMS.md order", () => {
    expect(q3.map((e) => e.id)).toEqual([
      "Q3.step-jacobian",
      "Q3.product",
      "Q3.max-derivative",
      "Q3.bound",
      "Q3.regime",
      "Q3.skip",
      "Q3.clip-value",
      "Q3.clip-norm",
    ]);
  });

  it("have ids prefixed q3-, lowercase and unique", () => {
    const results = [
      stepJacobian.run(ctx),
      product.run(ctx),
      maxDerivative.run(ctx),
      bound.run(ctx),
      regime.run(ctx),
    ];
    const ids = results.flatMap((r) => (r.figures ?? []).map((f) => f.id));
    expect(ids.length).toBeGreaterThan(0);
    for (const id of ids) expect(id).toMatch(/^q3-[a-z0-9-]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });
});
