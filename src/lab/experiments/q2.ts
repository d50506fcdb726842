import type { Experiment } from "../types.js";

/** The experiments of Q2 (one per claim id of CLAIMS.md). */
export const q2Experiments: Experiment<unknown>[] = [];
