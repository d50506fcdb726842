// Q3.max-derivative: the maximum of σ(z)(1 − σ(z)) and where it is, found numerically (a grid, then
// golden-section search) and compared with the seed's 1/4 at σ(z) = 1/2.

import { sigmoid } from "../../src/kernels/index.js";
import { type Figure, plotNumber } from "../../src/report/index.js";
import { formatNumber, texToText } from "../format.js";
import { type SigmoidFactor, sigmoidFactor } from "../gradients/jacobian.js";
import { defineExperiment, type Verdict } from "../types.js";
import { factorTex } from "./jacobian-suite.js";

export interface MaxDerivativeClaim {
  /** The function maximized: the seed's σ(z)(1 − σ(z)). */
  expression: SigmoidFactor;
  claimedMax: number;
  /** σ(z) at the maximum. */
  claimedSigmaAtMax: number;
}

export interface Maximum {
  z: number;
  value: number;
}

export interface MaxDerivativeData {
  /** The grid step in z. */
  step: number;
  found: Maximum;
  /** σ(z) at the maximum found. */
  sigmaAtMax: number;
  /** The other factor's maximum, for comparison. */
  other: Maximum & { expression: SigmoidFactor };
}

/** The claimed maximum must match to this (absolute; the numerical maximum is exact to ~1e-16). */
export const MAX_TOLERANCE = 1e-12;
/** σ at the argmax must match to this (the argmax of a flat maximum is found to ~1e-8 in z). */
export const ARGMAX_TOLERANCE = 1e-6;

const Z_RANGE = 30;
const CURVES: readonly SigmoidFactor[] = ["sigma*(1-sigma)", "dsigma*(1-dsigma)"];
const GOLDEN = (Math.sqrt(5) - 1) / 2;

/** Maximum of f over [lo, hi]: a grid of step `step`, then golden-section search around the best point. */
export function numericalMax(f: (z: number) => number, lo: number, hi: number, step: number): Maximum {
  let best: Maximum = { z: lo, value: f(lo) };
  const n = Math.round((hi - lo) / step);
  for (let i = 1; i <= n; i++) {
    const z = lo + i * step;
    const value = f(z);
    if (value > best.value) best = { z, value };
  }
  const refined = goldenSection(f, best.z - step, best.z + step);
  return refined.value >= best.value ? refined : best;
}

/** Golden-section search for the maximum of a unimodal f on [a, b], down to round-off. */
function goldenSection(f: (z: number) => number, a: number, b: number): Maximum {
  let c = b - GOLDEN * (b - a);
  let d = a + GOLDEN * (b - a);
  let fc = f(c);
  let fd = f(d);
  for (let i = 0; i < 200 && b - a > 1e-15; i++) {
    if (fc >= fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - GOLDEN * (b - a);
      fc = f(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + GOLDEN * (b - a);
      fd = f(d);
    }
  }
  const z = (a + b) / 2;
  return { z, value: f(z) };
}

/** The value is the claim's substance; a right value at a wrong place holds only in part. */
export function judgeMaximum(data: MaxDerivativeData, claim: MaxDerivativeClaim): Verdict {
  const valueOk = Math.abs(data.found.value - claim.claimedMax) <= MAX_TOLERANCE;
  const placeOk = Math.abs(data.sigmaAtMax - claim.claimedSigmaAtMax) <= ARGMAX_TOLERANCE;
  return valueOk ? (placeOk ? "holds" : "partly") : "fails";
}

function curveFigure(claimedMax: number): Figure {
  const zs: number[] = [];
  for (let i = -80; i <= 80; i++) zs.push(i / 10);
  return {
    id: "q3-max-derivative-curve",
    title: "$\\sigma(z)(1 - \\sigma(z))$ and the seed's $\\sigma'(z)(1 - \\sigma'(z))$",
    caption:
      "The derivative of the sigmoid peaks at 1/4 at $z = 0$; the seed's literal step factor peaks at 3/16.",
    spec: {
      kind: "line",
      x: { label: "z" },
      y: { label: "factor", zero: true },
      series: CURVES.map((factor) => ({
        name: texToText(`$${factorTex(factor)}$`),
        x: zs,
        y: zs.map((z) => plotNumber(sigmoidFactor(factor, z))),
      })),
      rules: [{ axis: "y", value: claimedMax, label: `claimed max ${formatNumber(claimedMax, 3)}` }],
    },
  };
}

export const maxDerivative = defineExperiment<MaxDerivativeClaim, MaxDerivativeData>({
  id: "Q3.max-derivative",
  question: "Q3",
  title: "The largest value of $\\sigma(z)(1 - \\sigma(z))$",
  claim: "$\\max_z \\sigma(z)(1 - \\sigma(z))$ is 1/4, at $\\sigma(z) = 1/2$.",
  stated: { expression: "sigma*(1-sigma)", claimedMax: 0.25, claimedSigmaAtMax: 0.5 },
  cost: 0.1,

  measure(stated, ctx) {
    ctx.progress("Q3.max-derivative: grid and golden-section search");
    const step = ctx.quick ? 1e-3 : 1e-4;
    const found = numericalMax((z) => sigmoidFactor(stated.expression, z), -Z_RANGE, Z_RANGE, step);
    const other: SigmoidFactor =
      stated.expression === "sigma*(1-sigma)" ? "dsigma*(1-dsigma)" : "sigma*(1-sigma)";
    const otherMax = numericalMax((z) => sigmoidFactor(other, z), -Z_RANGE, Z_RANGE, step);
    return { step, found, sigmaAtMax: sigmoid(found.z), other: { expression: other, ...otherMax } };
  },

  judge: judgeMaximum,

  describe(data, verdict, stated) {
    const { found, other } = data;
    const evidence =
      `$${factorTex(stated.expression)}$ evaluated on a grid of $z$ from -${Z_RANGE} to ${Z_RANGE} (step ${formatNumber(data.step, 3)}) and refined by golden-section search: ` +
      `maximum ${found.value.toPrecision(15)} at $z$ = ${formatNumber(found.z, 3)}, where $\\sigma(z)$ = ${data.sigmaAtMax.toPrecision(10)} ` +
      `(claimed ${formatNumber(stated.claimedMax, 3)} at $\\sigma(z)$ = ${formatNumber(stated.claimedSigmaAtMax, 3)}; ` +
      `tolerances ${formatNumber(MAX_TOLERANCE, 3)} and ${formatNumber(ARGMAX_TOLERANCE, 3)}). ` +
      `For comparison, $${factorTex(other.expression)}$ peaks at ${other.value.toPrecision(6)} ($z$ = ${formatNumber(other.z, 3)}): the seed's step formula uses ` +
      `$\\sigma'(1 - \\sigma')$, whose maximum is 3/16, yet its bound uses the 1/4 of $\\sigma(1 - \\sigma)$, which is the right one since $\\sigma(1 - \\sigma)$ is $\\sigma'$ itself.`;
    const correction =
      verdict === "holds"
        ? null
        : `The maximum of $${factorTex(stated.expression)}$ is ${found.value.toPrecision(6)}, at $z$ = ${formatNumber(found.z, 3)} ($\\sigma(z)$ = ${data.sigmaAtMax.toPrecision(6)}), as computed above.`;
    return { evidence, correction, figures: [curveFigure(stated.claimedMax)] };
  },
});
