import type { Experiment } from "../types.js";
import { accumulation } from "./q4-accumulation.js";
import { exposureBiasClaim } from "./q4-exposure-bias.js";
import { scheduledSampling } from "./q4-scheduled-sampling.js";
import { teacherForcing } from "./q4-teacher-forcing.js";

export { accumulation, exposureBiasClaim, scheduledSampling, teacherForcing };

/** The experiments of Q4 (one per claim id of CLAIMS.md): sequence generators trained with teacher
 *  forcing, free running and scheduled sampling on text from a known n-gram oracle. */
export const q4Experiments: Experiment<unknown>[] = [
  accumulation,
  teacherForcing,
  exposureBiasClaim,
  scheduledSampling,
] as Experiment<unknown>[];
