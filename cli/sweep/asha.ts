// Asynchronous successive halving (Li et al. 2020, "A System for Massively Parallel Hyperparameter
// Tuning"), the stopping variant of Ray Tune's ASHAScheduler: rungs at minSteps·eta^k; a trial
// reaching a rung is compared with every trial recorded at that rung so far, and stopped unless it is
// within the best 1/eta of them. No trial waits for others, so trials may arrive in any order.

export interface AshaOptions {
  minSteps: number;
  /** Reduction factor: about 1/eta of the trials go on past each rung. */
  eta: number;
  /** A trial's last step: rungs lie strictly below it. */
  maxSteps: number;
  goal: "min" | "max";
}

export type Decision = "continue" | "stop";

export class AshaScheduler {
  /** Rung steps, ascending: minSteps·eta^k < maxSteps. */
  readonly rungs: number[];
  private readonly eta: number;
  private readonly sign: number;
  /** Per rung: each recorded trial's value, as a score where higher is better. */
  private readonly recorded: Map<string, number>[];
  private readonly stopped = new Set<string>();

  constructor({ minSteps, eta, maxSteps, goal }: AshaOptions) {
    if (!(minSteps >= 1) || !(eta >= 2))
      throw new RangeError(`ASHA needs minSteps >= 1 and eta >= 2, got ${minSteps}, ${eta}`);
    this.eta = eta;
    this.sign = goal === "max" ? 1 : -1;
    this.rungs = [];
    for (let step = minSteps; step < maxSteps; step *= eta) this.rungs.push(step);
    this.recorded = this.rungs.map(() => new Map());
  }

  /** A trial's metric at `step`. At the highest rung it has reached and not yet been recorded at,
   *  its value is recorded, and it stops when worse than the (1 − 1/eta) quantile of the values
   *  recorded there (its own included) once at least eta are. A value that is not finite stops it
   *  at once; a stopped trial stays stopped. */
  report(trialKey: string, step: number, value: number): Decision {
    if (this.stopped.has(trialKey)) return "stop";
    if (!Number.isFinite(value)) return this.stop(trialKey);
    const rung = this.rungToRecord(trialKey, step);
    if (rung === -1) return "continue";
    const scores = this.recorded[rung];
    const score = this.sign * value;
    scores.set(trialKey, score);
    if (scores.size < this.eta) return "continue";
    const cutoff = quantile([...scores.values()], 1 - 1 / this.eta);
    return score < cutoff ? this.stop(trialKey) : "continue";
  }

  /** The highest rung at or below `step`, unless the trial is recorded there (or higher): -1. */
  private rungToRecord(trialKey: string, step: number): number {
    for (let rung = this.rungs.length - 1; rung >= 0; rung--) {
      if (step < this.rungs[rung]) continue;
      return this.recorded[rung].has(trialKey) ? -1 : rung;
    }
    return -1;
  }

  private stop(trialKey: string): Decision {
    this.stopped.add(trialKey);
    return "stop";
  }
}

/** The q-quantile with linear interpolation between order statistics (numpy's default). */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const position = q * (sorted.length - 1);
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (position - below) * (sorted[above] - sorted[below]);
}
