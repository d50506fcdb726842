import type { RunnableExperiment } from "../types.js";
import { accumulation } from "./error-propagation.js";
import { exposureBias } from "./exposure-bias-ratio.js";
import { scheduledSampling } from "./schedule-gap.js";
import { teacherForcing } from "./teacher-vs-free-running.js";

/** Q4, in CLAIMS.md order: sequence generators trained with teacher forcing, free running and
 *  scheduled sampling on text from a known n-gram oracle. */
export const q4: readonly RunnableExperiment[] = [
  accumulation,
  teacherForcing,
  exposureBias,
  scheduledSampling,
];
