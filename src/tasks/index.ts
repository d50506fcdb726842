// rnnlab/tasks: synthetic sequence tasks (the seed's bit tasks, the adding problem, temporal order,
// parity) as generators of batches, and the loss of the best constant prediction.

export { ADDING_BASELINE_MSE, addingBatch, type RegressionBatch } from "./adding.js";
export { allOnesBatch, alternatingSumBatch, equalSoFarBatch, parityBatch } from "./bits.js";
export {
  constantBaseline,
  sequenceTask,
  sequenceTasks,
  type TaskName,
  taskBaseline,
  taskNames,
} from "./registry.js";
export type { SequenceTask, TaskBatch } from "./task.js";
export {
  type ClassificationBatch,
  TEMPORAL_ORDER_CLASSES,
  TEMPORAL_ORDER_SYMBOLS,
  temporalOrderBatch,
} from "./temporal-order.js";
