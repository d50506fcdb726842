import type { Experiment } from "../types.js";

/** The experiments of Q5 (one per claim id of CLAIMS.md). */
export const q5Experiments: Experiment<unknown>[] = [];
