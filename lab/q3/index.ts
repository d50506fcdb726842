import type { RunnableExperiment } from "../types.js";
import { bound } from "./bound.js";
import { clipNorm } from "./clip-norm.js";
import { clipValue } from "./clip-value.js";
import { maxDerivative } from "./max-derivative.js";
import { product } from "./product.js";
import { regime } from "./regime.js";
import { skip } from "./skip.js";
import { stepJacobian } from "./step-jacobian.js";

/** Q3, gradients through time in a sigmoid RNN: one experiment per claim id, in CLAIMS.md order. */
export const q3: readonly RunnableExperiment[] = [
  stepJacobian,
  product,
  maxDerivative,
  bound,
  regime,
  skip,
  clipValue,
  clipNorm,
];
