import type { KernelPath } from "../kernels/kernel-path.js";
import type { TaskName } from "../tasks/registry.js";
import type { RunConfig, RunModelConfig } from "../train/run-config.js";

// The messages between a page (TrainingClient) and a training Worker (serveTraining). Every message
// carries the protocol version `v`; each side refuses another version with one clear error, so a
// page and a worker built from different rnnlab releases fail at once instead of misreading each
// other. Large arrays (checkpoint bytes, ‖dL/dh_t‖ over t) travel as transferables.

export const PROTOCOL_VERSION = 1;

/** The data of a run: a text (tokenized as `tokenizer` says) or token ids with their vocabulary. */
export type TrainingData = { text: string } | { tokens: ArrayLike<number>; vocabSize: number };

/** What `rnnlab train` takes (RunConfig), with the data inline and every other field optional
 *  (the CLI's defaults). With neither `steps` nor `minutes`, training runs until stop(). */
export type TrainingConfig = Partial<Omit<RunConfig, "data" | "model">> & {
  /** "text" (the default): next-token prediction on `data`; or a synthetic task of rnnlab/tasks,
   *  whose batches the worker generates (then `data` is not used, and feeding is teacher forcing). */
  task?: "text" | TaskName;
  data?: TrainingData;
  model?: Partial<RunModelConfig>;
  /** A name for the data, stored in the checkpoint's training options (default "inline"). */
  dataName?: string;
};

export interface StartOptions {
  /** Threads for teacher-forced steps: "auto" (default) uses up to navigator.hardwareConcurrency
   *  with at least 8 rows each; more than one needs a cross-origin isolated page. */
  threads?: number | "auto";
  /** Continue from these checkpoint bytes (a run of `rnnlab train` or of a worker) instead of
   *  starting afresh; its model must match the config's. */
  resume?: Uint8Array;
  /** Start paused: nothing runs until resume() or step(). */
  paused?: boolean;
  /** What runs a text run's steps: "cpu" (the default), or "webgpu": a GpuTrainer on
   *  navigator.gpu, for a config the WebGPU backend runs (teacher forcing; Adam, AdamW or SGD;
   *  any clipping). Where it cannot, the run trains on the CPU and
   *  StartedInfo.deviceNote says why. */
  device?: "cpu" | "webgpu";
}

export type ClientMessage = { v: number; id: number } & (
  | { type: "start"; config: TrainingConfig; options: StartOptions }
  | { type: "pause" }
  | { type: "resume" }
  | { type: "step"; count: number }
  | { type: "stop" }
  | { type: "set-lr"; lr: number }
  | { type: "set-options"; options: LiveOptions }
  | { type: "checkpoint" }
  /** topP: nucleus sampling's p, absent or 1 for none (a page of an earlier release sends none). */
  | { type: "sample"; length: number; temperature: number; topP?: number }
  | { type: "load"; bytes: Uint8Array }
  | { type: "generate"; options: GenerateOptions }
  | { type: "activations"; text: string; layer?: number }
  | { type: "set-corpus"; text: string }
  | { type: "hypothesis"; text: string; request: SpanRequest }
  | { type: "connectivity"; text: string; position: number }
);

/** A loaded checkpoint (load()), for generation and activations. */
export interface LoadedInfo {
  cell: string;
  hiddenSize: number;
  /** The width of h, the units shown: projSize under an LSTM projection, else hiddenSize. */
  stateSize: number;
  layers: number;
  vocabSize: number;
  tokenizer: "char" | "word";
  step: number;
  parameters: number;
}

export interface GenerateOptions {
  prime: string;
  length: number;
  temperature: number;
  /** Sample among the k most likely tokens only (0: all). */
  topK: number;
  /** Then among the most likely tokens whose probability adds up to p only (absent or 1: all). */
  topP?: number;
  seed: number;
}

/** A span hypothesis (LSTMVis) on a text: tokens start..end (both included) of its tokens. */
export interface SpanRequest {
  layer: number;
  start: number;
  end: number;
  /** A unit is on at t when h_t ≥ threshold. */
  threshold: number;
  /** Positions on each side of the span where the unit must be off. */
  margin: number;
}

export interface HypothesisResult {
  /** The units on across the span and off around it. */
  units: number[];
  /** Where they are all on together, best first: tokens start..end, the text of the match with
   *  some context before and after, and the mean over the run of the least of the units' values. */
  matches: { start: number; end: number; strength: number; before: string; text: string; after: string }[];
  /** Where the matches were looked for: the corpus given with setCorpus, or the text itself. */
  searched: "corpus" | "text";
  searchedTokens: number;
}

