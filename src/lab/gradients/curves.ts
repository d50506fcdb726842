// Learning curves for plots: moving averages sampled at a few hundred points, medians across seeds.

import { median } from "./linalg.js";

/** The mean of values[i − window + 1 .. i] at every `every`-th step (and the last), as x/y columns;
 *  steps past the end of `values` (a run that diverged) are null. */
export function smoothCurve(
  values: readonly number[],
  steps: number,
  window: number,
  every: number,
): { x: number[]; y: (number | null)[] } {
  const x: number[] = [];
  const y: (number | null)[] = [];
  for (let i = every - 1; i < steps; i += every) {
    x.push(i + 1);
    if (i >= values.length) {
      y.push(null);
      continue;
    }
    let s = 0;
    let n = 0;
    for (let j = Math.max(0, i - window + 1); j <= i; j++) {
      s += values[j];
      n++;
    }
    y.push(s / n);
  }
  return { x, y };
}

/** Pointwise median of several curves sampled at the same x (null where any seed has no value). */
export function medianCurve(curves: { x: number[]; y: (number | null)[] }[]): {
  x: number[];
  y: (number | null)[];
} {
  const x = curves[0]?.x ?? [];
  const y = x.map((_, i) => {
    const vals = curves.map((c) => c.y[i]);
    if (vals.some((v) => v === null || !Number.isFinite(v))) return null;
    return median(vals as number[]);
  });
  return { x, y };
}

/** Mean of the last `n` values (NaN when empty). */
export function tailMean(values: readonly number[], n: number): number {
  const tail = values.slice(Math.max(0, values.length - n));
  return tail.length ? tail.reduce((a, b) => a + b, 0) / tail.length : Number.NaN;
}
