import type { Experiment } from "../types.js";
import { q5aTask, q5aWeights } from "./q5a.js";
import { q5bHidden, q5bOutput, q5bTask } from "./q5b.js";

/** The experiments of Q5 (one per claim id of CLAIMS.md): the hand-wired networks of src/lab/wired/. */
export const q5Experiments: Experiment<unknown>[] = [q5aTask, q5aWeights, q5bTask, q5bHidden, q5bOutput];
