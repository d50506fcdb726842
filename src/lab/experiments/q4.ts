import type { Experiment } from "../types.js";

/** The experiments of Q4 (one per claim id of CLAIMS.md). */
export const q4Experiments: Experiment<unknown>[] = [];
