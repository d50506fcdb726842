// What the four Q4 experiments share: the runs of every seed of a feeding mode, their exposure-bias
// curves, mean curves over seeds, and the documented decision thresholds.

import type { LineSeries } from "../../report/spec.js";
import { plotNumber } from "../../report/spec.js";
import type { LabContext } from "../types.js";
import { type ExposureBias, exposureBias } from "./measures.js";
import {
  type FeedSpec,
  feedLabel,
  type OracleText,
  type Q4Setup,
  oracleText,
  q4Setup,
  modelAt,
  type TrainedRun,
  trainedRun,
} from "./setup.js";
import { combine, mean, se } from "./stats.js";

/** A difference counts as real when it exceeds this many standard errors (about 95 % two-sided
 *  for a normal estimate). */
export const Z = 2;
/** The smallest relative excess of the exposure-bias ratio over 1 (1 %) that counts as doing worse:
 *  below it a significant ratio is negligible. */
export const MIN_EXCESS = 0.01;
/** "Faster": reaching the other mode's final validation loss in at most 1/FASTER of the budget. */
export const FASTER = 2;

export interface Q4Context {
  setup: Q4Setup;
  data: OracleText;
}

export function q4Context(ctx: LabContext): Q4Context {
  const setup = q4Setup(ctx.quick);
  return { setup, data: oracleText(ctx, setup) };
}

export function seedsOf(setup: Q4Setup): number[] {
  return Array.from({ length: setup.seeds }, (_, i) => i + 1);
}

/** The runs of `feed`, one per seed. */
export function runsOf(ctx: LabContext, q: Q4Context, feed: FeedSpec): TrainedRun[] {
  return seedsOf(q.setup).map((seed) => trainedRun(ctx, q.setup, feed, seed));
}

/** Exposure-bias curves of each run's final model (or of its parameters at snapshot `step`). */
export function biasOf(
  ctx: LabContext,
  q: Q4Context,
  runs: TrainedRun[],
  temperature = 1,
  step: number = q.setup.steps,
): ExposureBias[] {
  return runs.map((run) => {
    const key = `${JSON.stringify(run.mode)}:${run.seed}:${step}`;
    return exposureBias(ctx, q.setup, q.data, key, temperature, () => {
      ctx.progress(`Q4: exposure bias of ${feedLabel(run.feed)}, seed ${run.seed}, step ${step}`);
      return step === q.setup.steps ? run.model : modelAt(q.setup, q.data, run, step);
    });
  });
}

/** A mean over seeds and its standard error, the seed spread combined with the Monte-Carlo
 *  error of each seed's estimate (`mcSE`, one per seed, or none). */
export interface Estimate {
  mean: number;
  se: number;
  /** The per-seed values. */
  values: number[];
}

export function estimate(values: number[], mcSE: number[] = []): Estimate {
  const S = values.length;
  const mc = mcSE.length > 0 ? Math.sqrt(mcSE.reduce((s, e) => s + e * e, 0)) / S : 0;
  return { mean: mean(values), se: combine(se(values), mc), values };
}

/** ratio(L) over seeds. */
export function ratioAt(ebs: ExposureBias[], l: number): Estimate {
  return estimate(
    ebs.map((e) => e.ratio[l - 1]),
    ebs.map((e) => e.ratioSE[l - 1]),
  );
}

/** The mean over runs of a per-step series (same length in every run). */
export function meanSeries(series: ArrayLike<number>[]): number[] {
  const n = series[0].length;
  return Array.from({ length: n }, (_, i) => series.reduce((s, x) => s + x[i], 0) / series.length);
}

/** The mean validation curve over seeds (every run evaluates at the same steps). */
export function meanCurve(runs: TrainedRun[]): { step: number[]; valLoss: number[]; valKL: number[] } {
  const c0 = runs[0].curve;
  return {
    step: c0.map((p) => p.step),
    valLoss: c0.map((_, i) => mean(runs.map((r) => r.curve[i].valLoss))),
    valKL: c0.map((_, i) => mean(runs.map((r) => r.curve[i].valKL))),
  };
}

/** The final validation loss over seeds, with the standard error of the mean over windows of
 *  each run as its Monte-Carlo part. */
export function finalLoss(runs: TrainedRun[], which: "windowLoss" | "windowKL" = "windowLoss"): Estimate {
  return estimate(
    runs.map((r) => mean(r[which])),
    runs.map((r) => se(r[which])),
  );
}

/** Paired difference a − b of the final validation loss (or KL), run by run (same seed) and window
 *  by window (same validation text). */
export function pairedFinal(a: TrainedRun[], b: TrainedRun[], which: "windowLoss" | "windowKL"): Estimate {
  const diffs = a.map((run, i) => Float64Array.from(run[which], (x, w) => x - b[i][which][w]));
  return estimate(
    diffs.map((d) => mean(d)),
    diffs.map((d) => se(d)),
  );
}

/** The first step at which a curve reaches `target` (<=), or null. */
export function stepsToReach(steps: number[], values: number[], target: number): number | null {
  for (let i = 0; i < steps.length; i++) if (values[i] <= target) return steps[i];
  return null;
}

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
