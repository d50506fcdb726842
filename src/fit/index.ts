// rnnlab/fit: fit(learner, examples, options), a training loop with validation, early stopping,
// the best parameters kept and reduce-on-plateau; and the classify, tag and forecast tasks, each
// a parser (file text → data, line-numbered errors), batching, a learner, metrics, a baseline and
// predict, listed in the registry fitTasks.

export {
  type AnyFitTask,
  type DecodedTaskCheckpoint,
  decodeTaskCheckpoint,
  encodeTaskCheckpoint,
  NotATaskCheckpointError,
  readTaskCheckpointHeader,
  TASK_CHECKPOINT_FORMAT,
  type TaskCheckpoint,
  type TaskCheckpointHeader,
  type TaskRunInfo,
  taskNamed,
  taskOfBytes,
} from "./checkpoint.js";
export { SequenceClassifier } from "./classifier.js";
export {
  type ClassifyExample,
  ClassifyLearner,
  type ClassifyPrediction,
  type ClassifyState,
  classifyTask,
} from "./classify.js";
export {
  type ClassifyData,
  type ClassifyOptions,
  type ClassifyRecord,
  parseClassify,
} from "./classify-data.js";
export { type CsvTable, parseCsv } from "./csv.js";
export {
  type FitBest,
  type FitEpochRecord,
  type FitEvaluation,
  type FitOptions,
  type FitResult,
  type FitStepRecord,
  type FitStopReason,
  fit,
} from "./fit.js";
export {
  type ForecastExample,
  ForecastLearner,
  type ForecastState,
  forecast,
  forecastTask,
  type Normalisation,
} from "./forecast.js";
export { type ForecastData, type ForecastOptions, parseForecast, splitForecast } from "./forecast-data.js";
export type { Learner, Monitor } from "./learner.js";
export {
  accuracy,
  confusionMatrix,
  type Metrics,
  macroF1,
  meanAbsoluteError,
  meanAbsoluteScaledError,
  naiveScale,
  rootMeanSquaredError,
} from "./metrics.js";
export { isImprovement, type MonitorMode, type PlateauOptions, ReduceLrOnPlateau } from "./plateau.js";
export type { Dataset } from "./source.js";
export {
  parseTag,
  type TagData,
  type TagExample,
  TagLearner,
  type TagRecord,
  type TagState,
  tagTask,
} from "./tag.js";
export type { FitTask, TaskEvaluation, TaskModelOptions } from "./task.js";
export { estimateTaskMemory, type TaskMemoryUse, type TaskShape } from "./task-memory.js";
export { type FitTaskName, fitTaskNames, fitTasks } from "./tasks.js";
