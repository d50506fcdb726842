import type { Experiment } from "../types.js";
import { dimension, sparsity } from "./q2-costs.js";
import { growth, similarity } from "./q2-words.js";

export { COST_SWEEP, costSweep } from "./q2-costs.js";
export { trainedWordModel, WORD_MODEL } from "./q2-words.js";

/** The experiments of Q2 (one per claim id of CLAIMS.md), in CLAIMS.md order: one-hot word vectors
 *  against dense embeddings, measured (bytes, parameters, time) and learned from the corpus. */
export const q2Experiments: Experiment<unknown>[] = [
  dimension as Experiment<unknown>,
  growth as Experiment<unknown>,
  similarity as Experiment<unknown>,
  sparsity as Experiment<unknown>,
];
