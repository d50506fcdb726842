import type { RunnableExperiment } from "../types.js";
import { hiddenTruthTables } from "./hidden-truth-tables.js";
import { recurrentOutput } from "./recurrent-output.js";
import { sequenceAndTask } from "./sequence-and-task.js";
import { sequenceAndWeights } from "./sequence-and-weights.js";
import { sequenceEqualTask } from "./sequence-equal-task.js";

/** Q5, recurrent networks designed by hand (the networks of lab/wired/), in CLAIMS.md order. */
export const q5: readonly RunnableExperiment[] = [
  sequenceAndTask,
  sequenceAndWeights,
  sequenceEqualTask,
  hiddenTruthTables,
  recurrentOutput,
];
