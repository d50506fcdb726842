// Means, standard errors and the Q4 estimates built from them: a mean over seeds whose error
// combines the spread between seeds with each seed's own Monte-Carlo error.

export function mean(values: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < values.length; i++) s += values[i];
  return values.length > 0 ? s / values.length : Number.NaN;
}

/** Sample standard deviation (n − 1); 0 for fewer than two values. */
export function sd(values: ArrayLike<number>): number {
  const n = values.length;
  if (n < 2) return 0;
  const m = mean(values);
  let s = 0;
  for (let i = 0; i < n; i++) s += (values[i] - m) ** 2;
  return Math.sqrt(s / (n - 1));
}

/** Standard error of the mean: sd / √n (0 for fewer than two values). */
export function se(values: ArrayLike<number>): number {
  return values.length < 2 ? 0 : sd(values) / Math.sqrt(values.length);
}

/** A mean over seeds and its standard error. */
export interface Estimate {
  mean: number;
  se: number;
  /** The per-seed values. */
  values: number[];
}

/** The mean of the per-seed `values`; its error is the seed spread (se) combined with the
 *  Monte-Carlo errors of the seeds' own estimates (`mcSE`, one per seed, or none): for S seeds,
 *  √(se² + Σ mcSE² / S²). With one seed only the Monte-Carlo part remains. */
export function estimate(values: number[], mcSE: number[] = []): Estimate {
  const S = values.length;
  const mc = mcSE.length > 0 ? Math.sqrt(mcSE.reduce((s, e) => s + e * e, 0)) / S : 0;
  return { mean: mean(values), se: Math.hypot(se(values), mc), values };
}

/** The mean over runs of a per-step series (same length in every run). */
export function meanSeries(series: ArrayLike<number>[]): number[] {
  const n = series[0].length;
  return Array.from({ length: n }, (_, i) => series.reduce((s, x) => s + x[i], 0) / series.length);
}

/** The first step at which a curve reaches `target` (<=), or null. */
export function stepsToReach(steps: number[], values: number[], target: number): number | null {
  for (let i = 0; i < steps.length; i++) if (values[i] <= target) return steps[i];
  return null;
}

export function last(values: readonly number[]): number {
  return values[values.length - 1];
}

/** "a ± b": b to `digits` significant figures and a to the same decimals. */
export function pm(value: number, error: number, digits = 2): string {
  const decimals = Math.max(0, digits - 1 - Math.floor(Math.log10(Math.max(Math.abs(error), 1e-12))));
  const d = Math.min(decimals, 6);
  return `${value.toFixed(d)} ± ${error.toFixed(d)}`;
}

/** pm with an explicit + on non-negative means (a change). */
export function signedPm(e: { mean: number; se: number }): string {
  return `${e.mean >= 0 ? "+" : ""}${pm(e.mean, e.se)}`;
}
