// What Q3.step-jacobian and Q3.product share: the random sigmoid RNNs with BPTT's dL/dh_t, the
// formula-against-BPTT errors summarized per hidden size, and the verdict read from them.

import type { Table } from "../../src/report/index.js";
import { formatNumber } from "../format.js";
import { type Flow, gradientFlow, type RnnSpec } from "../gradients/flow.js";
import type { SigmoidFactor } from "../gradients/jacobian.js";
import { median } from "../gradients/linalg.js";
import { sampleNet } from "../gradients/nets.js";
import type { LabContext, Verdict } from "../types.js";

/** A formula "agrees with BPTT" when its relative error (‖formula − BPTT‖ / ‖BPTT‖) is at most this:
 *  float64 round-off over 30 steps is ~1e-15, a wrong factor or order gives errors of 1e-2 and more. */
export const AGREE_TOLERANCE = 1e-9;

/** σ(z)(1 − σ(z)) = σ'(z): the factor that makes both formulas right. */
export const CORRECT_FACTOR: SigmoidFactor = "sigma*(1-sigma)";

export const SUITE_STEPS = 30;

export interface SuiteNet {
  H: number;
  spec: RnnSpec;
  flow: Flow;
}

/** Random sigmoid RNNs (driven family) of hidden sizes 1, 4 and 16 with ‖W‖₂ in 1..6, 30 steps each,
 *  with BPTT's dL/dh_t (loss at the last step only), computed once per lab run. */
export function jacobianSuite(ctx: LabContext): SuiteNet[] {
  return ctx.shared("q3:jacobian-suite", () => {
    const rng = ctx.rng("q3-jacobian-suite");
    const perSize = ctx.quick ? 3 : 8;
    const nets: SuiteNet[] = [];
    for (const H of [1, 4, 16]) {
      for (let n = 0; n < perSize; n++) {
        const norm = 1 + (5 * n) / Math.max(1, perSize - 1);
        const { spec, input } = sampleNet(rng, "driven", H, norm, SUITE_STEPS);
        nets.push({ H, spec, flow: gradientFlow(spec, input) });
      }
    }
    return nets;
  });
}

/** The relative errors of one formula over the nets of one hidden size. */
export interface ErrorsBySize {
  H: number;
  nets: number;
  checks: number;
  maxError: number;
  medianError: number;
}

export function errorsBySize(suite: SuiteNet[], errorsOf: (net: SuiteNet) => number[]): ErrorsBySize[] {
  return [...new Set(suite.map((n) => n.H))].map((H) => {
    const nets = suite.filter((n) => n.H === H);
    const errors = nets.flatMap(errorsOf);
    return {
      H,
      nets: nets.length,
      checks: errors.length,
      maxError: Math.max(...errors),
      medianError: median(errors),
    };
  });
}

const agrees = (r: ErrorsBySize): boolean => r.maxError <= AGREE_TOLERANCE;

/** holds: the formula agrees with BPTT at every size; partly: for the scalar net (H = 1) only; fails
 *  otherwise (a NaN error agrees with nothing); inconclusive when nothing was checked. */
export function agreementVerdict(rows: readonly ErrorsBySize[]): Verdict {
  if (rows.every((r) => r.checks === 0)) return "inconclusive";
  if (rows.every(agrees)) return "holds";
  const scalar = rows.find((r) => r.H === 1);
  return scalar && agrees(scalar) ? "partly" : "fails";
}

/** The largest error over every size. */
export function worstError(rows: readonly ErrorsBySize[]): number {
  return Math.max(...rows.map((r) => r.maxError));
}

export function describeErrors(rows: readonly ErrorsBySize[]): string {
  return rows
    .map(
      (r) =>
        `H = ${r.H}: max ${formatNumber(r.maxError, 3)}, median ${formatNumber(r.medianError, 3)} over ${r.checks} checks`,
    )
    .join("; ");
}

export function errorTable(
  title: string,
  variants: { label: string; rows: readonly ErrorsBySize[] }[],
): Table {
  return {
    kind: "grid",
    title,
    columns: ["formula", "H", "checks", "max relative error", "median relative error", "agrees"],
    rows: variants.flatMap((v) =>
      v.rows.map((r) => [
        v.label,
        r.H,
        r.checks,
        formatNumber(r.maxError, 3),
        formatNumber(r.medianError, 3),
        agrees(r) ? "yes" : "no",
      ]),
    ),
  };
}

/** A step factor in TeX, for the text: the derivative σ(z)(1 − σ(z)) or the seed's σ'(z)(1 − σ'(z)). */
export const factorTex = (factor: SigmoidFactor): string =>
  factor === "sigma*(1-sigma)" ? "\\sigma(z)(1 - \\sigma(z))" : "\\sigma'(z)(1 - \\sigma'(z))";
