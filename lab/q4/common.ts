// The decision thresholds the four Q4 judges share, and the plot helpers their figures share.

import { type LineSeries, plotNumber } from "../../src/report/index.js";

/** A difference counts as real when it exceeds this many standard errors (about 95 % two-sided
 *  for a normal estimate). */
export const Z = 2;
/** The smallest relative excess of the exposure-bias ratio over 1 (1 %) that counts as doing worse:
 *  below it a significant ratio is negligible. */
export const MIN_EXCESS = 0.01;
/** "Faster": reaching the other mode's final validation loss in at most 1/FASTER of the budget. */
export const FASTER = 2;

/** The per-step error the Q4 claims measure, in TeX: the KL from the oracle's next-token
 *  distribution to the model's. */
export const KL_TEX = "$\\mathrm{KL}(P_{\\text{oracle}} \\| P_{\\text{model}})$";
/** The exposure-bias ratio (He et al. 2021): that KL accumulated over the first l generated steps,
 *  along the model's own rollouts over along oracle continuations. */
export const RATIO_TEX = "$\\text{acc}_{\\text{model}}(l) / \\text{acc}_{\\text{oracle}}(l)$";

/** Plot-ready series (6 significant digits). */
export function series(
  name: string,
  x: ArrayLike<number>,
  y: ArrayLike<number>,
  extra: Partial<LineSeries> = {},
): LineSeries {
  return {
    name,
    x: Array.from(x, (v) => plotNumber(v) ?? 0),
    y: Array.from(y, (v) => plotNumber(v)),
    ...extra,
  };
}

/** Every `every`-th point of a long series (and the last), to keep the page small. */
export function thin(x: number[], y: number[], every: number): { x: number[]; y: number[] } {
  const keep = x.map((_, i) => i).filter((i) => i % every === 0 || i === x.length - 1);
  return { x: keep.map((i) => x[i]), y: keep.map((i) => y[i]) };
}

/** Thinning for a rollout of length L: every other point past 60. */
export const thinEvery = (L: number) => (L > 60 ? 2 : 1);

/** The ± Z standard-error lines around a mean series, thin, dashed and grey. */
export function band(x: ArrayLike<number>, mean: number[], se: number[]): LineSeries[] {
  const style = { dashed: true, width: 1, opacity: 0.6, color: "#888" };
  return [
    series(
      `+${Z} SE`,
      x,
      mean.map((m, i) => m + Z * se[i]),
      style,
    ),
    series(
      `-${Z} SE`,
      x,
      mean.map((m, i) => m - Z * se[i]),
      style,
    ),
  ];
}
