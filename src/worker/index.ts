// rnnlab/worker: training off the page's main thread. In the worker's module, serveTraining();
// on the page, a TrainingClient over that Worker (also rnnlab/client, which loads nothing else).
// With a cross-origin isolated page, training uses several threads: the worker starts its thread
// workers from its own script.

export { TrainingClient, TrainingError, type TrainingEvents } from "./client.js";
export { resolveTrainingConfig, runDefaults } from "./config.js";
export { serveTraining, type ServeTrainingOptions } from "./host.js";
export {
  type ClientMessage,
  type ConnectivityResult,
  type DoneInfo,
  type EvalInfo,
  type GenerateOptions,
  type HypothesisResult,
  type LiveOptions,
  type LoadedInfo,
  PROTOCOL_VERSION,
  type ProgressInfo,
  type RunState,
  SHARD_WORKER_NAME,
  type SpanRequest,
  type StartedInfo,
  type StartOptions,
  type TrainingConfig,
  type TrainingData,
  type WorkerMessage,
} from "./protocol.js";
export type { ScriptUrl, WorkerLike } from "./scope.js";
export { serveShard, workerShardSpawner } from "./shards.js";
