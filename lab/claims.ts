import { q1 } from "./q1/index.js";
import { q2 } from "./q2/index.js";
import { q3 } from "./q3/index.js";
import { q4 } from "./q4/index.js";
import { q5 } from "./q5/index.js";
import type { RunnableExperiment } from "./types.js";

/** Every experiment, in CLAIMS.md order: the CLI, the report and the tests read this one list. A new
 *  experiment is one file in its question's folder plus one line in that folder's index.ts. */
export const experiments: readonly RunnableExperiment[] = [...q1, ...q2, ...q3, ...q4, ...q5];

/** The claim ids of CLAIMS.md, in order: every one must have an experiment. */
export const CLAIM_IDS = [
  "Q1.recurrence",
  "Q1.closed-form",
  "Q1.output",
  "Q1.meaning",
  "Q2.dimension",
  "Q2.growth",
  "Q2.similarity",
  "Q2.sparsity",
  "Q3.step-jacobian",
  "Q3.product",
  "Q3.max-derivative",
  "Q3.bound",
  "Q3.regime",
  "Q3.skip",
  "Q3.clip-value",
  "Q3.clip-norm",
  "Q4.accumulation",
  "Q4.teacher-forcing",
  "Q4.exposure-bias",
  "Q4.scheduled-sampling",
  "Q5a.task",
  "Q5a.weights",
  "Q5b.task",
  "Q5b.hidden",
  "Q5b.output",
] as const;
