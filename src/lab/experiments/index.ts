import type { Experiment } from "../types.js";
import { q1Experiments } from "./q1.js";
import { q2Experiments } from "./q2.js";
import { q3Experiments } from "./q3.js";
import { q4Experiments } from "./q4.js";
import { q5Experiments } from "./q5.js";

/** Every experiment, in CLAIMS.md order: the CLI, the report and the tests read this one list. */
export const experiments: readonly Experiment<unknown>[] = [
  ...q1Experiments,
  ...q2Experiments,
  ...q3Experiments,
  ...q4Experiments,
  ...q5Experiments,
];

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
