import type { RunConfig } from "../train/run-config.js";
import type { EvalInfo, LiveOptions, ProgressInfo, StartedInfo } from "./protocol.js";

/** What a training worker drives: a text run (TrainingSession) or a synthetic task's (TaskSession). */
export interface Run {
  readonly spec: RunConfig;
  info(): StartedInfo;
  /** One optimizer step; its figures are the caller's. */
  step(): ProgressInfo;
  /** Optimizer steps taken. */
  steps(): number;
  /** Whether the budget (steps in all, or minutes of training in this worker) is spent. */
  finished(): boolean;
  evalDue(): boolean;
  evaluate(): EvalInfo;
  /** The loss over the whole validation set. */
  finalLoss(): number;
  tokensPerSecond(): number;
  trainSeconds(): number;
  setLearningRate(lr: number): void;
  setOptions(options: LiveOptions): void;
  checkpoint(): Uint8Array;
  /** A free-running sample; topP (absent: 1) keeps the nucleus of the most likely tokens. */
  sample(length: number, temperature: number, topP?: number): { text: string | null; tokens: Int32Array };
  close(): void;
}
