import { ConfigError } from "../errors.js";
import type { Params } from "../model/params.js";
import { type Buf, dtypeOf } from "../tensor.js";
import { Adagrad } from "./optim/adagrad.js";
import { Adam } from "./optim/adam.js";
import { resolveOptimizerConfig } from "./optim/config.js";
import { Rmsprop } from "./optim/rmsprop.js";
import { Sgd } from "./optim/sgd.js";
import type { Optimizer, OptimizerConfig } from "./optim/types.js";

export { Adagrad } from "./optim/adagrad.js";
export { Adam } from "./optim/adam.js";
export { resolveOptimizerConfig } from "./optim/config.js";
export { Rmsprop } from "./optim/rmsprop.js";
export { Sgd } from "./optim/sgd.js";
export type {
  AdagradConfig,
  AdamConfig,
  Optimizer,
  OptimizerConfig,
  OptimizerName,
  OptimizerState,
  ResolvedAdagradConfig,
  ResolvedAdamConfig,
  ResolvedOptimizerConfig,
  ResolvedRmspropConfig,
  ResolvedSgdConfig,
  RmspropConfig,
  SgdConfig,
} from "./optim/types.js";

/** What an optimizer updates: a model, its parameters, or one flat parameter buffer. */
export type OptimizerTarget = { readonly params: Params } | Params | Buf;

/** An optimizer for the target's parameters (one flat buffer); its state has the parameters' dtype. */
export function createOptimizer(config: OptimizerConfig, target: OptimizerTarget): Optimizer {
  const values = parameterBuffer(target);
  const resolved = resolveOptimizerConfig(config);
  const dtype = dtypeOf(values);
  switch (resolved.name) {
    case "sgd":
      return new Sgd(resolved, values.length, dtype);
    case "adam":
    case "adamw":
      return new Adam(resolved, values.length, dtype);
    case "rmsprop":
      return new Rmsprop(resolved, values.length, dtype);
    case "adagrad":
      return new Adagrad(resolved, values.length, dtype);
  }
}

function parameterBuffer(target: OptimizerTarget): Buf {
  if (target instanceof Float32Array || target instanceof Float64Array) return target;
  if (typeof target === "object" && target !== null) {
    if ("params" in target) return target.params.data;
    if ("data" in target) return target.data;
  }
  throw new ConfigError(
    "createOptimizer(config, target): target must be a model, its params, or a Float32Array/Float64Array of parameters",
  );
}
