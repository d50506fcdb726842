// Q3.product: the seed's gradient after T steps as a product of step factors, evaluated as written
// (the factor and how the product is multiplied out for vectors are data) against the library's BPTT
// for every length 1..30.

import { formatNumber } from "../format.js";
import { type Flow, rowOf } from "../gradients/flow.js";
import { type ProductForm, productBack, type SigmoidFactor } from "../gradients/jacobian.js";
import { relativeError } from "../gradients/linalg.js";
import { defineExperiment } from "../types.js";
import {
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

export interface ProductFormula {
  factor: SigmoidFactor;
  /** How ∏ [factor] W^T is multiplied out for vectors (the seed writes scalars). */
  form: ProductForm;
}

export interface ProductData {
  nets: number;
  /** The stated formula against BPTT, per hidden size. */
  errors: ErrorsBySize[];
  /** σ(z)(1 − σ(z)), products in order: Wᵀ D_1 ⋯ Wᵀ D_T dL/dh_T. */
  ordered: ErrorsBySize[];
  /** σ(z)(1 − σ(z)), all factors first, then W^T read as a power. */
  power: ErrorsBySize[];
}

const ORDERED: ProductFormula = { factor: CORRECT_FACTOR, form: "ordered" };
const POWER: ProductFormula = { factor: CORRECT_FACTOR, form: "factors-then-power" };

/** The flow restricted to steps from..T, renumbered 0..T − from. */
function flowFrom(flow: Flow, from: number): Flow {
  const row = flow.B * flow.H;
  return {
    ...flow,
    T: flow.T - from,
    grads: flow.grads.subarray(from * row),
    states: flow.states.subarray(from * row),
    pre: flow.pre.subarray(from * row),
  };
}

/** Every length d = 1..T: from dL/dh_T back to dL/dh_{T−d}, seen as a sequence starting at h_{T−d}. */
function productErrors(formula: ProductFormula) {
  return ({ flow, spec }: SuiteNet): number[] => {
    const { T, B, H } = flow;
    const errors: number[] = [];
    for (let d = 1; d <= T; d++) {
      const predicted = productBack(spec, flowFrom(flow, T - d), 0, formula.factor, formula.form);
      errors.push(relativeError(predicted, rowOf(flow.grads, T - d, 0, B, H)));
    }
    return errors;
  };
}

function describeProduct(data: ProductData, stated: ProductFormula): string {
  const powerMatrixMin = Math.min(...data.power.filter((r) => r.H > 1).map((r) => r.maxError));
  const powerScalar = data.power.find((r) => r.H === 1)?.maxError ?? Number.NaN;
  return (
    `On the same ${data.nets} random sigmoid RNNs (H = 1, 4, 16; 30 steps; float64), $\\partial L/\\partial h_{T-d}$ from the formula ` +
    `(factor $${factorTex(stated.factor)}$, products ${stated.form}) against BPTT, for every length d = 1..30: ${describeErrors(data.errors)}. ` +
    `With the literal factor each step shrinks the gradient by an extra $(1 - \\sigma'(z_i))$, so the error compounds with $d$. ` +
    `With the correct factor $\\sigma(z)(1 - \\sigma(z))$ and the products in order, $W^\\top \\operatorname{diag}(\\sigma'(z_1)) \\cdots W^\\top \\operatorname{diag}(\\sigma'(z_T)) \\partial L/\\partial h_T$, the largest error is ${formatNumber(worstError(data.ordered), 3)}; ` +
    `reading $W^\\top$ as the $T$-th power after all the factors is exact for the scalar net (max ${formatNumber(powerScalar, 3)}) ` +
    `but not for matrices (max error at least ${formatNumber(powerMatrixMin, 3)} for H > 1): $\\operatorname{diag}(\\sigma')$ and $W$ do not commute.`
  );
}

export const product = defineExperiment<ProductFormula, ProductData>({
  id: "Q3.product",
  question: "Q3",
  title: "The gradient after T steps as a product",
  claim:
    "$\\partial L/\\partial h_0 = \\partial L/\\partial h_T \\cdot \\prod_{i=1}^{T} [\\sigma'(z_i)(1 - \\sigma'(z_i))] W^\\top$.",
  stated: { factor: "dsigma*(1-dsigma)", form: "ordered" },
  cost: 0.2,

  measure(stated, ctx) {
    ctx.progress("Q3.product: products of step Jacobians against BPTT");
    const suite = jacobianSuite(ctx);
    return {
      nets: suite.length,
      errors: errorsBySize(suite, productErrors(stated)),
      ordered: errorsBySize(suite, productErrors(ORDERED)),
      power: errorsBySize(suite, productErrors(POWER)),
    };
  },

  judge: (data) => agreementVerdict(data.errors),

  describe(data, verdict, stated) {
    const correction =
      verdict === "holds"
        ? null
        : `$\\partial L/\\partial h_0 = W^\\top \\operatorname{diag}(\\sigma'(z_1)) W^\\top \\operatorname{diag}(\\sigma'(z_2)) \\cdots W^\\top \\operatorname{diag}(\\sigma'(z_T)) \\partial L/\\partial h_T$ with $\\sigma'(z) = \\sigma(z)(1 - \\sigma(z))$ ` +
          `(for a scalar $h$: $\\partial L/\\partial h_0 = \\partial L/\\partial h_T W^\\top \\prod_i \\sigma(z_i)(1 - \\sigma(z_i))$). ` +
          `It matches BPTT on the same nets to ${formatNumber(worstError(data.ordered), 3)} for every length 1..30.` +
          (verdict === "partly" ? " As given it agrees only for the scalar net (H = 1)." : "");
    const table = errorTable(
      "Product over d = 1..30 steps, formula against BPTT (relative error of $\\partial L/\\partial h_{T-d}$)",
      [
        { label: `as given: $${factorTex(stated.factor)}$, ${stated.form}`, rows: data.errors },
        { label: "correct factor, ordered", rows: data.ordered },
        { label: "correct factor, factors then W to the power T", rows: data.power },
      ],
    );
    return { evidence: describeProduct(data, stated), correction, tables: [table] };
  },
});
