import type { Experiment } from "../types.js";

/** The experiments of Q1 (one per claim id of CLAIMS.md). */
export const q1Experiments: Experiment<unknown>[] = [];
