import { ConfigError } from "../errors.js";
import type { DType } from "../tensor.js";
import { Adam } from "./optim/adam.js";
import { resolveOptimizerConfig } from "./optim/config.js";
import { Sgd } from "./optim/sgd.js";
import type { Optimizer, OptimizerConfig } from "./optim/types.js";

export { Adam } from "./optim/adam.js";
export { resolveOptimizerConfig } from "./optim/config.js";
export { Sgd } from "./optim/sgd.js";
export type {
  AdamConfig,
  Optimizer,
  OptimizerConfig,
  OptimizerName,
  OptimizerState,
  ResolvedAdamConfig,
  ResolvedOptimizerConfig,
  ResolvedSgdConfig,
  SgdConfig,
} from "./optim/types.js";

/** An optimizer for `size` parameters held in one flat buffer of `dtype`; its state has the same dtype. */
export function createOptimizer(config: OptimizerConfig, size: number, dtype: DType): Optimizer {
  if (!Number.isInteger(size) || size < 0) {
    throw new ConfigError(`optimizer size must be the number of parameters (an integer >= 0), got ${size}`);
  }
  const resolved = resolveOptimizerConfig(config);
  return resolved.name === "sgd" ? new Sgd(resolved, size, dtype) : new Adam(resolved, size, dtype);
}
