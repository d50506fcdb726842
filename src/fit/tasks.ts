import { classifyTask } from "./classify.js";
import { forecastTask } from "./forecast.js";
import { tagTask } from "./tag.js";

/** The registry of fit tasks, one line each: each has the FitTask shape (parse, split,
 *  suggestModel, createLearner, examples, evaluate, predict, toJSON, fromJSON), so the CLI's
 *  --task choices and its flow follow from it. */
export const fitTasks = {
  classify: classifyTask,
  tag: tagTask,
  forecast: forecastTask,
} as const;

export type FitTaskName = keyof typeof fitTasks;
export const fitTaskNames: readonly FitTaskName[] = Object.freeze(Object.keys(fitTasks) as FitTaskName[]);
