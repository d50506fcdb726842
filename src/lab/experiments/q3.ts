import type { Experiment } from "../types.js";
import { q3BoundExperiments } from "./q3-bound.js";
import { q3ClipExperiments } from "./q3-clip.js";
import { q3JacobianExperiments } from "./q3-jacobian.js";
import { q3SkipExperiments } from "./q3-skip.js";

/** The experiments of Q3 (one per claim id of CLAIMS.md), in CLAIMS.md order: step-jacobian, product,
 *  max-derivative, bound, regime, skip, clip-value, clip-norm. */
export const q3Experiments: Experiment<unknown>[] = [
  ...q3JacobianExperiments,
  ...q3BoundExperiments,
  ...q3SkipExperiments,
  ...q3ClipExperiments,
];
