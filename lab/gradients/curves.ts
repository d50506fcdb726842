// Learning curves for plots: moving averages sampled at a few hundred points, medians across seeds.

import { median } from "./linalg.js";

export interface Curve {
  x: number[];
  /** null where a run had stopped (diverged) or a value is not finite. */
  y: (number | null)[];
}

/** The mean of values[i − window + 1 .. i] at every `every`-th step, as x/y columns; steps past the
 *  end of `values` (a run that diverged) are null. */
export function smoothCurve(values: readonly number[], steps: number, window: number, every: number): Curve {
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
export function medianCurve(curves: readonly Curve[]): Curve {
  const x = curves[0]?.x ?? [];
  const y = x.map((_, i) => {
    const values: number[] = [];
    for (const c of curves) {
      const v = c.y[i];
      if (v === null || !Number.isFinite(v)) return null;
      values.push(v);
    }
    return median(values);
  });
  return { x, y };
}

/** The median over seeds of each seed's moving average (over `window` steps) of its losses, at about
 *  `points` evenly spaced steps of the `steps` run. */
export function medianLearningCurve(
  losses: readonly (readonly number[])[],
  steps: number,
  window: number,
  points: number,
): Curve {
  const every = Math.max(1, Math.floor(steps / points));
  return medianCurve(losses.map((l) => smoothCurve(l, steps, window, every)));
}
