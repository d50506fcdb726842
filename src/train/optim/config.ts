import { ConfigError } from "../../errors.js";
import type {
  AdagradConfig,
  AdamConfig,
  OptimizerConfig,
  OptimizerName,
  ResolvedAdagradConfig,
  ResolvedAdamConfig,
  ResolvedOptimizerConfig,
  ResolvedRmspropConfig,
  ResolvedSgdConfig,
  RmspropConfig,
  SgdConfig,
} from "./types.js";

// PyTorch 1.13's defaults and the checks its constructors make (torch.optim.SGD, Adam, AdamW,
// RMSprop, Adagrad).

const ADAM_DEFAULTS = { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0, amsgrad: false };

/** The registry of optimizers: each name with its defaults. A new optimizer adds its config to
 *  types.ts (the `satisfies` below then asks for its entry here); the run config's schema and the
 *  CLI's --optimizer choices follow. */
export const optimizerDefaults = {
  sgd: { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0 },
  adam: ADAM_DEFAULTS,
  adamw: { ...ADAM_DEFAULTS, weightDecay: 0.01 },
  rmsprop: { alpha: 0.99, eps: 1e-8, weightDecay: 0, momentum: 0, centered: false },
  adagrad: { lrDecay: 0, weightDecay: 0, initialAccumulatorValue: 0, eps: 1e-10 },
} satisfies Record<OptimizerName, object>;

/** The registered names, in registration order. */
export const optimizerNames: readonly OptimizerName[] = Object.freeze(
  Object.keys(optimizerDefaults) as OptimizerName[],
);

/** The config with PyTorch's defaults filled in; throws ConfigError on a value PyTorch rejects. */
export function resolveOptimizerConfig(config: SgdConfig): ResolvedSgdConfig;
export function resolveOptimizerConfig(config: AdamConfig): ResolvedAdamConfig;
export function resolveOptimizerConfig(config: RmspropConfig): ResolvedRmspropConfig;
export function resolveOptimizerConfig(config: AdagradConfig): ResolvedAdagradConfig;
export function resolveOptimizerConfig(config: OptimizerConfig): ResolvedOptimizerConfig;
export function resolveOptimizerConfig(config: OptimizerConfig): ResolvedOptimizerConfig {
  if (typeof config !== "object" || config === null) {
    throw new ConfigError(`optimizer config must be an object like { name: "adam", lr: 0.001 }`);
  }
  switch (config.name) {
    case "sgd":
      return resolveSgd(config);
    case "adam":
      return resolveAdam(config, optimizerDefaults.adam);
    case "adamw":
      return resolveAdam(config, optimizerDefaults.adamw);
    case "rmsprop":
      return resolveRmsprop(config);
    case "adagrad":
      return resolveAdagrad(config);
    default:
      throw new ConfigError(
        `unknown optimizer ${show((config as { name: unknown }).name)}: use one of ${optimizerNames.map(show).join(", ")}`,
      );
  }
}

function resolveSgd(config: SgdConfig): ResolvedSgdConfig {
  const defaults = optimizerDefaults.sgd;
  const resolved = { ...defaults, ...withoutUndefined(config), name: "sgd" as const };
  checkKeys(resolved, ["name", "lr", ...Object.keys(defaults)]);
  checkNumber(resolved, "lr", 0);
  checkNumber(resolved, "momentum", 0);
  checkNumber(resolved, "dampening", Number.NEGATIVE_INFINITY);
  checkNumber(resolved, "weightDecay", 0);
  checkBoolean(resolved, "nesterov");
  if (resolved.nesterov && (resolved.momentum <= 0 || resolved.dampening !== 0)) {
    throw new ConfigError(
      `sgd: Nesterov momentum requires momentum > 0 and dampening 0 (got momentum ${resolved.momentum}, dampening ${resolved.dampening})`,
    );
  }
  return resolved;
}

function resolveAdam(config: AdamConfig, defaults: typeof ADAM_DEFAULTS): ResolvedAdamConfig {
  const resolved = { ...defaults, ...withoutUndefined(config), name: config.name };
  checkKeys(resolved, ["name", "lr", ...Object.keys(defaults)]);
  checkNumber(resolved, "lr", 0);
  checkNumber(resolved, "beta1", 0, 1);
  checkNumber(resolved, "beta2", 0, 1);
  checkNumber(resolved, "eps", 0);
  checkNumber(resolved, "weightDecay", 0);
  checkBoolean(resolved, "amsgrad");
  return resolved;
}

function resolveRmsprop(config: RmspropConfig): ResolvedRmspropConfig {
  const defaults = optimizerDefaults.rmsprop;
  const resolved = { ...defaults, ...withoutUndefined(config), name: "rmsprop" as const };
  checkKeys(resolved, ["name", "lr", ...Object.keys(defaults)]);
  for (const key of ["lr", "alpha", "eps", "weightDecay", "momentum"] as const) checkNumber(resolved, key, 0);
  checkBoolean(resolved, "centered");
  return resolved;
}

function resolveAdagrad(config: AdagradConfig): ResolvedAdagradConfig {
  const defaults = optimizerDefaults.adagrad;
  const resolved = { ...defaults, ...withoutUndefined(config), name: "adagrad" as const };
  checkKeys(resolved, ["name", "lr", ...Object.keys(defaults)]);
  for (const key of ["lr", "lrDecay", "weightDecay", "initialAccumulatorValue", "eps"] as const) {
    checkNumber(resolved, key, 0);
  }
  return resolved;
}

/** An explicit `undefined` (e.g. from a spread of optional fields) means "use the default". */
function withoutUndefined<T extends object>(config: T): T {
  return Object.fromEntries(Object.entries(config).filter(([, value]) => value !== undefined)) as T;
}

function checkBoolean<T extends { name: string }>(config: T, key: keyof T & string): void {
  if (typeof config[key] !== "boolean") {
    throw new ConfigError(`${config.name}: ${key} must be true or false, got ${show(config[key])}`);
  }
}

function checkKeys(config: { name: string }, allowed: readonly string[]): void {
  for (const key of Object.keys(config)) {
    if (!allowed.includes(key)) {
      throw new ConfigError(`${config.name}: unknown option "${key}"; the options are ${allowed.join(", ")}`);
    }
  }
}

/** value must be finite with min <= value (< maxExclusive when given). */
function checkNumber<T extends { name: string }>(
  config: T,
  key: keyof T & string,
  min: number,
  maxExclusive?: number,
): void {
  const value = config[key];
  const inRange = typeof value === "number" && Number.isFinite(value) && value >= min;
  if (inRange && (maxExclusive === undefined || value < maxExclusive)) return;
  const bound =
    maxExclusive !== undefined
      ? ` in [${min}, ${maxExclusive})`
      : min > Number.NEGATIVE_INFINITY
        ? ` >= ${min}`
        : "";
  throw new ConfigError(`${config.name}: ${key} must be a finite number${bound}, got ${show(value)}`);
}

function show(value: unknown): string {
  return typeof value === "number" ? String(value) : JSON.stringify(value);
}
