import type { Buf } from "../../tensor.js";

export interface SgdConfig {
  name: "sgd";
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

export interface AdamConfig {
  name: "adam" | "adamw";
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
}

export type OptimizerConfig = SgdConfig | AdamConfig;
export type OptimizerName = OptimizerConfig["name"];

/** A config with every default filled in (resolveOptimizerConfig). */
export type ResolvedSgdConfig = Required<SgdConfig>;
export type ResolvedAdamConfig = Required<AdamConfig>;
export type ResolvedOptimizerConfig = ResolvedSgdConfig | ResolvedAdamConfig;

/** What an optimizer carries between steps. Buffers are flat, as long as the parameters, and named
 *  as in PyTorch's optimizer state_dict: momentum_buffer (SGD with momentum), exp_avg and
 *  exp_avg_sq (Adam, AdamW). `step` counts the updates done. */
export interface OptimizerState {
  name: OptimizerName;
  step: number;
  buffers: Record<string, Buf>;
}

/** Updates one flat buffer of parameter values from a flat gradient buffer of the same length. */
export interface Optimizer {
  readonly config: ResolvedOptimizerConfig;
  /** The learning rate of the next step; starts at config.lr, schedules set it before each step. */
  lr: number;
  readonly stepCount: number;
  step(values: Buf, grads: Buf): void;
  /** A snapshot: copies of the buffers, unaffected by later steps. */
  state(): OptimizerState;
  /** Copies a state in (from state() or a checkpoint), after checking it fits this optimizer. */
  loadState(state: OptimizerState): void;
}
