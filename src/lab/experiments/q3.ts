import type { Experiment } from "../types.js";

/** The experiments of Q3 (one per claim id of CLAIMS.md). */
export const q3Experiments: Experiment<unknown>[] = [];
