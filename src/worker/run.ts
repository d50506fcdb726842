import type { RunConfig } from "../train/run-config.js";
import type { EvalInfo, LiveOptions, ProgressInfo, StartedInfo } from "./protocol.js";

/** A value now (a run on the CPU) or later (a run on the GPU, which waits for its read-backs). */
export type Maybe<T> = T | Promise<T>;

/** What a training worker drives: a text run (TrainingSession, or GpuSession on WebGPU) or a
 *  synthetic task's (TaskSession). The host awaits every call and never overlaps two. */
export interface Run {
  readonly spec: RunConfig;
  info(): StartedInfo;
  /** One optimizer step; its figures are the caller's. */
  step(): Maybe<ProgressInfo>;
  /** Optimizer steps taken. */
  steps(): number;
  /** Whether the budget (steps in all, or minutes of training in this worker) is spent. */
  finished(): boolean;
  evalDue(): boolean;
  evaluate(): Maybe<EvalInfo>;
  /** The loss over the whole validation set. */
  finalLoss(): Maybe<number>;
  tokensPerSecond(): number;
  trainSeconds(): number;
  setLearningRate(lr: number): void;
  setOptions(options: LiveOptions): Maybe<void>;
  checkpoint(): Maybe<Uint8Array>;
  /** A free-running sample; topP (absent: 1) keeps the nucleus of the most likely tokens. */
  sample(
    length: number,
    temperature: number,
    topP?: number,
  ): Maybe<{ text: string | null; tokens: Int32Array }>;
  /** Frees what the run holds (threads, GPU buffers); its model stays for checkpoint() and sample(). */
  close(): Maybe<void>;
}
