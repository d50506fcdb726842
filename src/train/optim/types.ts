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
  /** AMSGrad: divide by the running maximum of v's (the bias correction applied to it). */
  amsgrad?: boolean;
}

export interface RmspropConfig {
  name: "rmsprop";
  lr: number;
  /** Smoothing constant of the mean square (PyTorch's alpha). */
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  /** Divide by the estimated variance, mean(g²) − mean(g)², instead of mean(g²). */
  centered?: boolean;
}

export interface AdagradConfig {
  name: "adagrad";
  lr: number;
  /** Step k (from 1) uses lr / (1 + (k − 1)·lrDecay). */
  lrDecay?: number;
  weightDecay?: number;
  /** The sum of squares starts at this value in every entry. */
  initialAccumulatorValue?: number;
  eps?: number;
}

export type OptimizerConfig = SgdConfig | AdamConfig | RmspropConfig | AdagradConfig;
export type OptimizerName = OptimizerConfig["name"];

/** A config with every default filled in (resolveOptimizerConfig). */
export type ResolvedSgdConfig = Required<SgdConfig>;
export type ResolvedAdamConfig = Required<AdamConfig>;
export type ResolvedRmspropConfig = Required<RmspropConfig>;
export type ResolvedAdagradConfig = Required<AdagradConfig>;
export type ResolvedOptimizerConfig =
  | ResolvedSgdConfig
  | ResolvedAdamConfig
  | ResolvedRmspropConfig
  | ResolvedAdagradConfig;

/** What an optimizer carries between steps. Buffers are flat, as long as the parameters, and named
 *  as in PyTorch's optimizer state_dict: momentum_buffer (SGD with momentum), exp_avg and
 *  exp_avg_sq (Adam, AdamW; max_exp_avg_sq with amsgrad), square_avg (RMSprop; momentum_buffer
 *  with momentum, grad_avg when centered), sum (Adagrad). `step` counts the updates done. */
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
