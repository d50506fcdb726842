// rnnlab/client: the page's side of rnnlab/worker alone (no model code; a few kilobytes).

export { TrainingClient, TrainingError, type TrainingEvents } from "./client.js";
export type {
  ConnectivityResult,
  DoneInfo,
  EvalInfo,
  GenerateOptions,
  HypothesisResult,
  LiveOptions,
  LoadedInfo,
  ProgressInfo,
  RunState,
  SpanRequest,
  StartedInfo,
  StartOptions,
  TrainingConfig,
  TrainingData,
} from "./protocol.js";
export type { WorkerLike } from "./scope.js";
