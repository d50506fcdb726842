import type { RunnableExperiment } from "../types.js";
import { growth } from "./added-word.js";
import { sparsity } from "./input-density.js";
import { dimension } from "./vocabulary-cost.js";
import { similarity } from "./word-distances.js";

/** Q2, one-hot word vectors against dense embeddings, in CLAIMS.md order. */
export const q2: readonly RunnableExperiment[] = [dimension, growth, similarity, sparsity];