export interface ConnectivityResult {
  /** The text's tokens, decoded one by one. */
  tokens: string[];
  /** ‖∂L_t/∂x_s‖ for s = 0..t: L_t is the cross-entropy of tokens[t + 1] after tokens 0..t, x_s the
   *  first layer's input at s (embedding row or one-hot vector). */
  norms: Float64Array;
  /** tokens[t + 1], the token whose prediction L_t scores. */
  target: string;
}

/** The options a run can change between steps: clipping (null for none) and feeding. */
export type LiveOptions = Partial<Pick<RunConfig, "clip" | "feed">>;

/** What the worker reports once training is set up. */
export interface StartedInfo {
  threads: number;
  /** Why training runs on fewer threads than asked, or null. */
  threadNote: string | null;
  /** What runs the steps: "cpu" (the kernels below, on `threads`) or "webgpu". */
  device: "cpu" | "webgpu";
  /** One line on the device: the adapter a WebGPU run's steps run on, or why a run that asked for
   *  WebGPU trains on the CPU; null for a CPU run that asked for the CPU. */
  deviceNote: string | null;
  /** The kernels that run (rnnlab/kernels' kernelPath()). */
  kernels: KernelPath;
  vocabSize: number;
  trainTokens: number;
  valTokens: number;
  parameters: number;
  /** The loss of the best constant prediction on the validation data: the unigram entropy of a
   *  text, the targets' variance or entropy of a task (nats per scored step). */
  unigramLoss: number;
  /** "text" or the task's name. */
  task: string;
  /** Steps already taken (a resumed run). */
  step: number;
  /** The full training options in force, defaults filled in. */
  config: RunConfig;
}

/** One optimizer step's figures. */
export interface ProgressInfo {
  step: number;
  loss: number;
  gradNorm: number;
  gradNormClipped: number;
  lr: number;
  eps: number;
  groundTruthFraction: number;
  tokensPerSecond: number;
  /** ‖dL/dh_t‖ of the top layer for t = 0..T. */
  hiddenGradNorms: Float64Array;
  /** A vanilla RNN's γ and top ‖W_hh‖₂ after this step, for the bound (γ‖W‖₂)^k; null for GRU, LSTM. */
  recurrentBound: RecurrentBound | null;
}

/** ‖∂h_T/∂h_{T−k}‖₂ ≤ (γ‖W‖₂)^k: γ the activation's largest derivative, ‖W‖₂ the spectral norm of
 *  the top layer's recurrent matrix (src/worker/recurrent-bound.ts). */
export interface RecurrentBound {
  gamma: number;
  normW: number;
}

export interface EvalInfo {
  step: number;
  /** Mean loss over the first valBatches batches of the validation split. */
  valLoss: number;
  /** A free-running sample: text when the data is text, else null (the ids are in sampleTokens). */
  sample: string | null;
  sampleTokens: Int32Array;
}

export type RunState = "running" | "paused" | "stopped" | "finished";

export interface DoneInfo {
  step: number;
  /** "finished": the budget is spent; "stopped": stop() was called. */
  reason: "finished" | "stopped";
  /** Over the whole validation split. */
  valLoss: number;
  tokensPerSecond: number;
  seconds: number;
}

export type WorkerMessage = { v: number } & (
  | { type: "started"; id: number; info: StartedInfo }
  /** The steps taken since the last message (one message per slice of steps, not per step). */
  | { type: "progress"; infos: ProgressInfo[] }
  | { type: "eval"; info: EvalInfo }
  | { type: "state"; state: RunState }
  | { type: "done"; info: DoneInfo }
  | { type: "checkpoint"; id: number; bytes: Uint8Array }
  | { type: "sample"; id: number; text: string | null; tokens: Int32Array }
  | { type: "ack"; id: number }
  | { type: "loaded"; id: number; info: LoadedInfo }
  | { type: "generated"; id: number; text: string }
  /** states [T×H]: h_t of the layer after each of the text's tokens. */
  | { type: "activations"; id: number; tokens: string[]; states: Float32Array }
  | { type: "hypothesis"; id: number; result: HypothesisResult }
  | { type: "connectivity"; id: number; result: ConnectivityResult }
  /** `id` is the request that failed, or 0 for a failure of the run itself. */
  | { type: "error"; id: number; name: string; message: string }
);

/** The name a training worker gives the shard workers it starts from its own script. */
export const SHARD_WORKER_NAME = "rnnlab-shard";

/** One line for a message of another protocol version (or none). */
export function versionError(v: unknown, side: "worker" | "page"): string | null {
  if (v === PROTOCOL_VERSION) return null;
  const other = side === "worker" ? "page" : "worker";
  return `the ${other} speaks rnnlab worker protocol ${String(v)}, this ${side} ${PROTOCOL_VERSION}: load the page's and the worker's rnnlab from the same version`;
}
