// Q3.step-jacobian: the seed's one step of backpropagation through a sigmoid RNN, evaluated as
// written (the factor in front of W and the order of the product are data) against the library's
// BPTT in float64.

import { formatNumber } from "../format.js";
import { rowOf } from "../gradients/flow.js";
import { type SigmoidFactor, type StepOrder, sigmoidFactor, stepBack } from "../gradients/jacobian.js";
import { relativeError } from "../gradients/linalg.js";
import { defineExperiment } from "../types.js";
import {
  AGREE_TOLERANCE,
  agreementVerdict,
  CORRECT_FACTOR,
  factorTex,
  describeErrors,
  type ErrorsBySize,
  errorsBySize,
  errorTable,
  jacobianSuite,
  type SuiteNet,
  worstError,
} from "./jacobian-suite.js";

export interface StepFormula {
  /** The factor multiplying W: the seed writes σ'(z)(1 − σ'(z)). */
  factor: SigmoidFactor;
  /** "dL/dh_{t+1} × factor × W" with the gradient as a row vector (gradient-first) or W applied to it. */
  order: StepOrder;
}

export interface StepJacobianData {
  nets: number;
  /** The stated formula against BPTT, per hidden size. */
  errors: ErrorsBySize[];
  /** σ(z)(1 − σ(z)), gradient-first, against BPTT on the same nets. */
  corrected: ErrorsBySize[];
  /** The range of the literal factor over σ' (= 1 − σ') on the pre-activations the nets met. */
  literalOverCorrect: { min: number; max: number };
}

const CORRECTED: StepFormula = { factor: CORRECT_FACTOR, order: "gradient-first" };

/** The formula's dL/dh_t from BPTT's dL/dh_{t+1}, against BPTT's dL/dh_t, at every step. */
function stepErrors(formula: StepFormula) {
  return ({ flow, spec }: SuiteNet): number[] => {
    const { T, B, H } = flow;
    const errors: number[] = [];
    for (let t = 0; t < T; t++) {
      const gNext = Float64Array.from(rowOf(flow.grads, t + 1, 0, B, H));
      const zNext = rowOf(flow.pre, t + 1, 0, B, H);
      const predicted = stepBack(spec.W, H, gNext, zNext, formula.factor, formula.order);
      errors.push(relativeError(predicted, rowOf(flow.grads, t, 0, B, H)));
    }
    return errors;
  };
}

function literalOverCorrect(suite: SuiteNet[]): { min: number; max: number } {
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const { flow } of suite) {
    for (let i = flow.B * flow.H; i < flow.pre.length; i++) {
      const z = flow.pre[i];
      const r = sigmoidFactor("dsigma*(1-dsigma)", z) / sigmoidFactor(CORRECT_FACTOR, z);
      if (Number.isFinite(r)) {
        min = Math.min(min, r);
        max = Math.max(max, r);
      }
    }
  }
  return { min, max };
}

export const stepJacobian = defineExperiment<StepFormula, StepJacobianData>({
  id: "Q3.step-jacobian",
  question: "Q3",
  title: "One step of backpropagation through a sigmoid RNN",
  claim:
    "With $h_{t+1} = \\sigma(z_{t+1})$, $z_{t+1} = U x_{t+1} + W h_t$: $\\partial L/\\partial h_t = \\partial L/\\partial h_{t+1} \\cdot \\sigma'(z_{t+1}) (1 - \\sigma'(z_{t+1})) \\cdot W$ (the seed's literal factor).",
  stated: { factor: "dsigma*(1-dsigma)", order: "gradient-first" },
  cost: 1,

  measure(stated, ctx) {
    ctx.progress("Q3.step-jacobian: BPTT on random sigmoid RNNs");
    const suite = jacobianSuite(ctx);
    return {
      nets: suite.length,
      errors: errorsBySize(suite, stepErrors(stated)),
      corrected: errorsBySize(suite, stepErrors(CORRECTED)),
      literalOverCorrect: literalOverCorrect(suite),
    };
  },

  judge: (data) => agreementVerdict(data.errors),

  describe(data, verdict, stated) {
    const correctedMax = formatNumber(worstError(data.corrected), 3);
    const ratio = data.literalOverCorrect;
    const evidence =
      `On ${data.nets} random sigmoid RNNs (H = 1, 4, 16; $\\lVert W\\rVert_2$ from 1 to 6; 30 steps; float64; loss on $h_T$ only), ` +
      `the formula with factor $${factorTex(stated.factor)}$ and order ${stated.order} was applied to BPTT's $\\partial L/\\partial h_{t+1}$ ` +
      `and compared with BPTT's $\\partial L/\\partial h_t$ at every step (relative error; agreement means ≤ ${formatNumber(AGREE_TOLERANCE, 3)}): ${describeErrors(data.errors)}. ` +
      `The seed's literal factor $\\sigma'(z)(1 - \\sigma'(z))$ is $(1 - \\sigma'(z))$ times the true derivative $\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$: ` +
      `on the pre-activations these nets met, between ${formatNumber(ratio.min, 3)} and ${formatNumber(ratio.max, 3)} times it (at $z = 0$ it is 3/16 instead of 1/4). ` +
      `With the factor $\\sigma(z)(1 - \\sigma(z))$ and the gradient multiplied first ($W^\\top \\operatorname{diag}(\\sigma') \\partial L/\\partial h_{t+1}$) the same check gives a largest error of ${correctedMax}.`;
    const correction =
      verdict === "holds"
        ? null
        : `$\\partial L/\\partial h_t = W^\\top \\operatorname{diag}(\\sigma'(z_{t+1})) \\partial L/\\partial h_{t+1}$ with $\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$ (as a row vector: $\\partial L/\\partial h_{t+1} \\operatorname{diag}(\\sigma(z_{t+1})(1 - \\sigma(z_{t+1}))) W$). ` +
          `It matches BPTT on the same ${data.nets} nets to a relative error of at most ${correctedMax} (every hidden size).` +
          (verdict === "partly" ? " As written it agrees only for the scalar net (H = 1)." : "");
    const table = errorTable(
      "One step back, formula against BPTT (relative error of $\\partial L/\\partial h_t$)",
      [
        { label: `as given: $${factorTex(stated.factor)}$, ${stated.order}`, rows: data.errors },
        { label: `$${factorTex(CORRECTED.factor)}$, ${CORRECTED.order}`, rows: data.corrected },
      ],
    );
    return { evidence, correction, tables: [table] };
  },
});
