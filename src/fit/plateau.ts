import { ConfigError } from "../errors.js";

// PyTorch 1.13's torch.optim.lr_scheduler.ReduceLROnPlateau, one step per evaluation of a metric.

export type MonitorMode = "min" | "max";

/** ReduceLROnPlateau's options (PyTorch's names and defaults in the comments). */
export interface PlateauOptions {
  /** Whether lower (min) or higher (max) is better (mode, "min"). */
  mode?: MonitorMode;
  /** new lr = lr·factor (factor, 0.1); must be < 1. */
  factor?: number;
  /** Evaluations without improvement tolerated before a cut (patience, 10). */
  patience?: number;
  /** What counts as better (threshold, 1e-4; threshold_mode "rel"): rel min: a < best·(1 − θ),
   *  rel max: a > best·(1 + θ), abs min: a < best − θ, abs max: a > best + θ. */
  threshold?: number;
  thresholdMode?: "rel" | "abs";
  /** Evaluations after a cut during which bad ones are not counted (cooldown, 0). */
  cooldown?: number;
  /** The lr never goes below it (min_lr, 0). */
  minLr?: number;
  /** A cut smaller than eps is skipped (eps, 1e-8). */
  eps?: number;
}

/** PyTorch's is_better: whether `value` improves on `best` by more than the threshold. */
export function isImprovement(
  value: number,
  best: number,
  mode: MonitorMode,
  threshold = 0,
  thresholdMode: "rel" | "abs" = "abs",
): boolean {
  if (mode === "min") return value < (thresholdMode === "rel" ? best * (1 - threshold) : best - threshold);
  return value > (thresholdMode === "rel" ? best * (1 + threshold) : best + threshold);
}

/** Holds the lr and cuts it when the metric stops improving, as PyTorch's step(metrics) does:
 *  better → best = value, bad = 0; else bad += 1; in cooldown: cooldown −= 1 and bad = 0; then
 *  if bad > patience: lr = max(lr·factor, minLr) (skipped if the change is <= eps), cooldown starts,
 *  bad = 0. `best` starts at +∞ (min) or −∞ (max). */
export class ReduceLrOnPlateau {
  lr: number;
  /** The lr it started from. */
  readonly initialLr: number;
  best: number;
  badEvaluations = 0;
  cooldownLeft = 0;
  readonly options: Required<PlateauOptions>;

  constructor(lr: number, options: PlateauOptions = {}) {
    this.options = {
      mode: "min",
      factor: 0.1,
      patience: 10,
      threshold: 1e-4,
      thresholdMode: "rel",
      cooldown: 0,
      minLr: 0,
      eps: 1e-8,
      ...withoutUndefined(options),
    };
    checkPlateau(this.options);
    if (!(lr >= 0) || !Number.isFinite(lr))
      throw new ConfigError(`reduce-on-plateau: lr must be >= 0, got ${lr}`);
    this.lr = lr;
    this.initialLr = lr;
    this.best = this.options.mode === "min" ? Number.POSITIVE_INFINITY : Number.NEGATIVE_INFINITY;
  }

  /** Takes one evaluation of the metric; returns the lr to use from now on. */
  step(value: number): number {
    const o = this.options;
    if (isImprovement(value, this.best, o.mode, o.threshold, o.thresholdMode)) {
      this.best = value;
      this.badEvaluations = 0;
    } else {
      this.badEvaluations++;
    }
    if (this.cooldownLeft > 0) {
      this.cooldownLeft--;
      this.badEvaluations = 0;
    }
    if (this.badEvaluations > o.patience) {
      const cut = Math.max(this.lr * o.factor, o.minLr);
      if (this.lr - cut > o.eps) this.lr = cut;
      this.cooldownLeft = o.cooldown;
      this.badEvaluations = 0;
    }
    return this.lr;
  }
}

function checkPlateau(o: Required<PlateauOptions>): void {
  const fail = (what: string, got: unknown) => {
    throw new ConfigError(`reduce-on-plateau: ${what}, got ${JSON.stringify(got)}`);
  };
  if (o.mode !== "min" && o.mode !== "max") fail('mode must be "min" or "max"', o.mode);
  if (!(o.factor > 0 && o.factor < 1)) fail("factor must be in (0, 1), e.g. 0.5", o.factor);
  if (!Number.isInteger(o.patience) || o.patience < 0) fail("patience must be an integer >= 0", o.patience);
  if (!Number.isInteger(o.cooldown) || o.cooldown < 0) fail("cooldown must be an integer >= 0", o.cooldown);
  if (o.thresholdMode !== "rel" && o.thresholdMode !== "abs")
    fail('thresholdMode must be "rel" or "abs"', o.thresholdMode);
  for (const key of ["threshold", "minLr", "eps"] as const) {
    if (!(o[key] >= 0) || !Number.isFinite(o[key])) fail(`${key} must be a finite number >= 0`, o[key]);
  }
}

export function withoutUndefined<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as Partial<T>;
}
