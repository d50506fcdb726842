import { ConfigError } from "../errors.js";
import type { Buf } from "../tensor.js";

// A run has diverged when its loss or its weights have left every range a learning model visits.
// The guard watches three signs, cheapest first:
//
//   - the loss: L_s > factor · L_ref for `patience` consecutive steps, L_ref = max(reference, L_1)
//     (reference: ln V or the unigram loss; L_1 the first loss seen). One noisy batch resets nothing
//     it should not: the streak restarts at the first loss back under the threshold;
//   - the gradient norm after clipping: non-finite means the update just written is NaN or ±Inf;
//   - the weights: a non-finite entry or |w| > maxWeight (1e4 by default: one such weight moves a
//     logit by 1e4 nats per unit of input). A scan is O(P), like one optimizer step, so it runs
//     every `weightCheckEvery` steps, and before every checkpoint (checkWeights).
//
// The guard holds no Node or DOM dependency: `rnnlab train` and a training worker both use it.

/** What the guard reads the weights through: a model's `params`. */
export interface NamedWeights {
  readonly names: readonly string[];
  value(name: string): Buf;
}

export interface DivergenceGuardOptions {
  /** The loss the run must not stay above `factor` times of (nats per token): ln V, the unigram
   *  loss, or the larger; the first loss seen raises it if higher. */
  reference: number;
  /** Threshold multiple of the reference loss (default 4). */
  factor?: number;
  /** Consecutive steps above the threshold before the guard fires (default 5). */
  patience?: number;
  /** Largest |w| a sane model holds (default 1e4). */
  maxWeight?: number;
  /** Steps between weight scans (default 10). */
  weightCheckEvery?: number;
}

/** Why a run is judged diverged: one sentence, the step it was seen at. */
export interface Divergence {
  step: number;
  reason: string;
}

export const DEFAULT_DIVERGENCE_FACTOR = 4;

export class DivergenceGuard {
  readonly factor: number;
  readonly patience: number;
  readonly maxWeight: number;
  readonly weightCheckEvery: number;
  private reference: number;
  private sawFirstLoss = false;
  /** Consecutive steps above the threshold, and the largest loss among them. */
  private streak = 0;
  private streakPeak = 0;

  constructor(options: DivergenceGuardOptions) {
    this.factor = options.factor ?? DEFAULT_DIVERGENCE_FACTOR;
    this.patience = options.patience ?? 5;
    this.maxWeight = options.maxWeight ?? 1e4;
    this.weightCheckEvery = options.weightCheckEvery ?? 10;
    this.reference = options.reference;
    if (!(this.factor > 1) || !Number.isFinite(this.factor))
      throw new ConfigError(`divergence factor must be a number > 1, got ${this.factor}`);
    if (!(options.reference > 0) || !Number.isFinite(options.reference))
      throw new ConfigError(
        `divergence reference loss must be a finite number > 0, got ${options.reference}`,
      );
    checkCount("patience", this.patience);
    checkCount("weightCheckEvery", this.weightCheckEvery);
    if (!(this.maxWeight > 0)) throw new ConfigError(`maxWeight must be > 0, got ${this.maxWeight}`);
  }

  /** The loss above which a step counts toward the streak: factor · max(reference, L_1). */
  get threshold(): number {
    return this.factor * this.reference;
  }

  /** Whether the last steps were above the threshold (a streak that has not fired yet). */
  get suspicious(): boolean {
    return this.streak > 0;
  }

  /** After each training step (its count `step`): its loss, the gradient's norm after clipping,
   *  and the weights (scanned every weightCheckEvery steps). Null while the run looks sane. */
  afterStep(step: number, loss: number, gradNormClipped: number, weights: NamedWeights): Divergence | null {
    if (!Number.isFinite(loss)) return { step, reason: `the training loss is ${loss}` };
    if (!Number.isFinite(gradNormClipped))
      return { step, reason: `the gradient norm after clipping is ${gradNormClipped}` };
    if (!this.sawFirstLoss) {
      this.sawFirstLoss = true;
      this.reference = Math.max(this.reference, loss);
    }
    if (loss > this.threshold) {
      this.streak++;
      this.streakPeak = Math.max(this.streakPeak, loss);
    } else {
      this.streak = 0;
      this.streakPeak = 0;
    }
    if (this.streak >= this.patience) {
      return {
        step,
        reason: `the training loss stayed above ${this.factor} × ${fmt(this.reference)} = ${fmt(this.threshold)} nats for ${this.streak} steps (up to ${fmt(this.streakPeak)})`,
      };
    }
    if (step % this.weightCheckEvery === 0) return this.checkWeights(step, weights);
    return null;
  }

  /** The weight scan on its own (before a checkpoint): null when every weight is finite and
   *  within maxWeight. A checkpoint is sane when this is null and the guard is not `suspicious`. */
  checkWeights(step: number, weights: NamedWeights): Divergence | null {
    const bad = insaneWeight(weights, this.maxWeight);
    if (!bad) return null;
    const what = Number.isFinite(bad.value)
      ? `|w| = ${fmt(Math.abs(bad.value))} > ${fmt(this.maxWeight)}`
      : `${bad.value}`;
    return { step, reason: `${bad.name} holds ${what} (entry ${bad.index})` };
  }

  /** Why the run ends diverged if it ends now: a streak under way, which no later step can clear. */
  atEnd(step: number): Divergence | null {
    if (!this.suspicious) return null;
    return {
      step,
      reason: `the training loss ended above ${this.factor} × ${fmt(this.reference)} = ${fmt(this.threshold)} nats (its last ${this.streak} step(s), up to ${fmt(this.streakPeak)})`,
    };
  }
}

/** The first weight that is non-finite or above maxWeight in magnitude, or null. */
export function insaneWeight(
  weights: NamedWeights,
  maxWeight: number,
): { name: string; index: number; value: number } | null {
  for (const name of weights.names) {
    const data = weights.value(name);
    for (let i = 0; i < data.length; i++) {
      // !(|w| <= max) is true for NaN too.
      if (!(Math.abs(data[i]) <= maxWeight)) return { name, index: i, value: data[i] };
    }
  }
  return null;
}

function checkCount(name: string, value: number): void {
  if (!Number.isInteger(value) || value < 1)
    throw new ConfigError(`DivergenceGuard: ${name} must be an integer >= 1, got ${value}`);
}

/** Four significant digits, exponent notation when large. */
function fmt(x: number): string {
  return Math.abs(x) >= 1e6 ? x.toExponential(3) : String(Number(x.toPrecision(4)));
}
