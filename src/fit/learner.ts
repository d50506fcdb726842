import type { Params } from "../model/params.js";
import type { SequenceModel } from "../model/sequence-model.js";
import type { Metrics } from "./metrics.js";
import type { MonitorMode } from "./plateau.js";

/** The validation metric fit watches for early stopping, the best parameters and
 *  reduce-on-plateau, and which way is better. */
export interface Monitor {
  metric: string;
  mode: MonitorMode;
}

/** What fit trains: parameters in one flat buffer (the optimizer's and the clipping's), a loss and
 *  its gradient on a batch of examples, and metrics on examples. Each task's learner is one. */
export interface Learner<Example> {
  readonly params: Params;
  /** The metric to watch by default (e.g. { metric: "accuracy", mode: "max" }). */
  readonly monitor: Monitor;
  /** Zeroes params.grad, then forward and backward on the examples; returns the mean loss. */
  lossAndGrad(examples: readonly Example[]): number;
  /** Metrics over the examples ("loss" among them), in evaluation mode. */
  evaluate(examples: readonly Example[]): Metrics;
  /** Training mode (dropout on) or evaluation mode, on every model the learner holds. */
  setTraining(training: boolean): void;
}

/** model.train() / model.eval() where SequenceModel has them (dropout); nothing otherwise. */
export function setModelTraining(model: SequenceModel, training: boolean): void {
  const modes = model as unknown as { train?: () => void; eval?: () => void };
  if (training && typeof modes.train === "function") modes.train();
  if (!training && typeof modes.eval === "function") modes.eval();
}

/** Examples per forward pass when a task evaluates or predicts: the rows of its largest batch
 *  there (task-memory.ts estimates a pass of this many rows). */
export const EVAL_CHUNK = 256;

/** The rows of a list, in chunks of at most `size`. */
export function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
